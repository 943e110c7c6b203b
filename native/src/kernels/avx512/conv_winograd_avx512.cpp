// The Winograd F(2x2, 5x5) and F(4x4, 3x3) convolutions' tier code (kernels/gemm/conv_winograd.h) with AVX-512F +
// FMA: the transforms of kernels/simd/winograd_tiles.inc on 16-float vectors and GEMM register tiles of 7 tiles x
// 64 output channels or 14 tiles x 32 (28 zmm accumulators, as the direct convolution's tiles).
// Layout: see conv_winograd.h. Reference kernel: conv2d_forward_ref, through kernels/gemm/conv_winograd.cpp.
// Compiled with the AVX-512 flags (CMakeLists.txt); everything but the exported descriptions has internal linkage.
#include "kernels/simd/winograd_tiles.inc"

namespace cnn {

namespace {

constexpr ConvWinogradKernel kAvx512_7x64 =
    winograd::kernel<2, 5, 7, 4>("conv_winograd_avx512_7x64", sgemm_pack_transposed_avx512);
constexpr ConvWinogradKernel kAvx512_14x32 =
    winograd::kernel<2, 5, 14, 2>("conv_winograd_avx512_14x32", sgemm_pack_transposed_avx512);
constexpr ConvWinogradKernel kAvx512_3_7x64 =
    winograd::kernel<4, 3, 7, 4>("conv_winograd3_avx512_7x64", sgemm_pack_transposed_avx512);
constexpr ConvWinogradKernel kAvx512_3_14x32 =
    winograd::kernel<4, 3, 14, 2>("conv_winograd3_avx512_14x32", sgemm_pack_transposed_avx512);

}  // namespace

const ConvWinogradKernel& conv_winograd_kernel_avx512_7x64() { return kAvx512_7x64; }
const ConvWinogradKernel& conv_winograd_kernel_avx512_14x32() { return kAvx512_14x32; }
const ConvWinogradKernel& conv_winograd3_kernel_avx512_7x64() { return kAvx512_3_7x64; }
const ConvWinogradKernel& conv_winograd3_kernel_avx512_14x32() { return kAvx512_3_14x32; }

}  // namespace cnn
