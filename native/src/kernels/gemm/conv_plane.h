// The filter gradient of a stride-1 convolution with few taps per output channel (a network's first layer: 1 or 3
// input channels), computed with output pixels along the vector lanes (kernels/gemm/conv_plane.cpp): dw[o][t] is
// the dot product of dy's plane o with tap t's shifted input plane, over every output pixel of the batch.
// Per image, the input is copied once per (input channel, kx) into a plane shifted by kx and padded, rows OW apart,
// so tap (c, ky, kx) at output pixel q = oy * OW + ox is that copy's element q + ky * OW: every tap reads a
// contiguous run of pixels, and dy is read as stored (NCHW), with no transpose. The channel-lane tiles of the direct
// filter gradient (conv_direct.h) transpose dy first, which costs them a third of their time when each output
// channel has only 25 taps to share it with.
// Layout: x [n,c,h,w] NCHW, dy [n,oc,oh,ow], dw [oc,c,kh,kw] OIHW. Reference kernel: conv2d_backward_filter_ref
// (kernels/ref/conv2d_backward_ref.cpp). The sums run in a fixed order (lanes, then images in chunks fixed by the
// batch size, then the lanes added in order), so the bits do not depend on the thread count; they differ from the
// reference's by rounding only.
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

// One image's shifted planes, one per (input channel c, kx), `plane` floats apart: s[(c * KW + kx) * plane + r * OW +
// ox] = image[c][r - pad_top][ox + kx - pad_left] for r < rows (OH + KH - 1), zero outside the image and from
// rows * OW to plane.
using ConvShiftPlanesFn = void (*)(const Conv2dGeometry& g, int64_t rows, int64_t plane, const float* image,
                                   float* s);

struct ConvPlaneKernel {
  const char* name;
  int64_t width;     // floats per vector
  int64_t channels;  // output channels per tile
  int64_t max_taps;  // taps per tile: filter[t - 1] sums t taps, t = 1 .. max_taps
  ConvShiftPlanesFn shift;
  ConvPlaneFilterFn filter[8];
};

#if defined(CNN_HAVE_AVX512)
const ConvPlaneKernel& conv_plane_kernel_avx512();  // kernels/avx512/conv_plane_avx512.cpp: 4 channels x 5 taps
#endif

// Whether conv2d_backward_filter_plane can run g: stride 1, dilation 1, at least 16 output channels and shifted
// planes of bounded size.
bool conv_plane_fits(const Conv2dGeometry& g);

// dw for g (as Conv2dBackwardFilterFn) with `kernel`; conv_plane_fits(g) must hold.
void conv2d_backward_filter_plane(const ConvPlaneKernel& kernel, cnn_context& ctx, const Conv2dGeometry& g,
                                  const float* x, const float* dy, float* dw);

// A tier's choice (conv_plane.cpp, where the rule and the measurements behind it are): its kernel for this filter
// gradient on `threads` threads, or null when the direct or GEMM path suits it better. AVX2 has no plane kernel:
// 2 channels x 5 taps in 16 ymm registers ran L1 at 0.86-0.94x the speed of its direct 6 x 16 tiles.
#if defined(CNN_HAVE_AVX512)
const ConvPlaneKernel* conv_plane_filter_choice_avx512(const Conv2dGeometry& g, int threads);
#endif
#if defined(CNN_HAVE_AVX2)
const ConvPlaneKernel* conv_plane_filter_choice_avx2(const Conv2dGeometry& g, int threads);
#endif

}  // namespace cnn
