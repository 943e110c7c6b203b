// Computes im2col of one image, col[(c*kh + ky)*kw + kx][oy*ow + ox] = x[c][iy][ix] (0 if padded), and col2im.
// Layout: image [c,h,w] (one NCHW image), col [(c*kh*kw), (oh*ow)] row-major; iy = oy*stride_h - pad_top + ky*dil_h.
// Reference kernel: none of their own; the conv kernels built on them are checked against kernels/ref/conv2d*.
#include <algorithm>
#include <cstring>

#include "kernels/kernels.h"

namespace cnn {

namespace {

// Smallest integer >= a / b for b > 0.
int64_t ceil_div(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }

// Output columns ox whose tap kx reads inside the input row: ix = ox*stride_w + offset in [0, w) for ox in
// [begin, end). Shared by im2col and col2im so the two stay exact adjoints.
struct ColumnSpan {
  int64_t offset, begin, end;
};

ColumnSpan column_span(const Conv2dGeometry& g, int64_t kx) {
  const int64_t offset = kx * g.dilation_w - g.pad_left;
  const int64_t begin = std::clamp<int64_t>(ceil_div(-offset, g.stride_w), 0, g.ow);
  const int64_t end = std::clamp<int64_t>(ceil_div(g.w - offset, g.stride_w), begin, g.ow);
  return {offset, begin, end};
}

// One row of col for kernel tap (ky, kx) of one channel plane [h, w]: oh*ow values.
void im2col_row(const Conv2dGeometry& g, const float* plane, int64_t ky, int64_t kx, float* dst) {
  const auto [offset, ox_begin, ox_end] = column_span(g, kx);
  for (int64_t oy = 0; oy < g.oh; ++oy, dst += g.ow) {
    const int64_t iy = oy * g.stride_h - g.pad_top + ky * g.dilation_h;
    if (iy < 0 || iy >= g.h) {
      std::fill(dst, dst + g.ow, 0.0f);
      continue;
    }
    const float* row = plane + iy * g.w;
    std::fill(dst, dst + ox_begin, 0.0f);
    if (g.stride_w == 1) {
      std::copy(row + ox_begin + offset, row + ox_end + offset, dst + ox_begin);
    } else {
      for (int64_t ox = ox_begin; ox < ox_end; ++ox) dst[ox] = row[ox * g.stride_w + offset];
    }
    std::fill(dst + ox_end, dst + g.ow, 0.0f);
  }
}

// The adjoint of im2col_row: adds one row of col for tap (ky, kx) into the channel plane [h, w]; padded
// positions have no cell and are dropped.
void col2im_row(const Conv2dGeometry& g, const float* src, int64_t ky, int64_t kx, float* plane) {
  const auto [offset, ox_begin, ox_end] = column_span(g, kx);
  for (int64_t oy = 0; oy < g.oh; ++oy, src += g.ow) {
    const int64_t iy = oy * g.stride_h - g.pad_top + ky * g.dilation_h;
    if (iy < 0 || iy >= g.h) continue;
    float* row = plane + iy * g.w;
    if (g.stride_w == 1) {
      for (int64_t ox = ox_begin; ox < ox_end; ++ox) row[ox + offset] += src[ox];
    } else {
      for (int64_t ox = ox_begin; ox < ox_end; ++ox) row[ox * g.stride_w + offset] += src[ox];
    }
  }
}

}  // namespace

void im2col(const Conv2dGeometry& g, const float* image, float* col) {
  const int64_t row_size = g.oh * g.ow;
  for (int64_t c = 0; c < g.c; ++c) {
    const float* plane = image + c * g.h * g.w;
    for (int64_t ky = 0; ky < g.kh; ++ky) {
      for (int64_t kx = 0; kx < g.kw; ++kx) {
        float* dst = col + ((c * g.kh + ky) * g.kw + kx) * row_size;
        im2col_row(g, plane, ky, kx, dst);
      }
    }
  }
}

// Taps are visited in im2col's row order (c, ky, kx), so every image cell sums its column entries in a
// fixed order: the result is deterministic.
void col2im(const Conv2dGeometry& g, const float* col, float* image) {
  const int64_t row_size = g.oh * g.ow;
  const int64_t plane_size = g.h * g.w;
  std::fill(image, image + g.c * plane_size, 0.0f);
  for (int64_t c = 0; c < g.c; ++c) {
    float* plane = image + c * plane_size;
    for (int64_t ky = 0; ky < g.kh; ++ky) {
      for (int64_t kx = 0; kx < g.kw; ++kx) {
        const float* src = col + ((c * g.kh + ky) * g.kw + kx) * row_size;
        col2im_row(g, src, ky, kx, plane);
      }
    }
  }
}

}  // namespace cnn
