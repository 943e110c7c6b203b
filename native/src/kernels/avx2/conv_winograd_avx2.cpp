// The Winograd F(2x2, 5x5) and F(4x4, 3x3) convolutions' tier code (kernels/gemm/conv_winograd.h) with AVX2 +
// FMA: the transforms of kernels/simd/winograd_tiles.inc on 8-float vectors and GEMM register tiles of 6 tiles x
// 16 output channels (12 ymm accumulators, as the direct convolution's 6 x 16 tile).
// Layout: see conv_winograd.h. Reference kernel: conv2d_forward_ref, through kernels/gemm/conv_winograd.cpp.
// Compiled with the AVX2 flags (CMakeLists.txt); everything but the exported description has internal linkage.
#include "kernels/simd/winograd_tiles.inc"

namespace cnn {

namespace {

constexpr ConvWinogradKernel kAvx2_6x16 =
    winograd::kernel<2, 5, 6, 2>("conv_winograd_avx2_6x16", sgemm_pack_transposed_avx2);
constexpr ConvWinogradKernel kAvx2_3_6x16 =
    winograd::kernel<4, 3, 6, 2>("conv_winograd3_avx2_6x16", sgemm_pack_transposed_avx2);

}  // namespace

const ConvWinogradKernel& conv_winograd_kernel_avx2_6x16() { return kAvx2_6x16; }
const ConvWinogradKernel& conv_winograd3_kernel_avx2_6x16() { return kAvx2_3_6x16; }

}  // namespace cnn
