// Kernel signatures and the kernel table. Each op has a scalar reference kernel (kernels/ref/, the
// oracle and the fallback on any CPU) and may have faster tiers (kernels/generic/ portable blocked code,
// later kernels/avx2/, kernels/avx512/). dispatch.cpp picks one table per process.
// Layout everywhere: float32 row-major, NCHW activations, OIHW weights. Arguments are already validated.
#pragma once

#include <cnn/cnn.h>

#include <cstdint>

struct cnn_context;

namespace cnn {

struct Conv2dGeometry {
  int64_t n, c, h, w;  // input x [n,c,h,w]
  int64_t oc, kh, kw;  // weights [oc,c,kh,kw]
  int64_t oh, ow;      // output y [n,oc,oh,ow]
  int32_t stride_h, stride_w;
  int32_t pad_top, pad_left;  // bottom/right padding is implied by oh/ow
  int32_t dilation_h, dilation_w;
};

struct Pool2dGeometry {
  int64_t n, c, h, w;  // input x [n,c,h,w]
  int64_t oh, ow;      // output y [n,c,oh,ow]
  int32_t kernel_h, kernel_w;
  int32_t stride_h, stride_w;
  int32_t pad_top, pad_left;
  bool count_include_pad;  // average pooling: divide by kernel_h*kernel_w (true) or by in-bounds cells
};

// C[m,n] = alpha * op(A) * op(B) + beta * C, row-major, op(X) = trans ? X^T : X.
// A is m x k (k x m when trans_a), B is k x n (n x k when trans_b). beta == 0 ignores C's contents.
using SgemmFn = void (*)(cnn_context& ctx, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                         const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc);
// bias may be null.
using Conv2dForwardFn = void (*)(cnn_context& ctx, const Conv2dGeometry& g, const float* x, const float* w,
                                 const float* bias, float* y);
// x [n,in], w [out,in], bias [out] or null, y [n,out].
using DenseForwardFn = void (*)(cnn_context& ctx, int64_t n, int64_t in, int64_t out, const float* x, const float* w,
                                const float* bias, float* y);
using Pool2dForwardFn = void (*)(cnn_context& ctx, const Pool2dGeometry& g, const float* x, float* y);
// planes = n*c, plane_size = h*w; y[p] = mean of x[p*plane_size .. +plane_size).
using GlobalAvgPoolFn = void (*)(cnn_context& ctx, int64_t planes, int64_t plane_size, const float* x, float* y);
// y[i] = f(x[i]) for i < count; x == y allowed.
using ActivationFn = void (*)(cnn_context& ctx, cnn_activation activation, float alpha, int64_t count, const float* x,
                              float* y);
// Softmax over the middle axis of x viewed as [outer, classes, inner]; x == y allowed.
using SoftmaxFn = void (*)(cnn_context& ctx, int64_t outer, int64_t classes, int64_t inner, const float* x, float* y);

struct KernelTable {
  const char* isa;  // "ref" | "generic" | "avx2" | "avx512"
  SgemmFn sgemm;
  Conv2dForwardFn conv2d_forward;
  DenseForwardFn dense_forward;
  Pool2dForwardFn maxpool2d_forward;
  Pool2dForwardFn avgpool2d_forward;
  GlobalAvgPoolFn global_avgpool2d_forward;
  ActivationFn activation_forward;
  SoftmaxFn softmax_forward;
};

const KernelTable& kernels();            // the active table: chosen once per process, capped by CNN_MAX_ISA
const KernelTable& reference_kernels();  // always the "ref" tier: the oracle for tests
const KernelTable& generic_kernels();    // portable blocked tier: im2col + cache-blocked GEMM

// ---- reference tier (kernels/ref/) -------------------------------------------------------
void sgemm_ref(cnn_context& ctx, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
               const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc);
void conv2d_forward_ref(cnn_context& ctx, const Conv2dGeometry& g, const float* x, const float* w, const float* bias,
                        float* y);
void dense_forward_ref(cnn_context& ctx, int64_t n, int64_t in, int64_t out, const float* x, const float* w,
                       const float* bias, float* y);
void maxpool2d_forward_ref(cnn_context& ctx, const Pool2dGeometry& g, const float* x, float* y);
void avgpool2d_forward_ref(cnn_context& ctx, const Pool2dGeometry& g, const float* x, float* y);
void global_avgpool2d_forward_ref(cnn_context& ctx, int64_t planes, int64_t plane_size, const float* x, float* y);
void activation_forward_ref(cnn_context& ctx, cnn_activation activation, float alpha, int64_t count, const float* x,
                            float* y);
void softmax_forward_ref(cnn_context& ctx, int64_t outer, int64_t classes, int64_t inner, const float* x, float* y);

// ---- generic tier (kernels/generic/): portable C++, cache-blocked, threaded over the context ----
void sgemm_generic(cnn_context& ctx, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                   const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc);
// im2col + the table's GEMM, bias folded into the write-back.
void conv2d_forward_im2col(cnn_context& ctx, const Conv2dGeometry& g, const float* x, const float* w,
                           const float* bias, float* y);
void dense_forward_gemm(cnn_context& ctx, int64_t n, int64_t in, int64_t out, const float* x, const float* w,
                        const float* bias, float* y);
// im2col of one image: col [(c*kh*kw), (oh*ow)].
void im2col(const Conv2dGeometry& g, const float* image, float* col);

}  // namespace cnn
