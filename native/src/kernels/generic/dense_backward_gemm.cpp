// Computes the gradients of y = x * w^T + b as two GEMMs: dx = dy * w and dw = dy^T * x (trans_a).
// Layout: x, dx [n,in]; w, dw [out,in]; dy [n,out]; float32 row-major; dx or dw may be null (skipped).
// Reference kernel: dense_backward_ref (kernels/ref/dense_backward_ref.cpp).
#include "kernels/kernels.h"

namespace cnn {

void dense_backward_gemm(cnn_context& ctx, int64_t n, int64_t in, int64_t out, const float* x, const float* w,
                         const float* dy, float* dx, float* dw) {
  const SgemmFn sgemm = kernels().sgemm;
  // dx[n, in] = dy[n, out] * w[out, in]
  if (dx != nullptr) sgemm(ctx, false, false, n, in, out, 1.0f, dy, out, w, in, 0.0f, dx, in);
  // dw[out, in] = dy^T[out, n] * x[n, in], dy stored [n, out]
  if (dw != nullptr) sgemm(ctx, true, false, out, in, n, 1.0f, dy, out, x, in, 0.0f, dw, in);
}

}  // namespace cnn
