// Computes the gradients of y = x * w^T + b: dx = dy * w, dw = dy^T * x, one dot product each, in double.
// Layout: x, dx [n,in]; w, dw [out,in]; dy [n,out]; float32 row-major; dx or dw may be null (skipped).
// Reference kernel: this is the oracle for dense_backward_gemm and every later dense backward kernel.
#include "kernels/kernels.h"

namespace cnn {

// The bias gradient is bias_backward_ref with plane = 1 (kernels/ref/conv2d_backward_ref.cpp).
void dense_backward_ref(cnn_context& /*ctx*/, int64_t n, int64_t in, int64_t out, const float* x, const float* w,
                        const float* dy, float* dx, float* dw) {
  if (dx != nullptr) {
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t p = 0; p < in; ++p) {
        double sum = 0.0;
        for (int64_t o = 0; o < out; ++o)
          sum += static_cast<double>(dy[i * out + o]) * static_cast<double>(w[o * in + p]);
        dx[i * in + p] = static_cast<float>(sum);
      }
    }
  }
  if (dw != nullptr) {
    for (int64_t o = 0; o < out; ++o) {
      for (int64_t p = 0; p < in; ++p) {
        double sum = 0.0;
        for (int64_t i = 0; i < n; ++i)
          sum += static_cast<double>(dy[i * out + o]) * static_cast<double>(x[i * in + p]);
        dw[o * in + p] = static_cast<float>(sum);
      }
    }
  }
}

}  // namespace cnn
