// The dense forward pass's tiles (kernels/gemm/dense_direct.h) with AVX-512F + FMA: the dense_tile shapes of
// kernels/simd/direct_tiles.inc for 16-float vectors, T outputs x 16 * V batch rows, T * V = 28 zmm accumulators
// (7 x 64 and 14 x 32). Layout: x^T [in][16 * V] (64-byte aligned), w rows in place, y [n, out].
// Reference kernel: dense_forward_ref, through kernels/gemm/dense_direct.cpp.
// Compiled with the AVX-512 flags (CMakeLists.txt); everything but the exported tiles has internal linkage.
#include "kernels/simd/direct_tiles.inc"

namespace cnn {

void dense_direct_avx512_7x64(const DenseTileArgs& args) { direct::dense_tile<7, 4>(args); }
void dense_direct_avx512_14x32(const DenseTileArgs& args) { direct::dense_tile<14, 2>(args); }

}  // namespace cnn
