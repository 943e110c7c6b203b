// Convolution operands for the SGEMM driver: im2col formed inside the packing (see conv_operands.h).
// Layout: x [n,c,h,w] NCHW, dy [n,oc,oh,ow]; packed panels as GemmPackFn in sgemm_driver.h.
// Reference kernels: conv2d_forward_ref, conv2d_backward_filter_ref (kernels/ref/).
#include "kernels/gemm/conv_operands.h"

#include <algorithm>
#include <cstdint>

namespace cnn {

namespace {

const Conv2dGeometry& geometry(const GemmOperand& self) { return *static_cast<const Conv2dGeometry*>(self.extra); }

// A kernel tap k = (c, ky, kx), stepped forward one tap at a time without divisions.
struct Tap {
  int64_t c, ky, kx;
  Tap(const Conv2dGeometry& g, int64_t k) : c(k / (g.kh * g.kw)), ky(k / g.kw % g.kh), kx(k % g.kw) {}
  void next(const Conv2dGeometry& g) {
    if (++kx < g.kw) return;
    kx = 0;
    if (++ky < g.kh) return;
    ky = 0;
    ++c;
  }
};

// The `count` consecutive output pixels from `pixel` on, under tap t, written to out[0], out[step], ...: runs
// along output rows, each a strided read of one input row with zeros where the window hangs over the padding.
void gather_pixels(const Conv2dGeometry& g, const float* image, const Tap& t, int64_t pixel, int64_t count,
                   float* out, int64_t step) {
  const float* plane = image + t.c * g.h * g.w;
  int64_t oy = pixel / g.ow;
  int64_t ox = pixel % g.ow;
  for (int64_t done = 0; done < count; ++oy, ox = 0) {
    const int64_t run = std::min(count - done, g.ow - ox);
    float* o = out + done * step;
    const int64_t iy = oy * g.stride_h - g.pad_top + t.ky * g.dilation_h;
    if (iy < 0 || iy >= g.h) {
      for (int64_t r = 0; r < run; ++r) o[r * step] = 0.0f;
    } else {
      const float* row = plane + iy * g.w;
      const int64_t sw = g.stride_w;
      const int64_t ix0 = ox * sw - g.pad_left + t.kx * g.dilation_w;  // input column of the run's first pixel
      // The run's pixels r with 0 <= ix0 + r * sw < w.
      const int64_t lo = ix0 >= 0 ? 0 : std::min(run, (-ix0 + sw - 1) / sw);
      const int64_t hi = ix0 >= g.w ? 0 : std::max(lo, std::min(run, (g.w - 1 - ix0) / sw + 1));
      for (int64_t r = 0; r < lo; ++r) o[r * step] = 0.0f;
      for (int64_t r = lo; r < hi; ++r) o[r * step] = row[ix0 + r * sw];
      for (int64_t r = hi; r < run; ++r) o[r * step] = 0.0f;
    }
    done += run;
  }
}

// Filter gradient A: rows are output channels, depth d = image * P + pixel. Within one image the rows are a
// plain [OC, P] matrix (row oc contiguous along the pixels), packed piece by piece.
void pack_dy_batch(const GemmOperand& self, int64_t width, int64_t first, int64_t count, int64_t depth_begin,
                   int64_t depth, float* dst) {
  const Conv2dGeometry& g = geometry(self);
  const int64_t pixels = g.oh * g.ow;
  for (int64_t q = 0; q * width < count; ++q, dst += width * depth) {
    const int64_t rows = std::min(width, count - q * width);
    for (int64_t p = 0; p < depth;) {
      const int64_t d = depth_begin + p;
      const int64_t image = d / pixels;
      const int64_t pixel = d % pixels;
      const int64_t piece = std::min(depth - p, pixels - pixel);
      const float* src = self.data + (image * g.oc + first + q * width) * pixels + pixel;
      pack_strided_rows(src, pixels, true, width, rows, piece, dst + p * width);
      p += piece;
    }
  }
}

// Filter gradient B: columns are taps k, depth d = image * P + pixel. For each tap of the panel, the depth
// range is runs of input rows (as in the forward), written down the panel's column (stride `width`).
void pack_x_batch(const GemmOperand& self, int64_t width, int64_t first, int64_t count, int64_t depth_begin,
                  int64_t depth, float* dst) {
  const Conv2dGeometry& g = geometry(self);
  const int64_t pixels = g.oh * g.ow;
  const int64_t image_size = g.c * g.h * g.w;
  for (int64_t q = 0; q * width < count; ++q, dst += width * depth) {
    const int64_t cols = std::min(width, count - q * width);
    Tap t(g, first + q * width);
    for (int64_t r = 0; r < cols; ++r, t.next(g)) {
      for (int64_t p = 0; p < depth;) {
        const int64_t d = depth_begin + p;
        const int64_t image = d / pixels;
        const int64_t pixel = d % pixels;
        const int64_t piece = std::min(depth - p, pixels - pixel);
        gather_pixels(g, self.data + image * image_size, t, pixel, piece, dst + p * width + r, width);
        p += piece;
      }
    }
    for (int64_t r = cols; r < width; ++r) {
      for (int64_t p = 0; p < depth; ++p) dst[p * width + r] = 0.0f;
    }
  }
}

}  // namespace

GemmOperand conv_dy_batch_operand(const Conv2dGeometry& g, const float* dy) { return {pack_dy_batch, dy, 0, &g}; }
GemmOperand conv_x_batch_operand(const Conv2dGeometry& g, const float* x) { return {pack_x_batch, x, 0, &g}; }

}  // namespace cnn
