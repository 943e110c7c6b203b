// Computes y = x * w^T + bias as one GEMM with trans_b, the bias (and for _relu, ReLU) applied to each finished tile
// (the epilogue).
// Layout: x [n,in], w [out,in] (so op(B) = w^T is [in,out]), bias [out] or null, y [n,out]; float32 row-major.
// Reference kernel: dense_forward_ref (kernels/ref/dense_ref.cpp).
#include "kernels/gemm/sgemm_driver.h"
#include "kernels/kernels.h"

namespace cnn {

void dense_forward_gemm(cnn_context& ctx, int64_t n, int64_t in, int64_t out, const float* x, const float* w,
                        const float* bias, float* y) {
  sgemm_operands(blocked_gemm_kernel(), ctx, n, out, in, 1.0f, strided_operand(x, in, true),
                 strided_operand(w, in, true), 0.0f, y, out, GemmEpilogue{nullptr, bias, false});
}

void dense_forward_gemm_relu(cnn_context& ctx, int64_t n, int64_t in, int64_t out, const float* x, const float* w,
                             const float* bias, float* y) {
  sgemm_operands(blocked_gemm_kernel(), ctx, n, out, in, 1.0f, strided_operand(x, in, true),
                 strided_operand(w, in, true), 0.0f, y, out, GemmEpilogue{nullptr, bias, true});
}

}  // namespace cnn
