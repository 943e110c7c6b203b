// The direct convolution's tiles (kernels/gemm/conv_direct.h) with AVX-512F + FMA: the shapes of
// kernels/simd/direct_tiles.inc for 16-float vectors. Forward: P output pixels of one output row x 16 * V output
// channels, P * V = 28 zmm accumulators (7 x 64 and 14 x 32): 28 FMAs per tap against V + P loads. Filter
// gradient: T taps x 16 * V channels of dw, 7 x 64 (28 accumulators) and 7 x 32 (14, still enough independent
// FMA chains): 14 taps x 32 would need 14 row pointers, which GCC 12 spilled.
// Layout: packed weights [taps][16 * V] (64-byte aligned, zero past the block's channels); the padded image is read
// at input + offsets[t] + pixel * S; y NCHW. Reference kernel: conv2d_forward_ref (conv2d_backward_filter_ref),
// through kernels/gemm/conv_direct.cpp.
// Compiled with the AVX-512 flags (CMakeLists.txt); everything but the exported tiles has internal linkage.
#include "kernels/simd/direct_tiles.inc"

namespace cnn {

void conv_filter_avx512_7x64_s1(const ConvFilterTileArgs& args) { direct::filter_tile<7, 4, 1>(args); }
void conv_filter_avx512_7x64_s2(const ConvFilterTileArgs& args) { direct::filter_tile<7, 4, 2>(args); }
void conv_filter_avx512_7x32_s1(const ConvFilterTileArgs& args) { direct::filter_tile<7, 2, 1>(args); }
void conv_filter_avx512_7x32_s2(const ConvFilterTileArgs& args) { direct::filter_tile<7, 2, 2>(args); }

void conv_direct_avx512_7x64_s1(const ConvDirectTileArgs& args) { direct::conv_tile<7, 4, 1>(args); }
void conv_direct_avx512_7x64_s2(const ConvDirectTileArgs& args) { direct::conv_tile<7, 4, 2>(args); }
void conv_direct_avx512_14x32_s1(const ConvDirectTileArgs& args) { direct::conv_tile<14, 2, 1>(args); }
void conv_direct_avx512_14x32_s2(const ConvDirectTileArgs& args) { direct::conv_tile<14, 2, 2>(args); }

}  // namespace cnn
