// Computes y = x * w^T + bias as one GEMM with trans_b, the bias entering through the write-back (beta = 1).
// Layout: x [n,in], w [out,in] (so op(B) = w^T is [in,out]), bias [out] or null, y [n,out]; float32 row-major.
// Reference kernel: dense_forward_ref (kernels/ref/dense_ref.cpp).
#include <algorithm>

#include "kernels/kernels.h"

namespace cnn {

void dense_forward_gemm(cnn_context& ctx, int64_t n, int64_t in, int64_t out, const float* x, const float* w,
                        const float* bias, float* y) {
  float beta = 0.0f;
  if (bias != nullptr) {
    for (int64_t i = 0; i < n; ++i) std::copy(bias, bias + out, y + i * out);
    beta = 1.0f;
  }
  kernels().sgemm(ctx, false, true, n, out, in, 1.0f, x, in, w, in, beta, y, out);
}

}  // namespace cnn
