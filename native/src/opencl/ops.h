// The ops that run on an OpenCL device, on device buffers. Arguments are already validated by the api shims;
// these check only what the device adds (index ranges that must fit the kernels' int arithmetic).
// Every op is enqueued asynchronously on the runtime's in-order queue; reads of the results wait for it.
// Results match the CPU reference kernels (kernels/ref/) up to float rounding: same formulas, same tie and
// NaN rules, and the same dropout mask bit for bit.
#pragma once

#include <cnn/cnn.h>

#include <cstdint>
#include <string>

#include "core/tensor.h"
#include "kernels/kernels.h"
#include "opencl/runtime.h"

namespace cnn::opencl {

// The device buffer of a tensor the api has checked to be on this device; null for a null tensor (an
// optional bias or gradient).
inline cl_mem device_memory(const cnn_tensor* t) { return t != nullptr ? t->storage->buffer->mem() : nullptr; }

// How sgemm computes on a device: one of two kernel families, chosen by device type (sgemm.cpp has the table).
//  LocalTiles (kernels/sgemm.cl), GPUs and accelerators: a work-group computes tm x tn of C in tk-deep steps
//    staged in local memory, each work-item wm x wn of it in registers.
//  Panels (kernels/sgemm_panels.cl), CPU devices: op(A) and op(B) packed into MR- and NR-wide panels, then one
//    work-item per work-group computes up to `tiles` MR x NR micro-tiles along m in floatVW registers, k in
//    kc-deep slices; no local memory, no barriers.
enum class SgemmFamily { LocalTiles, Panels };

struct SgemmTiles {
  int tm, tn, tk, wm, wn;
};

struct SgemmPanels {
  int mr, vector_width, vectors, kc, tiles;  // NR = vector_width * vectors; tiles is the most per work-item
  int nr() const { return vector_width * vectors; }
};

struct SgemmPlan {
  SgemmFamily family = SgemmFamily::LocalTiles;
  SgemmTiles tiles{};    // LocalTiles only
  SgemmPanels panels{};  // Panels only
  // "panels 8x32 (float16 x 2), kc 256, up to 12 micro-tiles per work-item" or "local tiles 64x64x16, 4x4 per
  // work-item": what the tests print and assert.
  std::string describe() const;
};

// The plan sgemm uses on this device (Panels on CPU devices, LocalTiles elsewhere). Builds the kernels.
SgemmPlan sgemm_plan(Runtime& runtime);
// The plan of `family` on this device, whatever its type: how tests run the GPU family on a CPU driver. For
// LocalTiles, the largest candidate whose work-group fits the device's and the compiled kernel's work-group limits
// and whose two tiles fit its local memory; CNN_UNSUPPORTED when none does.
SgemmPlan sgemm_plan(Runtime& runtime, SgemmFamily family);

// Where sgemm adds its bias: bias[j] on every row (dense, y [n,out]) or bias[i] on every column (convolution,
// y_img [oc, oh*ow]).
enum class BiasAlong { Columns, Rows };

// C = alpha * op(A) * op(B) + beta * C (+ bias when not null), row-major, with the contract of cnn::SgemmFn;
// a_offset, b_offset, c_offset count floats from the start of each buffer. Returns the plan that ran.
SgemmPlan sgemm(Runtime& runtime, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                cl_mem a, int64_t a_offset, int64_t lda, cl_mem b, int64_t b_offset, int64_t ldb, float beta, cl_mem c,
                int64_t c_offset, int64_t ldc, cl_mem bias, BiasAlong bias_along = BiasAlong::Columns);
// The same with a given plan (from sgemm_plan): tests and the benchmark compare the families on one device.
void sgemm(Runtime& runtime, const SgemmPlan& plan, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k,
           float alpha, cl_mem a, int64_t a_offset, int64_t lda, cl_mem b, int64_t b_offset, int64_t ldb, float beta,
           cl_mem c, int64_t c_offset, int64_t ldc, cl_mem bias, BiasAlong bias_along = BiasAlong::Columns);

// ---- dense (dense.cpp) ----------------------------------------------------------------------------------
// y [n,out] = x [n,in] * w [out,in]^T + bias [out] (bias may be null): cnn_dense_forward.
void dense_forward(Runtime& runtime, int64_t n, int64_t in, int64_t out, cl_mem x, cl_mem w, cl_mem bias, cl_mem y);
// Whether dense_forward computes y^T = w * x^T (then transposes) rather than y = x * w^T: when sgemm would pack its
// transposed B (the Panels family) and w is the larger operand (out > n), so only x is packed.
bool dense_forward_transposed(Runtime& runtime, int64_t n, int64_t out);
// dx [n,in] = dy * w, dw [out,in] = dy^T * x, db [out] = column sums of dy; each may be null.
void dense_backward(Runtime& runtime, int64_t n, int64_t in, int64_t out, cl_mem x, cl_mem w, cl_mem dy, cl_mem dx,
                    cl_mem dw, cl_mem db);
// db[c] = sum over n and the plane of dy [n,channels,plane] (conv and dense bias gradients).
void bias_backward(Runtime& runtime, int64_t n, int64_t channels, int64_t plane, cl_mem dy, cl_mem db);

// ---- conv2d (conv2d.cpp): im2col + SGEMM per image --------------------------------------------------------
void conv2d_forward(Runtime& runtime, const Conv2dGeometry& g, cl_mem x, cl_mem w, cl_mem bias, cl_mem y);
// dx, dw, db may each be null.
void conv2d_backward(Runtime& runtime, const Conv2dGeometry& g, cl_mem x, cl_mem w, cl_mem dy, cl_mem dx, cl_mem dw,
                     cl_mem db);

// ---- pooling (pool2d.cpp) -----------------------------------------------------------------------------
void maxpool2d_forward(Runtime& runtime, const Pool2dGeometry& g, cl_mem x, cl_mem y);
void avgpool2d_forward(Runtime& runtime, const Pool2dGeometry& g, cl_mem x, cl_mem y);
void maxpool2d_backward(Runtime& runtime, const Pool2dGeometry& g, cl_mem x, cl_mem dy, cl_mem dx);
void avgpool2d_backward(Runtime& runtime, const Pool2dGeometry& g, cl_mem dy, cl_mem dx);
// planes = n*c, plane_size = h*w.
void global_avgpool2d_forward(Runtime& runtime, int64_t planes, int64_t plane_size, cl_mem x, cl_mem y);
void global_avgpool2d_backward(Runtime& runtime, int64_t planes, int64_t plane_size, cl_mem dy, cl_mem dx);

// ---- element-wise and per-row ops (activation.cpp, softmax.cpp, dropout.cpp) ----------------------------
void activation_forward(Runtime& runtime, cnn_activation activation, float alpha, int64_t count, cl_mem x, cl_mem y);
void activation_backward(Runtime& runtime, cnn_activation activation, float alpha, int64_t count, cl_mem x,
                         cl_mem dy, cl_mem dx);
void softmax_forward(Runtime& runtime, int64_t outer, int64_t classes, int64_t inner, cl_mem x, cl_mem y);
void softmax_backward(Runtime& runtime, int64_t outer, int64_t classes, int64_t inner, cl_mem y, cl_mem dy,
                      cl_mem dx);
// labels are host memory (range-checked by the api); dlogits may be null. Waits for the loss.
void softmax_cross_entropy(Runtime& runtime, int64_t n, int64_t classes, cl_mem logits, const int32_t* labels,
                           float label_smoothing, cl_mem dlogits, float* loss, int64_t* correct);
// out[i] = keep(seed, i) ? in[i] / (1 - rate) : 0 with cnn::dropout_keep's mask; in == out allowed.
void dropout(Runtime& runtime, int64_t count, float rate, uint64_t seed, cl_mem in, cl_mem out);

// ---- batch norm (batchnorm2d.cpp) -----------------------------------------------------------------------
void batchnorm2d_forward_training(Runtime& runtime, const BatchNormShape& s, cl_mem x, cl_mem gamma, cl_mem beta,
                                  float momentum, float epsilon, cl_mem running_mean, cl_mem running_var,
                                  cl_mem saved_mean, cl_mem saved_inv_std, cl_mem y);
void batchnorm2d_forward_inference(Runtime& runtime, const BatchNormShape& s, cl_mem x, cl_mem gamma, cl_mem beta,
                                   cl_mem running_mean, cl_mem running_var, float epsilon, cl_mem y);
// dgamma, dbeta may be null.
void batchnorm2d_backward(Runtime& runtime, const BatchNormShape& s, cl_mem x, cl_mem gamma, cl_mem saved_mean,
                          cl_mem saved_inv_std, cl_mem dy, cl_mem dx, cl_mem dgamma, cl_mem dbeta);

// ---- optimizers (optimizer.cpp); velocity may be null -----------------------------------------------------
void sgd_update(Runtime& runtime, const cnn_sgd_params& p, int64_t count, cl_mem param, cl_mem grad, cl_mem velocity);
void adam_update(Runtime& runtime, const cnn_adam_params& p, int64_t count, cl_mem param, cl_mem grad, cl_mem m,
                 cl_mem v);

// ---- whole-buffer utilities behind cnn_tensor_fill/copy/scale/sum_squares (tensor_ops.cpp); count in floats
void fill(Runtime& runtime, cl_mem x, int64_t count, float value);
void copy(Runtime& runtime, cl_mem src, cl_mem dst, int64_t count);
void scale(Runtime& runtime, cl_mem x, int64_t count, float factor);
double sum_squares(Runtime& runtime, cl_mem x, int64_t count);  // waits for the result
// out [cols, rows] = in [rows, cols]^T (whole buffers, row-major).
void transpose(Runtime& runtime, cl_mem in, int64_t rows, int64_t cols, cl_mem out);

}  // namespace cnn::opencl
