// The plane kernels' tiles (kernels/gemm/conv_plane.h) with AVX-512F + FMA: kernels/simd/plane_tiles.inc
// on 16-float vectors. Filter gradient: 4 output channels x up to 5 taps (20 zmm accumulators, 4 dy vectors, 1 input
// vector; per pixel vector 9 loads against 20 FMAs); 4 x 5 measured 1.09-1.14x the speed of 2 x 10 and 5 x 5 would
// spill. Forward: 4 output channels x 7 pixel vectors (28 accumulators, 3 weights held, 1 input vector); L1's 784
// pixels are 7 such tiles per 4 channels. In a /tmp prototype on L1, against the direct tiles (medians of 40-100
// alternated pairs, adjacent runs): this tile 1.18-1.20x, 4 x 6 (all 4 weights held, a 1-vector tail) 1.10-1.18x,
// 8 x 3 1.03x, 2 x 14 0.66x, 4 x 7 with all 4 weights in registers (GCC 12 spilled accumulators) 0.91x.
// Layout: see conv_plane.h. Reference kernels: conv2d_forward_ref, conv2d_backward_filter_ref, through
// kernels/gemm/conv_plane.cpp.
// Compiled with the AVX-512 flags (CMakeLists.txt); everything but the exported description has internal linkage.
#include "kernels/simd/plane_tiles.inc"

namespace cnn {

namespace {

constexpr ConvPlaneKernel kAvx512 = plane::kernel<4, 5, 4, 7>("conv_plane_avx512");

}  // namespace

const ConvPlaneKernel& conv_plane_kernel_avx512() { return kAvx512; }

}  // namespace cnn
