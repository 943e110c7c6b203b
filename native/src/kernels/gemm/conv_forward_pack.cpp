// The forward convolution's B operand: im2col of x formed inside the GEMM's packing, one NR-column panel at a
// time, so no column buffer is stored. Layout: x [n,c,h,w] NCHW; the panel layout of GemmPackFn (sgemm_driver.h).
// Reference kernel: im2col (kernels/generic/im2col.cpp) followed by a plain packing; conv2d_forward_ref overall.
//
// A panel's columns are consecutive output pixels: a few runs along output rows ("segments", split where an
// output row or an image ends). Under one tap (c, ky, kx) each segment reads one input row, at stride_w apart,
// so with stride 1 it is a straight copy of `len` floats, and the segment list is worked out once per panel,
// not once per tap. The per-tap copies are the tier's (conv_pack.h): AVX2 and AVX-512 build each panel row in
// registers with masked loads; the portable copy below copies taps whose window lies inside the image for the
// whole panel without bounds checks, and clips the others to the input row with zeros for the padding.
#include <algorithm>
#include <cstdint>
#include <string>

#include "core/error.h"
#include "kernels/gemm/conv_operands.h"
#include "kernels/gemm/conv_pack.h"
#include "kernels/gemm/sgemm_driver.h"

namespace cnn {

namespace {

using Segment = ConvPackSegment;

// Splits the panel columns [first, first + cols) into segments; returns their count.
int64_t panel_segments(const Conv2dGeometry& g, int64_t first, int64_t cols, Segment* seg) {
  const int64_t pixels = g.oh * g.ow;
  int64_t image = first / pixels;
  const int64_t pixel = first % pixels;
  int64_t oy = pixel / g.ow;
  int64_t ox = pixel % g.ow;
  int64_t count = 0;
  for (int64_t done = 0; done < cols; ++count) {
    const int64_t len = std::min(cols - done, g.ow - ox);
    seg[count] = {done, len, image * g.c * g.h * g.w, oy * g.stride_h - g.pad_top, ox * g.stride_w - g.pad_left};
    done += len;
    ox = 0;
    if (++oy == g.oh) {
      oy = 0;
      ++image;
    }
  }
  return count;
}

// Short runs (a panel is at most kMaxConvPanelWidth wide) copied in fixed-size pieces the compiler keeps inline:
// a plain loop here becomes a call to memmove/memset, whose overhead is most of the work for runs of ~10 floats.
typedef float Float4 __attribute__((vector_size(16), aligned(4)));

inline void copy_run(float* __restrict d, const float* __restrict s, int64_t len) {
  int64_t r = 0;
  for (; r + 8 <= len; r += 8) {
    Float4 v0, v1;
    __builtin_memcpy(&v0, s + r, sizeof v0);
    __builtin_memcpy(&v1, s + r + 4, sizeof v1);
    __builtin_memcpy(d + r, &v0, sizeof v0);
    __builtin_memcpy(d + r + 4, &v1, sizeof v1);
  }
  if (r + 4 <= len) {
    Float4 v;
    __builtin_memcpy(&v, s + r, sizeof v);
    __builtin_memcpy(d + r, &v, sizeof v);
    r += 4;
  }
  switch (len - r) {
    case 3: d[r + 2] = s[r + 2]; [[fallthrough]];
    case 2: d[r + 1] = s[r + 1]; [[fallthrough]];
    case 1: d[r] = s[r]; break;
    default: break;
  }
}

inline void zero_run(float* d, int64_t len) {
  const Float4 zero = {0.0f, 0.0f, 0.0f, 0.0f};
  int64_t r = 0;
  for (; r + 4 <= len; r += 4) __builtin_memcpy(d + r, &zero, sizeof zero);
  switch (len - r) {
    case 3: d[r + 2] = 0.0f; [[fallthrough]];
    case 2: d[r + 1] = 0.0f; [[fallthrough]];
    case 1: d[r] = 0.0f; break;
    default: break;
  }
}

// One segment under one tap, clipped to the input row: zeros where the window hangs over the padding.
// `row` is the input row (already checked to be inside the image), ix the input column of its first pixel.
inline void clipped_run(float* d, const float* row, int64_t ix, int64_t len, int64_t sw, int64_t w) {
  // The pixels r with 0 <= ix + r * sw < w.
  const int64_t lo = ix >= 0 ? 0 : std::min(len, (-ix + sw - 1) / sw);
  const int64_t hi = ix >= w ? 0 : std::max(lo, std::min(len, (w - 1 - ix) / sw + 1));
  zero_run(d, lo);
  if (sw == 1) {
    copy_run(d + lo, row + ix + lo, hi - lo);
  } else {
    for (int64_t r = lo; r < hi; ++r) d[r] = row[ix + r * sw];
  }
  zero_run(d + hi, len - hi);
}

}  // namespace

void conv_pack_panel_portable(const Conv2dGeometry& g, const float* x, const ConvPackSegment* seg, int64_t segments,
                              int64_t width, int64_t cols, int64_t depth_begin, int64_t depth, float* dst) {
  const int64_t h = g.h;
  const int64_t w = g.w;
  const int64_t sw = g.stride_w;
  // The panel's extent in input rows and columns under tap (0, 0), for the inside-the-image test of each tap.
  int64_t iy_lo = seg[0].iy0, iy_hi = seg[0].iy0, ix_lo = seg[0].ix0, ix_hi = seg[0].ix0;
  for (int64_t s = 0; s < segments; ++s) {
    iy_lo = std::min(iy_lo, seg[s].iy0);
    iy_hi = std::max(iy_hi, seg[s].iy0);
    ix_lo = std::min(ix_lo, seg[s].ix0);
    ix_hi = std::max(ix_hi, seg[s].ix0 + (seg[s].len - 1) * sw);
  }
  int64_t c = depth_begin / (g.kh * g.kw);
  int64_t ky = depth_begin / g.kw % g.kh;
  int64_t kx = depth_begin % g.kw;
  for (int64_t p = 0; p < depth; ++p, dst += width) {
    const int64_t dy = ky * g.dilation_h;
    const int64_t dx = kx * g.dilation_w;
    const float* plane = x + c * h * w;
    const bool inside = iy_lo + dy >= 0 && iy_hi + dy < h && ix_lo + dx >= 0 && ix_hi + dx < w;
    if (inside && sw == 1) {
      for (int64_t s = 0; s < segments; ++s)
        copy_run(dst + seg[s].r0, plane + seg[s].base + (seg[s].iy0 + dy) * w + seg[s].ix0 + dx, seg[s].len);
    } else {
      for (int64_t s = 0; s < segments; ++s) {
        const int64_t iy = seg[s].iy0 + dy;
        float* d = dst + seg[s].r0;
        if (iy < 0 || iy >= h) {
          zero_run(d, seg[s].len);
        } else {
          clipped_run(d, plane + seg[s].base + iy * w, seg[s].ix0 + dx, seg[s].len, sw, w);
        }
      }
    }
    zero_run(dst + cols, width - cols);
    if (++kx == g.kw) {
      kx = 0;
      if (++ky == g.kh) {
        ky = 0;
        ++c;
      }
    }
  }
}

namespace {

// The operand's description (GemmOperand::extra): ConvForwardB.
void pack_x_forward(const GemmOperand& self, int64_t width, int64_t first, int64_t count, int64_t depth_begin,
                    int64_t depth, float* dst) {
  const ConvForwardB& b = *static_cast<const ConvForwardB*>(self.extra);
  if (width > kMaxConvPanelWidth)
    fail(CNN_INTERNAL, "conv forward packing: panel width " + std::to_string(width) + " exceeds " +
                           std::to_string(kMaxConvPanelWidth));
  Segment seg[kMaxConvPanelWidth];
  for (int64_t q = 0; q * width < count; ++q, dst += width * depth) {
    const int64_t cols = std::min(width, count - q * width);
    const int64_t segments = panel_segments(b.g, first + q * width, cols, seg);
    b.panel(b.g, self.data, seg, segments, width, cols, depth_begin, depth, dst);
  }
}

}  // namespace

ConvForwardB conv_forward_b(const SgemmKernel& kernel, const Conv2dGeometry& g) {
  ConvForwardB b{g, conv_pack_panel_portable};
#if defined(CNN_HAVE_AVX2)
  if (&kernel == &sgemm_kernel_avx2()) b.panel = conv_pack_panel_avx2;
#endif
#if defined(CNN_HAVE_AVX512)
  if (&kernel == &sgemm_kernel_avx512()) b.panel = conv_pack_panel_avx512;
#endif
  // A 1x1, stride-1, unpadded convolution reads each channel plane of an image as its B row, as it is: seen as
  // one input row of H*W pixels per image, a segment runs on across output rows to the end of the image.
  if (g.kh == 1 && g.kw == 1 && g.stride_h == 1 && g.stride_w == 1 && g.pad_top == 0 && g.pad_left == 0 &&
      g.oh == g.h && g.ow == g.w) {
    b.g.h = b.g.oh = 1;
    b.g.w = b.g.ow = g.h * g.w;
  }
  return b;
}

GemmOperand conv_x_forward_operand(const ConvForwardB& b, const float* x) { return {pack_x_forward, x, 0, &b}; }

}  // namespace cnn
