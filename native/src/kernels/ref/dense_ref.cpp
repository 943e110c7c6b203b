// Computes y = x * w^T + bias, one dot product per output, accumulated in double.
// Layout: x [n,in], w [out,in], bias [out] or null, y [n,out]; float32 row-major.
// Reference kernel: this is the oracle for dense_forward_gemm and every later dense kernel.
#include "kernels/kernels.h"

namespace cnn {

void dense_forward_ref(cnn_context& /*ctx*/, int64_t n, int64_t in, int64_t out, const float* x, const float* w,
                       const float* bias, float* y) {
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t o = 0; o < out; ++o) {
      double sum = bias != nullptr ? static_cast<double>(bias[o]) : 0.0;
      for (int64_t p = 0; p < in; ++p) sum += static_cast<double>(x[i * in + p]) * static_cast<double>(w[o * in + p]);
      y[i * out + o] = static_cast<float>(sum);
    }
  }
}

}  // namespace cnn
