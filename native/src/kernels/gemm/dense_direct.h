// The dense forward pass without packing the weights (kernels/gemm/dense_direct.cpp): y^T = w x^T with the batch
// along the vector lanes (x transposed once per call into [in][batch block]) and the outputs along the
// registers, each output's weight row broadcast straight from w, so the largest operand is read once, in place.
// The tile is transposed back to y [n, out] in registers, with bias and ReLU, on the way out.
// Layout: x [n,in], w [out,in], bias [out] or null, y [n,out]. Reference kernel: dense_forward_ref.
#pragma once

#include <cstdint>

#include "kernels/gemm/sgemm_driver.h"
#include "kernels/kernels.h"

namespace cnn {

// One tile: `outputs` (<= the kernel's) outputs x one block of batch rows, summed over `in` in order (one FMA
// chain per element, so the bits never depend on the tiling or the threads).
struct DenseTileArgs {
  int64_t in;
  const float* const* w;  // w[i]: output i's weight row; all of the kernel's rows must be readable
  const float* xt;        // the block's x, transposed: [in][block rows] (64-byte aligned, zero past the batch)
  int64_t outputs;        // outputs stored (<= the kernel's)
  int64_t rows;           // batch rows stored (<= the kernel's block)
  float* y;               // y at the block's first row and the tile's first output
  int64_t y_stride;       // out
  const float* bias;      // the tile's first bias, or null
  bool relu;
};
using DenseTileFn = void (*)(const DenseTileArgs& args);

struct DenseDirectKernel {
  const char* name;
  int64_t outputs;  // per tile
  int64_t rows;     // batch rows per block: a multiple of the vector width and a width pack_x knows
  DenseTileFn tile;
  SgemmTransposePackFn pack_x;  // x [n, in] into [block][in][rows] panels
};

#if defined(CNN_HAVE_AVX512)
// kernels/avx512/dense_direct_avx512.cpp: 7 outputs x 64 rows, 14 outputs x 32 rows (28 zmm accumulators).
void dense_direct_avx512_7x64(const DenseTileArgs& args);
void dense_direct_avx512_14x32(const DenseTileArgs& args);
const DenseDirectKernel& dense_direct_kernel_avx512_7x64();
const DenseDirectKernel& dense_direct_kernel_avx512_14x32();
#endif

#if defined(CNN_HAVE_AVX2)
// kernels/avx2/dense_direct_avx2.cpp: 6 outputs x 16 rows (12 ymm accumulators).
void dense_direct_avx2_6x16(const DenseTileArgs& args);
const DenseDirectKernel& dense_direct_kernel_avx2_6x16();
#endif

// A tier's choice and table entries (kernels/gemm/dense_direct.cpp, where each tier's rule and the measurements
// behind it are): dense_direct_choice_<tier> is the tile for a batch of n rows, or null where the tier keeps its
// other paths (the in-place row kernel for tiny batches, the GEMM where packing w once serves many rows); the
// entries run it, else dense_forward_<tier> (dense_forward_relu_<tier>).
#define CNN_DECLARE_DENSE_DIRECT_ENTRIES(tier)                                                                      \
  const DenseDirectKernel* dense_direct_choice_##tier(int64_t n);                                                   \
  void dense_forward_direct_##tier(cnn_context& ctx, int64_t n, int64_t in, int64_t out, const float* x,            \
                                   const float* w, const float* bias, float* y);                                    \
  void dense_forward_relu_direct_##tier(cnn_context& ctx, int64_t n, int64_t in, int64_t out, const float* x,       \
                                        const float* w, const float* bias, float* y);
#if defined(CNN_HAVE_AVX2)
CNN_DECLARE_DENSE_DIRECT_ENTRIES(avx2)
#endif
#if defined(CNN_HAVE_AVX512)
CNN_DECLARE_DENSE_DIRECT_ENTRIES(avx512)
#endif
#undef CNN_DECLARE_DENSE_DIRECT_ENTRIES

// y = x w^T + bias, then max(y, 0) when relu, with `kernel`, on ctx's threads.
void dense_forward_direct(const DenseDirectKernel& kernel, cnn_context& ctx, int64_t n, int64_t in, int64_t out,
                          const float* x, const float* w, const float* bias, bool relu, float* y);

}  // namespace cnn
