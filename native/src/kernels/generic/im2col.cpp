// Computes the im2col matrix of one image: col[(c*kh + ky)*kw + kx][oy*ow + ox] = x[c][iy][ix], zero where padded.
// Layout: image [c,h,w] (one NCHW image), col [(c*kh*kw), (oh*ow)] row-major; iy = oy*stride_h - pad_top + ky*dil_h.
// Reference kernel: none of its own; conv2d_forward_im2col built on it is checked against conv2d_forward_ref.
#include <algorithm>
#include <cstring>

#include "kernels/kernels.h"

namespace cnn {

namespace {

// Smallest integer >= a / b for b > 0.
int64_t ceil_div(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }

// One row of col for kernel tap (ky, kx) of one channel plane [h, w]: oh*ow values.
void im2col_row(const Conv2dGeometry& g, const float* plane, int64_t ky, int64_t kx, float* dst) {
  // Column ox reads input column ix = ox*stride_w + offset, valid for ox in [ox_begin, ox_end).
  const int64_t offset = kx * g.dilation_w - g.pad_left;
  const int64_t ox_begin = std::clamp<int64_t>(ceil_div(-offset, g.stride_w), 0, g.ow);
  const int64_t ox_end = std::clamp<int64_t>(ceil_div(g.w - offset, g.stride_w), ox_begin, g.ow);
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

}  // namespace cnn
