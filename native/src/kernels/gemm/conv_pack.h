// One panel of the forward convolution's B (im2col inside the GEMM's packing, conv_forward_pack.cpp), split
// into the part every tier shares (the panel's segments, worked out once per panel) and the per-tap copy that
// each ISA does its own way: portable short copies, AVX2 masked loads, AVX-512 masked loads.
// Layout: x [n,c,h,w] NCHW; dst as GemmPackFn (sgemm_driver.h): depth rows of `width` floats.
// Reference kernel: im2col (kernels/generic/im2col.cpp). Included by ISA files: no inline functions here.
#pragma once

#include <cstdint>

#include "kernels/kernels.h"

namespace cnn {

// A run of a panel's columns along one output row (or, for a 1x1 stride-1 unpadded convolution whose
// geometry is flattened to one row per plane, along a whole image): columns [r0, r0 + len) of the panel.
struct ConvPackSegment {
  int64_t r0, len;
  int64_t base;  // offset of the segment's image in x: image * C*H*W
  int64_t iy0;   // input row of the segment under tap (0, 0): oy * stride_h - pad_top
  int64_t ix0;   // input column of its first pixel under tap (0, 0): ox * stride_w - pad_left
};

// Writes `depth` taps from depth_begin (tap = (c, ky, kx) in im2col's row order) of one panel: row p holds, for
// each segment, x[base + c*H*W + (iy0 + ky*dh) * W + ix0 + r*stride_w + kx*dw] at column r0 + r, 0 where that
// lies in the padding, and 0 in columns [cols, width).
using ConvPanelPackFn = void (*)(const Conv2dGeometry& g, const float* x, const ConvPackSegment* seg,
                                 int64_t segments, int64_t width, int64_t cols, int64_t depth_begin, int64_t depth,
                                 float* dst);

void conv_pack_panel_portable(const Conv2dGeometry& g, const float* x, const ConvPackSegment* seg, int64_t segments,
                              int64_t width, int64_t cols, int64_t depth_begin, int64_t depth, float* dst);
// Vector copies for stride_w == 1 and width 16 (avx2) / 32 (avx512); anything else goes to the portable one.
void conv_pack_panel_avx2(const Conv2dGeometry& g, const float* x, const ConvPackSegment* seg, int64_t segments,
                          int64_t width, int64_t cols, int64_t depth_begin, int64_t depth, float* dst);
void conv_pack_panel_avx512(const Conv2dGeometry& g, const float* x, const ConvPackSegment* seg, int64_t segments,
                            int64_t width, int64_t cols, int64_t depth_begin, int64_t depth, float* dst);

}  // namespace cnn
