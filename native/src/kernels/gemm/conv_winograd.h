// Winograd forward convolution (kernels/gemm/conv_winograd.cpp) for 5x5 and 3x3 stride-1 convolutions, F(2x2, 5x5)
// and F(4x4, 3x3): each m x m block of outputs ("tile") comes from a 6x6 window of the padded image through
// Y = A^T [U . V] A, where U = G g G^T is a filter transformed once per call and V = B^T d B the transformed window.
// The 36 element-wise products, summed over the input channels, are 36 independent GEMMs (output channels x tiles
// x channels): per output and input channel 9 multiply-adds instead of 25 (5x5), 2.25 instead of 9 (3x3), plus
// the transforms. Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks" (2016) is the method; the
// matrices are the Toom-Cook ones for the points 0, 1, -1, 2, -2 and infinity (B^T is the same for both):
//   B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1]
//   F(2x2, 5x5): G = [1/4 0 0 0 0; -1/6 -1/6 -1/6 -1/6 -1/6; -1/6 1/6 -1/6 1/6 -1/6; 1/24 1/12 1/6 1/3 2/3;
//                     1/24 -1/12 1/6 -1/3 2/3; 0 0 0 0 1],  A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 1]
//   F(4x4, 3x3): G = [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6; 1/24 1/12 1/6; 1/24 -1/12 1/6; 0 0 1],
//                A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1]
// Layout: x [n,c,h,w] NCHW, w [oc,c,r,r] OIHW, bias [oc] or null, y [n,oc,oh,ow], as conv2d_forward_ref
// (kernels/ref/conv2d_ref.cpp), the reference kernel. The results differ from the reference's by rounding only
// (the transforms add and scale in float): tests/native/test_conv2d_winograd.cpp bounds the difference. Non-finite
// inputs spread over whole tiles: a NaN reaches every output whose window covers it, and may reach the other
// outputs of the same tiles. Every output is computed by one thread from its own image, so the bits do not depend
// on the thread count.
#pragma once

#include <cstdint>

#include "kernels/gemm/sgemm_driver.h"
#include "kernels/kernels.h"

namespace cnn {

// Transforms `tiles` consecutive tiles of one tile row (windows m columns apart), all channels: the padded image
// is HWC, `channels` floats
// (the input channels rounded up to the vector width, zero past them) per padded pixel, `row_stride` floats per
// padded row, `image` at the first tile's window corner. Writes V[xi][t][c] = (B^T d B)[xi / 6][xi % 6] of
// channel c at v + xi * xi_stride + t * channels + c.
struct WinogradInputArgs {
  const float* image;
  int64_t row_stride;
  int64_t channels;
  int64_t tiles;
  float* v;
  int64_t xi_stride;
};

// One of the 36 GEMMs for one block of `channels` output channels (the kernel's): m[t * m_stride + o] = sum over
// c < depth of v[t * v_stride + c] * u[c * u_stride + o], for the tiles t < tiles rounded up to the kernel's tile
// count (v and m must have room), o < channels.
struct WinogradGemmArgs {
  int64_t depth;
  const float* v;
  int64_t v_stride;
  const float* u;
  int64_t u_stride;
  float* m;
  int64_t m_stride;
  int64_t tiles;
};

// The output transform of one row of tiles for one vector of output channels: from M[xi][t][o] at
// m + xi * xi_stride + t * m_stride (o along the vector), the tiles' m x m outputs, plus bias and ReLU when
// given, into y [channels][rows][ow] (plane floats per channel), rows 1 to m, ow <= m * tiles.
struct WinogradOutputArgs {
  const float* m;
  int64_t xi_stride;
  int64_t m_stride;
  int64_t tiles;
  int64_t rows;
  int64_t ow;
  float* y;
  int64_t y_row;  // floats from one output row to the next (OW)
  int64_t plane;
  int64_t channels;    // <= the vector width
  const float* bias;   // the vector's first bias, or null
  bool relu;
};

struct ConvWinogradKernel {
  const char* name;
  int64_t m;         // outputs per tile side: 2 (F(2x2, 5x5)) or 4 (F(4x4, 3x3))
  int64_t r;         // filter side: 5 or 3
  int64_t width;     // floats per vector: the output transform's and the filter transform's channels
  int64_t tiles;     // tiles per GEMM register tile
  int64_t channels;  // output channels per GEMM register tile (a multiple of width)
  // w [rows][ld] (rows = output channels, r * r taps each) into [block][r * r][channels] panels, zero past
  // `count`.
  SgemmTransposePackFn pack;
  // One vector of filters: u[xi * xi_stride + lane] = (G f G^T)[xi / 6][xi % 6] for f's tap t (ky * r + kx) at
  // f + t * tap_stride (at f + (r * r - 1 - t) * tap_stride when reversed: the flipped filters of a data
  // gradient).
  void (*filters)(const float* f, int64_t tap_stride, bool reversed, float* u, int64_t xi_stride);
  // One padded image row in HWC: dst[j * pixel_stride + c] = src[c * channel_stride + j] for c < channels,
  // j < count.
  void (*to_hwc)(const float* src, int64_t channel_stride, int64_t channels, int64_t count, float* dst,
                 int64_t pixel_stride);
  void (*input_tiles)(const WinogradInputArgs& args);
  void (*gemm)(const WinogradGemmArgs& args);
  void (*output_row)(const WinogradOutputArgs& args);
};

#if defined(CNN_HAVE_AVX512)
// kernels/avx512/conv_winograd_avx512.cpp: GEMM tiles of 7 tiles x 64 channels and 14 tiles x 32 channels, for
// F(2x2, 5x5) and (conv_winograd3_*) F(4x4, 3x3).
const ConvWinogradKernel& conv_winograd_kernel_avx512_7x64();
const ConvWinogradKernel& conv_winograd_kernel_avx512_14x32();
const ConvWinogradKernel& conv_winograd3_kernel_avx512_7x64();
const ConvWinogradKernel& conv_winograd3_kernel_avx512_14x32();
#endif
#if defined(CNN_HAVE_AVX2)
// kernels/avx2/conv_winograd_avx2.cpp: GEMM tiles of 6 tiles x 16 channels, F(2x2, 5x5) and F(4x4, 3x3).
const ConvWinogradKernel& conv_winograd_kernel_avx2_6x16();
const ConvWinogradKernel& conv_winograd3_kernel_avx2_6x16();
#endif

// Whether g is a convolution the Winograd path computes: 5x5 or 3x3, stride 1, dilation 1.
bool winograd_fits(const Conv2dGeometry& g);

// A tier's choice (conv_winograd.cpp, with the measurements behind it): the kernel for the forward convolution g
// on `threads` threads, or null when the direct or GEMM path suits it better.
#if defined(CNN_HAVE_AVX512)
const ConvWinogradKernel* conv_winograd_choice_avx512(const Conv2dGeometry& g, int threads);
#endif
#if defined(CNN_HAVE_AVX2)
const ConvWinogradKernel* conv_winograd_choice_avx2(const Conv2dGeometry& g, int threads);
#endif

// y = conv(x, w) + bias, then max(y, 0) when relu, for g with winograd_fits(g) and the kernel's filter size, with
// `kernel`, on ctx's threads (whole images each). With `flipped`, w is the weights of the convolution whose data
// gradient this is ([C, OC, r, r] in g's terms; tap (c, ky, kx) of output channel o uses
// w[c][o][r - 1 - ky][r - 1 - kx]), as forward_direct.
void conv2d_forward_winograd(const ConvWinogradKernel& kernel, cnn_context& ctx, const Conv2dGeometry& g,
                             const float* x, const float* w, bool flipped, const float* bias, bool relu, float* y);

}  // namespace cnn
