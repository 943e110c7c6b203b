// Computes y = conv(x, w) + bias directly: seven nested loops over (n, oc, oy, ox, c, ky, kx), zero padding, dilation.
// Layout: x [n,c,h,w] NCHW, w [oc,c,kh,kw] OIHW, bias [oc] or null, y [n,oc,oh,ow]; all float32 row-major.
// Reference kernel: this is the oracle for conv2d_forward_gemm and every later conv kernel.
#include "kernels/kernels.h"

namespace cnn {

void conv2d_forward_ref(cnn_context& /*ctx*/, const Conv2dGeometry& g, const float* x, const float* w,
                        const float* bias, float* y) {
  for (int64_t n = 0; n < g.n; ++n) {
    for (int64_t oc = 0; oc < g.oc; ++oc) {
      for (int64_t oy = 0; oy < g.oh; ++oy) {
        for (int64_t ox = 0; ox < g.ow; ++ox) {
          double sum = bias != nullptr ? static_cast<double>(bias[oc]) : 0.0;
          for (int64_t c = 0; c < g.c; ++c) {
            for (int64_t ky = 0; ky < g.kh; ++ky) {
              for (int64_t kx = 0; kx < g.kw; ++kx) {
                int64_t iy = oy * g.stride_h - g.pad_top + ky * g.dilation_h;
                int64_t ix = ox * g.stride_w - g.pad_left + kx * g.dilation_w;
                if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) continue;  // zero padding
                float xv = x[((n * g.c + c) * g.h + iy) * g.w + ix];
                float wv = w[((oc * g.c + c) * g.kh + ky) * g.kw + kx];
                sum += static_cast<double>(xv) * static_cast<double>(wv);
              }
            }
          }
          y[((n * g.oc + oc) * g.oh + oy) * g.ow + ox] = static_cast<float>(sum);
        }
      }
    }
  }
}

}  // namespace cnn
