// The direct forward convolution (kernels/gemm/conv_direct.cpp): no im2col at all. Output channels run
// along the vector lanes and output pixels along the registers, so each tap (c, ky, kx) costs one vector load of
// packed weights per 16 channels and one broadcast per pixel straight from a zero-padded copy of the image; the
// tile is transposed to NCHW in registers on the way out, with bias and ReLU. oneDNN's jit forward convolution
// for a plain NCHW source (jit_avx512_common_conv_kernel) is the model, without its blocked layouts.
// Layout: x [n,c,h,w] NCHW, w [oc,c,kh,kw] OIHW, bias [oc] or null, y [n,oc,oh,ow].
// Reference kernel: conv2d_forward_ref (kernels/ref/conv2d_ref.cpp).
#pragma once

#include <cstdint>
#include <optional>

#include "kernels/gemm/sgemm_driver.h"
#include "kernels/kernels.h"

namespace cnn {

// One tile: `pixels` consecutive output pixels of one output row x one block of output channels, summed over
// every tap in tap order (one FMA chain per output element, so the bits never depend on tiling or threads).
struct ConvDirectTileArgs {
  int64_t taps;             // C * KH * KW
  const int32_t* offsets;   // offsets[t]: where tap t reads, in floats from `input`
  const float* input;       // the padded image at the window corner of the tile's first pixel
  const float* weights;     // the block's packed weights: [taps][block channels], zero past the real ones
  int64_t pixels;           // pixels stored (<= the kernel's); all are computed, the padded image has room
  int64_t channels;         // channels stored (<= the kernel's block)
  float* y;                 // output of the block's first channel at the tile's first pixel
  int64_t channel_stride;   // OH * OW
  const float* bias;        // the block's first bias, or null
  bool relu;
};
using ConvDirectTileFn = void (*)(const ConvDirectTileArgs& args);

// One tile of the filter gradient: `taps` (<= the kernel's) consecutive taps x one block of output channels of
// dw, accumulated over `rows` x `cols` output pixels: dw[t][o] += sum over pixels of x[t][pixel] * dy[pixel][o].
// All of the kernel's taps are computed (x[t] for t >= taps must still point into the padded image).
struct ConvFilterTileArgs {
  const float* const* x;  // x[t]: tap t's input for the first pixel (padded image + tap offset + pixel offset)
  int64_t row_stride;     // floats from one output row's input to the next: stride_h * padded width
  int64_t rows, cols;     // output rows of the block, and pixels per row (all of OW)
  const float* dy;        // the block's dy, [rows * cols][block channels] (64-byte aligned)
  float* dw;              // in/out: [kernel taps][block channels] (64-byte aligned), accumulated into
};
using ConvFilterTileFn = void (*)(const ConvFilterTileArgs& args);

// One tier's tile shape and code. Each tile holds pixels x channels accumulators (28 zmm for the AVX-512 ones,
// 12 ymm for the AVX2 ones).
struct ConvDirectKernel {
  const char* name;
  int64_t pixels;      // per tile, along one output row: at most one vector's lanes (the write-back transpose)
  int64_t channels;    // per block: a multiple of the vector width, and a width pack_weights knows
  ConvDirectTileFn stride1;  // stride_w == 1
  ConvDirectTileFn stride2;  // stride_w == 2
  SgemmTransposePackFn pack_weights;  // w [oc, taps] into [block][taps][channels] panels (SgemmTransposePackFn)
  // The filter gradient's tiles: filter_taps taps x `channels` channels, for stride_w 1 and 2.
  ConvFilterTileFn filter_stride1;
  ConvFilterTileFn filter_stride2;
  int64_t filter_taps = 0;  // taps per filter tile (at most 32); 0: as many as `pixels`
  // Bytes of transposed dy per pixel block of the filter gradient (whole output rows, at least one): each tile
  // loads and stores its accumulators once per block, so wide tiles want long blocks (conv_direct.cpp).
  int64_t filter_block_bytes = 16384;
};

#if defined(CNN_HAVE_AVX512)
// kernels/avx512/conv_direct_avx512.cpp: 7 pixels x 64 channels and 14 pixels x 32 channels.
void conv_direct_avx512_7x64_s1(const ConvDirectTileArgs& args);
void conv_direct_avx512_7x64_s2(const ConvDirectTileArgs& args);
void conv_direct_avx512_14x32_s1(const ConvDirectTileArgs& args);
void conv_direct_avx512_14x32_s2(const ConvDirectTileArgs& args);
void conv_filter_avx512_7x64_s1(const ConvFilterTileArgs& args);
void conv_filter_avx512_7x64_s2(const ConvFilterTileArgs& args);
void conv_filter_avx512_7x32_s1(const ConvFilterTileArgs& args);
void conv_filter_avx512_7x32_s2(const ConvFilterTileArgs& args);
const ConvDirectKernel& conv_direct_kernel_avx512_7x64();
const ConvDirectKernel& conv_direct_kernel_avx512_14x32();
#endif

#if defined(CNN_HAVE_AVX2)
// kernels/avx2/conv_direct_avx2.cpp: 6 pixels x 16 channels (12 ymm accumulators).
void conv_direct_avx2_6x16_s1(const ConvDirectTileArgs& args);
void conv_direct_avx2_6x16_s2(const ConvDirectTileArgs& args);
void conv_filter_avx2_6x16_s1(const ConvFilterTileArgs& args);
void conv_filter_avx2_6x16_s2(const ConvFilterTileArgs& args);
const ConvDirectKernel& conv_direct_kernel_avx2_6x16();
#endif

// y = conv(x, w) + bias, then max(y, 0) when relu, with `kernel`, on ctx's threads. `kernel` must suit g
// (stride_w 1 or 2).
void conv2d_forward_direct(const ConvDirectKernel& kernel, cnn_context& ctx, const Conv2dGeometry& g, const float* x,
                           const float* w, const float* bias, bool relu, float* y);

// The data gradient of a stride-1 convolution is the forward convolution of dy with the weights transposed
// ([OC, C] -> [C, OC]) and flipped in both spatial axes, padded by (K - 1) * dilation - pad: this is that
// convolution's geometry (x [n, oc, oh, ow] -> y [n, c, h, w]), or nothing when g is strided or padded by more
// than its dilated window.
std::optional<Conv2dGeometry> conv_backward_data_as_forward(const Conv2dGeometry& g);

// dx for g (as Conv2dBackwardDataFn) by conv2d_forward_direct on conv_backward_data_as_forward(g), which must
// exist, with `kernel` suited to it. w is g's [oc, c, kh, kw].
void conv2d_backward_data_direct(const ConvDirectKernel& kernel, cnn_context& ctx, const Conv2dGeometry& g,
                                 const float* w, const float* dy, float* dx);

// dw for g (as Conv2dBackwardFilterFn) with `kernel`'s filter tiles; g.stride_w must be 1 or 2
// (kernels/gemm/conv_direct.cpp).
void conv2d_backward_filter_direct(const ConvDirectKernel& kernel, cnn_context& ctx, const Conv2dGeometry& g,
                                   const float* x, const float* dy, float* dw);

// A tier's choices and table entries (kernels/gemm/conv_direct.cpp, where each tier's rules and the measurements
// behind them are). conv_direct_choice_<tier>: the tile for this forward shape on `threads` threads (the
// context's), or null when the im2col + GEMM path suits it better (or is the only one that can run it: stride_w 1
// or 2, at least 16 output channels, a padded image of bounded size). conv_data_choice_<tier>: the same for the
// forward convolution that computes a data gradient (conv_backward_data_as_forward), whose GEMM path adds col2im.
// conv_filter_choice_<tier>: the same for the filter gradient. The entries run the Winograd kernel where
// conv_winograd_choice_<tier> (conv_winograd.h) picks one (forward, and the data gradient as a forward
// convolution), the plane forward pass and filter gradient where conv_plane_forward_choice_<tier> and
// conv_plane_filter_choice_<tier> (conv_plane.h) pick them, else the direct kernel where the choice picks one, else
// conv2d_forward_gemm(_relu), conv2d_backward_data_gemm and conv2d_backward_filter_gemm.
#define CNN_DECLARE_CONV_DIRECT_ENTRIES(tier)                                                                       \
  const ConvDirectKernel* conv_direct_choice_##tier(const Conv2dGeometry& g, int threads);                           \
  const ConvDirectKernel* conv_data_choice_##tier(const Conv2dGeometry& g, int threads);                             \
  const ConvDirectKernel* conv_filter_choice_##tier(const Conv2dGeometry& g, int threads);                           \
  void conv2d_forward_##tier(cnn_context& ctx, const Conv2dGeometry& g, const float* x, const float* w,               \
                             const float* bias, float* y);                                                           \
  void conv2d_forward_relu_##tier(cnn_context& ctx, const Conv2dGeometry& g, const float* x, const float* w,          \
                                  const float* bias, float* y);                                                      \
  void conv2d_backward_data_##tier(cnn_context& ctx, const Conv2dGeometry& g, const float* w, const float* dy,        \
                                   float* dx);                                                                       \
  void conv2d_backward_filter_##tier(cnn_context& ctx, const Conv2dGeometry& g, const float* x, const float* dy,      \
                                     float* dw);
#if defined(CNN_HAVE_AVX2)
CNN_DECLARE_CONV_DIRECT_ENTRIES(avx2)
#endif
#if defined(CNN_HAVE_AVX512)
CNN_DECLARE_CONV_DIRECT_ENTRIES(avx512)
#endif
#undef CNN_DECLARE_CONV_DIRECT_ENTRIES

}  // namespace cnn
