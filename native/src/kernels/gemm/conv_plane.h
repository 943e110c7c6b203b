// The forward pass and the filter gradient of a stride-1 convolution with few taps per output channel (a network's
// first layer: 1 or 3 input channels), computed with output pixels along the vector lanes
// (kernels/gemm/conv_plane.cpp). Per image, the input is copied once per (input channel, kx) into a plane shifted by
// kx and padded, rows OW apart, so tap (c, ky, kx) at output pixel q = oy * OW + ox is that copy's element
// q + ky * OW: every tap reads a contiguous run of pixels, and y and dy are NCHW as stored, with no transpose.
// - Forward: y[o][q] = sum over taps t of w[o][t] * planes_t[q], one FMA chain per output element in tap order,
//   then bias and ReLU: the bits of the direct tiles (conv_direct.h), which keep channels on the lanes and must
//   transpose every tile on the way out; with 25 taps per channel that write-back held them to 0.54-0.71 of the
//   FMA peak.
// - Filter gradient: dw[o][t] is the dot product of dy's plane o with tap t's shifted plane, over every output
//   pixel of the batch. The channel-lane tiles of the direct filter gradient transpose dy first, which costs them a
//   third of their time when each output channel has only 25 taps to share it with. The sums run in a fixed order
//   (lanes, then images in chunks fixed by the batch size, then the lanes added in order), so the bits do not
//   depend on the thread count; they differ from the reference's by rounding only.
// Layout: x [n,c,h,w] NCHW, w and dw [oc,c,kh,kw] OIHW, bias [oc] or null, y and dy [n,oc,oh,ow]. Reference
// kernels: conv2d_forward_ref (kernels/ref/conv2d_ref.cpp), conv2d_backward_filter_ref
// (kernels/ref/conv2d_backward_ref.cpp).
#pragma once

#include <cstdint>

#include "kernels/kernels.h"

namespace cnn {

// One tile: `channels` (the kernel's) output channels x `taps` (the tile function's) taps of dw, summed over
// `pixels` pixels, lanes kept apart: acc[j * acc_stride + t][lane] += sum over pixel vectors v of
// dy[j][v * width + lane] * x[t][v * width + lane] (acc_stride in vectors). The last vector is masked to `pixels`.
struct ConvPlaneFilterArgs {
  int64_t pixels;
  const float* dy;         // channel j's plane at dy + j * dy_stride
  int64_t dy_stride;
  const float* const* x;   // x[t]: tap t's shifted plane, at the first pixel
  float* acc;              // [channels][acc_stride vectors of width floats]
  int64_t acc_stride;
  const float* prefetch;   // data the tile pulls into L2 while it runs (the next image's dy), or null
  int64_t prefetch_floats;
};
using ConvPlaneFilterFn = void (*)(const ConvPlaneFilterArgs& args);

// One forward tile: the kernel's forward_channels output channels x `pixels` consecutive output pixels of one
// image (at most forward_vectors vectors; forward[v - 1] computes v of them), summed over every tap in order from
// zero, then bias (when given) and ReLU. Every vector is computed in full: the planes have room for the last one's
// lanes past the image, which are computed and not stored.
struct ConvPlaneForwardArgs {
  int64_t taps;
  const int64_t* offsets;  // offsets[t]: where tap t reads, in floats from `planes`
  const float* planes;     // the image's shifted planes at the tile's first pixel
  const float* weights;    // the block's packed weights, [taps][channels]
  int64_t pixels;          // pixels stored: past the last whole vector, the last one is masked
  float* y;                // output of the block's first channel at the tile's first pixel
  int64_t y_stride;        // OH * OW
  const float* bias;       // the block's first bias, or null
  bool relu;
};
using ConvPlaneForwardFn = void (*)(const ConvPlaneForwardArgs& args);

// One image's shifted planes, one per (input channel c, kx), `plane` floats apart: s[(c * KW + kx) * plane + r * OW +
// ox] = image[c][r - pad_top][ox + kx - pad_left] for r < rows (OH + KH - 1), zero outside the image and from
// rows * OW to plane. With `zeroed`, s already holds another image's planes of the same geometry, so only the cells
// that come from the image are written; else the zeros too.
using ConvShiftPlanesFn = void (*)(const Conv2dGeometry& g, int64_t rows, int64_t plane, const float* image,
                                   float* s, bool zeroed);

struct ConvPlaneKernel {
  const char* name;
  int64_t width;     // floats per vector
  int64_t channels;  // output channels per tile
  int64_t max_taps;  // taps per tile: filter[t - 1] sums t taps, t = 1 .. max_taps
  ConvShiftPlanesFn shift;
  ConvPlaneFilterFn filter[8];
  int64_t forward_channels;  // output channels per forward tile
  int64_t forward_vectors;   // pixel vectors per forward tile, at most 8
  ConvPlaneForwardFn forward[8];
};

#if defined(CNN_HAVE_AVX512)
// kernels/avx512/conv_plane_avx512.cpp: filter gradient 4 channels x 5 taps, forward 4 channels x 7 vectors.
const ConvPlaneKernel& conv_plane_kernel_avx512();
#endif

// Whether the plane kernels can run g: stride 1, dilation 1, at least 16 output channels and shifted
// planes of bounded size.
bool conv_plane_fits(const Conv2dGeometry& g);

// dw for g (as Conv2dBackwardFilterFn) with `kernel`; conv_plane_fits(g) must hold.
void conv2d_backward_filter_plane(const ConvPlaneKernel& kernel, cnn_context& ctx, const Conv2dGeometry& g,
                                  const float* x, const float* dy, float* dw);

// y = conv(x, w) + bias, then max(y, 0) when relu (as Conv2dForwardFn), with `kernel`; conv_plane_fits(g) must
// hold.
void conv2d_forward_plane(const ConvPlaneKernel& kernel, cnn_context& ctx, const Conv2dGeometry& g, const float* x,
                          const float* w, const float* bias, bool relu, float* y);

// A tier's choice (conv_plane.cpp, where the rule and the measurements behind it are): its kernel for this filter
// gradient on `threads` threads, or null when the direct or GEMM path suits it better.
// conv_plane_forward_choice_<tier>: the same for the forward pass (tried after Winograd, before the direct tiles).
// AVX2 has no plane kernel. Filter gradient: 2 channels x 5 taps in 16 ymm registers ran L1 at 0.86-0.94x the speed
// of its direct 6 x 16 tiles. Forward, 3 channels x 4 vectors (/tmp harness, medians of 40 alternated pairs, 1 / 2
// threads): L1 1.10x / 0.93x, 3 x 3 x 3 on 32 x 32 1.13-1.22x, 1 x 3 x 3 on 8 x 8 1.13x / 0.77x against the GEMM,
// 3 x 5 x 5 0.99x / 0.96x; 2 channels x 6 vectors slower still (0.69-1.08x): no rule worth its weight.
#if defined(CNN_HAVE_AVX512)
const ConvPlaneKernel* conv_plane_filter_choice_avx512(const Conv2dGeometry& g, int threads);
const ConvPlaneKernel* conv_plane_forward_choice_avx512(const Conv2dGeometry& g, int threads);
#endif
#if defined(CNN_HAVE_AVX2)
const ConvPlaneKernel* conv_plane_filter_choice_avx2(const Conv2dGeometry& g, int threads);
const ConvPlaneKernel* conv_plane_forward_choice_avx2(const Conv2dGeometry& g, int threads);
#endif

}  // namespace cnn
