// The ISA-specific inner loops of the element-wise kernels (pooling, activations, softmax, optimizers, dropout):
// one table per vector ISA, filled by kernels/avx2/simd_kernels_avx2.cpp and
// kernels/avx512/simd_kernels_avx512.cpp from the single source kernels/simd/simd_kernels.inc. The portable
// drivers (kernels/generic/simd_drivers.cpp) own the loops over planes and rows, the threading and the window
// borders, and call these for the vectorisable middle. Layout: float32 NCHW planes, row-major.
// Reference kernels: pool2d_ref.cpp, pool2d_backward_ref.cpp, activation_ref.cpp,
// activation_backward_ref.cpp, softmax_ref.cpp, softmax_backward_ref.cpp.
//
// Included by the ISA files: keep it free of inline functions and templates (see sgemm_driver.h).
#pragma once

#include <cnn/cnn.h>

#include <cstdint>

namespace cnn {

// A block of max-pool windows: `out_rows` output rows of `count` consecutive windows each, all inside the
// input horizontally. Window j of output row r covers input rows [row_begin + r*row_step, row_end +
// r*row_step) and columns col0 + j*stride_w .. + kernel_w - 1 of the plane (row width `width`).
struct MaxWindowsBlock {
  const float* plane;
  int64_t width;
  int64_t row_begin, row_end, row_step;
  int64_t out_rows;
  int64_t col0;
  int32_t stride_w, kernel_w;
  int64_t count;
  float* y;          // y[r*out_stride + j]: the window's maximum
  int32_t* argmax;   // null, or argmax[r*out_stride + j]: the winner's index in the plane
  int64_t out_stride;
};
// Fills the block with the reference rule (row-major scan, a later cell wins only when strictly greater,
// the first NaN wins). Stride 2 with kernel width 2 or 3 splits two contiguous loads into even and odd
// lanes; other strides load (stride 1) or gather the cells.
using MaxWindowsFn = void (*)(const MaxWindowsBlock& block);
// The backward of a block of windows that share no cell: stride 2, kernel width 2, and kernel height at most
// row_step. Writes every cell of the block's windows in the plane's gradient dx (row width `width`): 0 + dy
// at the window's winner (the reference rule, as max_windows), 0 elsewhere; dy[r*out_stride + j] is the
// gradient of window j of output row r. block.y and block.argmax are not used.
using MaxWindowsBackwardFn = void (*)(const MaxWindowsBlock& block, const float* dy, float* dx);
// The same windows, y[j] = (sum of the window's cells) / divisor.
using AvgWindowsFn = void (*)(const float* plane, int64_t width, int64_t row_begin, int64_t row_end, int64_t col0,
                              int32_t stride_w, int32_t kernel_w, int64_t count, float divisor, float* y);
// Sum of count floats (global average pooling).
using SumFn = float (*)(int64_t count, const float* x);
// Sum of the squares of count floats in double (sum_squares_ref's terms: each square is exact in double; only the
// additions round, in the kernel's own fixed order).
using SumSquaresChunkFn = double (*)(int64_t count, const float* x);
// y = f(x) and dx = f'(x) * dy over count floats, as activation_forward_ref / activation_backward_ref.
using ActivationChunkFn = void (*)(cnn_activation activation, float alpha, int64_t count, const float* x, float* y);
using ActivationBackwardChunkFn = void (*)(cnn_activation activation, float alpha, int64_t count, const float* x,
                                           const float* dy, float* dx);
// One input row of the average-pooling gradient: dx[ix] = the sum over the covering windows' share rows (rows[r],
// r < rows, in window-row order) and over the column slots k < slots (in window-column order) of
// rows[r][column[k * stride + ix]] where valid[k * stride + ix] > 0; the tables hold `width` entries per slot, plus
// a vector's worth of padding. Adds from +0 in the reference's order, so the result is the reference's, bit for bit.
using AvgBackwardRowFn = void (*)(int64_t width, int rows, const float* const* share_rows, int slots,
                                  const int32_t* column, const float* valid, int64_t stride, float* dx);
// count floats of dst set to value.
using FillRowFn = void (*)(int64_t count, float value, float* dst);
// Softmax over the middle axis of one [classes, inner] block (inner == 1: one row of classes).
using SoftmaxBlockFn = void (*)(int64_t classes, int64_t inner, const float* x, float* y);
using SoftmaxBackwardBlockFn = void (*)(int64_t classes, int64_t inner, const float* y, const float* dy, float* dx);

// Dense layer for a few rows (a GEMV-like path for batch 1 to kDenseRowsMax): y[i, o] = bias[o] + dot(x[i], w[o])
// for i < rows and o in [o_begin, o_end); x [rows, in], w [out, in] read in place (no packing), y row stride
// `out`, bias may be null.
constexpr int64_t kDenseRowsMax = 4;
using DenseRowsFn = void (*)(int64_t rows, int64_t in, int64_t out, int64_t o_begin, int64_t o_end, const float* x,
                             const float* w, const float* bias, float* y);

// Optimizer updates of count floats, as sgd_update_ref / adam_update_ref but in float (the reference works in
// double): within a few ulp of it per step. velocity may be null (plain SGD).
using SgdChunkFn = void (*)(const cnn_sgd_params& p, int64_t count, float* param, const float* grad, float* velocity);
using AdamChunkFn = void (*)(const cnn_adam_params& p, int64_t count, float* param, const float* grad, float* m,
                             float* v);

// Inverted dropout of elements [first, first + count) of a tensor (first a multiple of 4): out[i] = in[i] * (1 /
// (1 - rate)) where the Philox-4x32-10 uniform of element first + i is >= rate, else 0; in and out point at
// element `first`. Bit for bit dropout_ref (kernels/ref/dropout_ref.cpp), whose generator (philox.h) it runs on
// kWidth blocks of 4 elements at once.
using DropoutChunkFn = void (*)(float rate, uint64_t seed, int64_t first, int64_t count, const float* in, float* out);

// Batch norm, one plane of `count` floats at a time (the drivers in kernels/generic/simd_drivers.cpp loop over a
// channel's planes and add their sums in double, as the reference adds its elements): the deviation of an element
// is d = (x - mean_hi) - mean_lo, the double mean (or any shift) as the sum of two floats. The sums of d and d^2;
// y = scale * d + shift; the sums of dy and dy * d; dx = a * dy + b * d + c.
using BnMomentsFn = void (*)(int64_t count, const float* x, float mean_hi, float mean_lo, float* sum_d,
                             float* sum_d2);
using BnNormalizeFn = void (*)(int64_t count, const float* x, float mean_hi, float mean_lo, float scale, float shift,
                               float* y);
using BnGradSumsFn = void (*)(int64_t count, const float* x, const float* dy, float mean_hi, float mean_lo,
                              float* sum_dy, float* sum_dy_d);
using BnGradFn = void (*)(int64_t count, const float* x, const float* dy, float mean_hi, float mean_lo, float a,
                          float b, float c, float* dx);

struct SimdKernels {
  const char* isa;  // "avx2" | "avx512"
  MaxWindowsFn max_windows;
  MaxWindowsBackwardFn max_windows_backward_stride2;
  AvgWindowsFn avg_windows;
  AvgBackwardRowFn avg_backward_row;
  FillRowFn fill_row;
  SumFn sum;
  SumSquaresChunkFn sum_squares;
  ActivationChunkFn activation;
  ActivationBackwardChunkFn activation_backward;
  SoftmaxBlockFn softmax;
  SoftmaxBackwardBlockFn softmax_backward;
  DenseRowsFn dense_rows;
  SgdChunkFn sgd;
  AdamChunkFn adam;
  DropoutChunkFn dropout;
  BnMomentsFn bn_moments;
  BnNormalizeFn bn_normalize;
  BnGradSumsFn bn_grad_sums;
  BnGradFn bn_grad;
};

const SimdKernels& simd_kernels_avx2();    // only when built with CNN_HAVE_AVX2
const SimdKernels& simd_kernels_avx512();  // only when built with CNN_HAVE_AVX512

}  // namespace cnn
