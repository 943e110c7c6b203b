// The plane filter gradient's tiles (kernels/gemm/conv_plane.h) with AVX-512F + FMA: kernels/simd/plane_tiles.inc
// on 16-float vectors, 4 output channels x up to 5 taps (20 zmm accumulators, 4 dy vectors, 1 input vector; per
// pixel vector 9 loads against 20 FMAs). 4 x 5 measured 1.09-1.14x the speed of 2 x 10 and 5 x 5 would spill.
// Layout: see conv_plane.h. Reference kernel: conv2d_backward_filter_ref, through kernels/gemm/conv_plane.cpp.
// Compiled with the AVX-512 flags (CMakeLists.txt); everything but the exported description has internal linkage.
#include "kernels/simd/plane_tiles.inc"

namespace cnn {

namespace {

constexpr ConvPlaneKernel kAvx512 = plane::kernel<4, 5>("conv_plane_avx512_4x5");

}  // namespace

const ConvPlaneKernel& conv_plane_kernel_avx512() { return kAvx512; }

}  // namespace cnn
