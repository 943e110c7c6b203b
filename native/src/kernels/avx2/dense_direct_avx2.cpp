// The dense forward pass's tiles (kernels/gemm/dense_direct.h) with AVX2 + FMA: the dense_tile shapes of
// kernels/simd/direct_tiles.inc for 8-float vectors: 6 outputs x 16 batch rows, 12 ymm accumulators (T <= 8 for one
// 8 x 8 register transpose per 8 rows on the way out). It measured faster than 4 x 24 and 3 x 32 on the benchmark's
// 64 x 3136 x 1024 layer (kernels/gemm/dense_direct.cpp).
// Layout: x^T [in][8 * V] (64-byte aligned), w rows in place, y [n, out].
// Reference kernel: dense_forward_ref, through kernels/gemm/dense_direct.cpp.
// Compiled with -mavx2 -mfma (CMakeLists.txt); everything but the exported tiles has internal linkage.
#include "kernels/simd/direct_tiles.inc"

namespace cnn {

void dense_direct_avx2_6x16(const DenseTileArgs& args) { direct::dense_tile<6, 2>(args); }

}  // namespace cnn
