// The direct convolution's tiles (kernels/gemm/conv_direct.h) with AVX-512F + FMA. Forward: P output pixels of one
// output row x 16 * V output channels, P * V = 28 zmm accumulators (7 x 64 and 14 x 32), V weight vectors and one
// broadcast register: 28 FMAs per tap against V + P loads.
// Layout: packed weights [taps][16 * V] (64-byte aligned, zero past the block's channels); the padded image is read
// at input + offsets[t] + pixel * S; y NCHW. Reference kernel: conv2d_forward_ref, through
// kernels/gemm/conv_direct.cpp.
//
// Filter gradient: T taps x 16 * V channels of dw (7 x 64: 28 accumulators; 7 x 32: 14, still enough independent
// FMA chains), over a block of output pixels: per pixel, V vector loads of dy (transposed to [pixel][channel]) and
// T broadcasts of x, one from each tap's own row pointer. 14 taps x 32 would need 14 row pointers and spilled
// them (GCC 12), so the 32-channel tile keeps 7 taps.
//
// Forward write-back: bias (one vector per 16 channels, added only when given, as the GEMM epilogue: adding 0 would turn
// -0 into +0), ReLU as max(0, r) that keeps NaN and -0, then per 16 channels a 16 x 16 register transpose
// (pixels past P are zero registers) that turns the P pixel vectors into one vector per channel, stored with a
// pixel mask. Compiled with the AVX-512 flags (CMakeLists.txt); everything but the exported tiles has internal
// linkage.
#include <immintrin.h>

#include "kernels/avx512/transpose_avx512.h"
#include "kernels/gemm/conv_direct.h"

// GCC 12's unpack and shuffle intrinsics pass _mm512_undefined_ps() as the unused merge source, which
// -Wuninitialized flags once inlined (a false positive: the mask is all ones).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace cnn {

namespace {

template <int P, int V, int S>
void tile(const ConvDirectTileArgs& args) {
  __m512 acc[P][V];
#pragma GCC unroll 28
  for (int i = 0; i < P; ++i) {
#pragma GCC unroll 4
    for (int j = 0; j < V; ++j) acc[i][j] = _mm512_setzero_ps();
  }
  const float* wp = args.weights;
  const int32_t* offsets = args.offsets;
  const float* input = args.input;
#pragma GCC unroll 2
  for (int64_t t = 0; t < args.taps; ++t) {
    const float* in = input + offsets[t];
    __m512 wv[V];
#pragma GCC unroll 4
    for (int j = 0; j < V; ++j) wv[j] = _mm512_load_ps(wp + 16 * j);
#pragma GCC unroll 28
    for (int i = 0; i < P; ++i) {
      const __m512 a = _mm512_set1_ps(in[i * S]);
#pragma GCC unroll 4
      for (int j = 0; j < V; ++j) acc[i][j] = _mm512_fmadd_ps(a, wv[j], acc[i][j]);
    }
    wp += 16 * V;
  }

  const __mmask16 pixel_mask = static_cast<__mmask16>((1u << args.pixels) - 1u);  // pixels <= P <= 14
#pragma GCC unroll 4
  for (int j = 0; j < V; ++j) {
    const int64_t channels = args.channels - 16 * j;
    if (channels <= 0) break;
    const __mmask16 channel_mask = static_cast<__mmask16>(channels >= 16 ? 0xFFFFu : (1u << channels) - 1u);
    __m512 r[16];
    const __m512 bias = args.bias != nullptr ? _mm512_maskz_loadu_ps(channel_mask, args.bias + 16 * j)
                                             : _mm512_setzero_ps();
#pragma GCC unroll 16
    for (int i = 0; i < 16; ++i) {
      if (i >= P) {
        r[i] = _mm512_setzero_ps();
        continue;
      }
      r[i] = acc[i][j];
      if (args.bias != nullptr) r[i] = _mm512_add_ps(r[i], bias);
      // (The zero-masked form with a full mask: GCC 12 warns that _mm512_max_ps reads an undefined vector.)
      if (args.relu) r[i] = _mm512_maskz_max_ps(0xFFFF, _mm512_setzero_ps(), r[i]);
    }
    avx512::store_transposed(r, channels, args.y + 16 * j * args.channel_stride, args.channel_stride, pixel_mask);
  }
}

// The filter gradient's tile: T taps x 16 * V channels of dw, accumulated over a block of output pixels.
template <int T, int V, int S>
void filter_tile(const ConvFilterTileArgs& args) {
  __m512 acc[T][V];
#pragma GCC unroll 28
  for (int i = 0; i < T; ++i) {
#pragma GCC unroll 4
    for (int j = 0; j < V; ++j) acc[i][j] = _mm512_load_ps(args.dw + i * 16 * V + 16 * j);
  }
  const float* dy = args.dy;
  for (int64_t row = 0; row < args.rows; ++row) {
    const int64_t shift = row * args.row_stride;
    const float* x[T];
#pragma GCC unroll 28
    for (int i = 0; i < T; ++i) x[i] = args.x[i] + shift;
#pragma GCC unroll 2
    for (int64_t col = 0; col < args.cols; ++col) {
      __m512 dv[V];
#pragma GCC unroll 4
      for (int j = 0; j < V; ++j) dv[j] = _mm512_load_ps(dy + 16 * j);
#pragma GCC unroll 28
      for (int i = 0; i < T; ++i) {
        const __m512 a = _mm512_set1_ps(x[i][col * S]);
#pragma GCC unroll 4
        for (int j = 0; j < V; ++j) acc[i][j] = _mm512_fmadd_ps(a, dv[j], acc[i][j]);
      }
      dy += 16 * V;
    }
  }
#pragma GCC unroll 28
  for (int i = 0; i < T; ++i) {
#pragma GCC unroll 4
    for (int j = 0; j < V; ++j) _mm512_store_ps(args.dw + i * 16 * V + 16 * j, acc[i][j]);
  }
}

}  // namespace

void conv_filter_avx512_7x64_s1(const ConvFilterTileArgs& args) { filter_tile<7, 4, 1>(args); }
void conv_filter_avx512_7x64_s2(const ConvFilterTileArgs& args) { filter_tile<7, 4, 2>(args); }
void conv_filter_avx512_7x32_s1(const ConvFilterTileArgs& args) { filter_tile<7, 2, 1>(args); }
void conv_filter_avx512_7x32_s2(const ConvFilterTileArgs& args) { filter_tile<7, 2, 2>(args); }

void conv_direct_avx512_7x64_s1(const ConvDirectTileArgs& args) { tile<7, 4, 1>(args); }
void conv_direct_avx512_7x64_s2(const ConvDirectTileArgs& args) { tile<7, 4, 2>(args); }
void conv_direct_avx512_14x32_s1(const ConvDirectTileArgs& args) { tile<14, 2, 1>(args); }
void conv_direct_avx512_14x32_s2(const ConvDirectTileArgs& args) { tile<14, 2, 2>(args); }

}  // namespace cnn
