// Computes the gradients of conv2d_forward_ref directly: dx, dw and db by plain loops, accumulated in double.
// Layout: x, dx [n,c,h,w] NCHW; w, dw [oc,c,kh,kw] OIHW; dy [n,oc,oh,ow]; db [oc]; all float32 row-major.
// Reference kernel: this is the oracle for conv2d_backward_*_gemm and every later conv backward kernel.
#include "kernels/kernels.h"

namespace cnn {

// dx[n,c,iy,ix] = sum over (oc, ky, kx) of w[oc,c,ky,kx] * dy[n,oc,oy,ox] for every output pixel (oy, ox)
// whose window puts tap (ky, kx) on (iy, ix): iy = oy*stride_h - pad_top + ky*dilation_h (same for x).
void conv2d_backward_data_ref(cnn_context& /*ctx*/, const Conv2dGeometry& g, const float* w, const float* dy,
                              float* dx) {
  for (int64_t n = 0; n < g.n; ++n) {
    for (int64_t c = 0; c < g.c; ++c) {
      for (int64_t iy = 0; iy < g.h; ++iy) {
        for (int64_t ix = 0; ix < g.w; ++ix) {
          double sum = 0.0;
          for (int64_t oc = 0; oc < g.oc; ++oc) {
            for (int64_t ky = 0; ky < g.kh; ++ky) {
              const int64_t ty = iy + g.pad_top - ky * g.dilation_h;  // == oy * stride_h when tap ky hits iy
              if (ty < 0 || ty % g.stride_h != 0 || ty / g.stride_h >= g.oh) continue;
              const int64_t oy = ty / g.stride_h;
              for (int64_t kx = 0; kx < g.kw; ++kx) {
                const int64_t tx = ix + g.pad_left - kx * g.dilation_w;
                if (tx < 0 || tx % g.stride_w != 0 || tx / g.stride_w >= g.ow) continue;
                const int64_t ox = tx / g.stride_w;
                const float wv = w[((oc * g.c + c) * g.kh + ky) * g.kw + kx];
                const float dv = dy[((n * g.oc + oc) * g.oh + oy) * g.ow + ox];
                sum += static_cast<double>(wv) * static_cast<double>(dv);
              }
            }
          }
          dx[((n * g.c + c) * g.h + iy) * g.w + ix] = static_cast<float>(sum);
        }
      }
    }
  }
}

// dw[oc,c,ky,kx] = sum over (n, oy, ox) of dy[n,oc,oy,ox] * x[n,c,iy,ix], padded cells contributing zero.
void conv2d_backward_filter_ref(cnn_context& /*ctx*/, const Conv2dGeometry& g, const float* x, const float* dy,
                                float* dw) {
  for (int64_t oc = 0; oc < g.oc; ++oc) {
    for (int64_t c = 0; c < g.c; ++c) {
      for (int64_t ky = 0; ky < g.kh; ++ky) {
        for (int64_t kx = 0; kx < g.kw; ++kx) {
          double sum = 0.0;
          for (int64_t n = 0; n < g.n; ++n) {
            for (int64_t oy = 0; oy < g.oh; ++oy) {
              const int64_t iy = oy * g.stride_h - g.pad_top + ky * g.dilation_h;
              if (iy < 0 || iy >= g.h) continue;  // zero padding
              for (int64_t ox = 0; ox < g.ow; ++ox) {
                const int64_t ix = ox * g.stride_w - g.pad_left + kx * g.dilation_w;
                if (ix < 0 || ix >= g.w) continue;
                const float xv = x[((n * g.c + c) * g.h + iy) * g.w + ix];
                const float dv = dy[((n * g.oc + oc) * g.oh + oy) * g.ow + ox];
                sum += static_cast<double>(xv) * static_cast<double>(dv);
              }
            }
          }
          dw[((oc * g.c + c) * g.kh + ky) * g.kw + kx] = static_cast<float>(sum);
        }
      }
    }
  }
}

// db[c] = sum over n and the plane of dy[n,c,plane]; the conv bias gradient (plane = oh*ow) and the dense
// one (plane = 1).
void bias_backward_ref(cnn_context& /*ctx*/, int64_t n, int64_t channels, int64_t plane, const float* dy,
                       float* db) {
  for (int64_t c = 0; c < channels; ++c) {
    double sum = 0.0;
    for (int64_t i = 0; i < n; ++i) {
      const float* row = dy + (i * channels + c) * plane;
      for (int64_t p = 0; p < plane; ++p) sum += static_cast<double>(row[p]);
    }
    db[c] = static_cast<float>(sum);
  }
}

}  // namespace cnn
