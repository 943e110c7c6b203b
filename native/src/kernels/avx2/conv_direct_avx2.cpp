// The direct convolution's tiles (kernels/gemm/conv_direct.h) with AVX2 + FMA: the shapes of
// kernels/simd/direct_tiles.inc for 8-float vectors. With 16 ymm registers a tile holds 12 accumulators, leaving
// room for its two weight (dy) vectors and one broadcast: forward 6 pixels x 16 channels (P <= 8 for one 8 x 8
// register transpose per 8 channels on the way out), filter gradient 6 taps x 16 channels. 6 x 16 measured
// faster than 4 x 24 and 3 x 32 on every benchmark layer but L4's filter gradient (kernels/gemm/conv_direct.cpp).
// Layout: packed weights [taps][8 * V] (64-byte aligned, zero past the block's channels); the padded image is read
// at input + offsets[t] + pixel * S; y NCHW. Reference kernel: conv2d_forward_ref (conv2d_backward_filter_ref),
// through kernels/gemm/conv_direct.cpp.
// Compiled with -mavx2 -mfma (CMakeLists.txt); everything but the exported tiles has internal linkage.
#include "kernels/simd/direct_tiles.inc"

namespace cnn {

void conv_direct_avx2_6x16_s1(const ConvDirectTileArgs& args) { direct::conv_tile<6, 2, 1>(args); }
void conv_direct_avx2_6x16_s2(const ConvDirectTileArgs& args) { direct::conv_tile<6, 2, 2>(args); }

void conv_filter_avx2_6x16_s1(const ConvFilterTileArgs& args) { direct::filter_tile<6, 2, 1>(args); }
void conv_filter_avx2_6x16_s2(const ConvFilterTileArgs& args) { direct::filter_tile<6, 2, 2>(args); }

}  // namespace cnn
