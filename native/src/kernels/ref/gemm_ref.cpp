// Computes C = alpha * op(A) * op(B) + beta * C one dot product at a time, accumulated in double.
// Layout: row-major; op(A) is m x k (A stored k x m when trans_a), op(B) is k x n (B stored n x k when trans_b).
// Reference kernel: this is the oracle for sgemm_generic and every later ISA SGEMM.
#include "kernels/kernels.h"

namespace cnn {

void sgemm_ref(cnn_context& /*ctx*/, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
               const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      double sum = 0.0;
      for (int64_t p = 0; p < k; ++p) {
        float a_ip = trans_a ? a[p * lda + i] : a[i * lda + p];
        float b_pj = trans_b ? b[j * ldb + p] : b[p * ldb + j];
        sum += static_cast<double>(a_ip) * static_cast<double>(b_pj);
      }
      float result = alpha * static_cast<float>(sum);
      // beta == 0 ignores C's previous contents, even NaN.
      if (beta != 0.0f) result += beta * c[i * ldc + j];
      c[i * ldc + j] = result;
    }
  }
}

}  // namespace cnn
