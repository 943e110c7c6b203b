// Kernel signatures and the kernel table. Each op has a scalar reference kernel (kernels/ref/, the
// oracle and the fallback on any CPU) and may have faster tiers (kernels/generic/ portable blocked code,
// kernels/gemm/ the SGEMM driver, kernels/avx2/ and kernels/avx512/ micro-kernels). dispatch.cpp picks one
// table per process.
// Layout everywhere: float32 row-major, NCHW activations, OIHW weights. Arguments are already validated.
#pragma once

#include <cnn/cnn.h>

#include <cstdint>

struct cnn_context;

namespace cnn {

struct SgemmKernel;  // kernels/gemm/sgemm_driver.h

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

// ---- training: gradients are overwritten, never accumulated --------------------------------------
// dx [n,c,h,w] = col2im(W^T * dy) for the forward's geometry.
using Conv2dBackwardDataFn = void (*)(cnn_context& ctx, const Conv2dGeometry& g, const float* w, const float* dy,
                                      float* dx);
// dw [oc,c,kh,kw] = sum over the batch of dy_img * col(x_img)^T.
using Conv2dBackwardFilterFn = void (*)(cnn_context& ctx, const Conv2dGeometry& g, const float* x, const float* dy,
                                        float* dw);
// db[c] = sum over n and the plane of dy [n,c,plane] (conv bias); dense bias uses plane = 1.
using BiasBackwardFn = void (*)(cnn_context& ctx, int64_t n, int64_t channels, int64_t plane, const float* dy,
                                float* db);
// dx [n,in] = dy * w, dw [out,in] = dy^T * x; either may be null.
using DenseBackwardFn = void (*)(cnn_context& ctx, int64_t n, int64_t in, int64_t out, const float* x, const float* w,
                                 const float* dy, float* dx, float* dw);
using MaxPool2dBackwardFn = void (*)(cnn_context& ctx, const Pool2dGeometry& g, const float* x, const float* dy,
                                     float* dx);
using AvgPool2dBackwardFn = void (*)(cnn_context& ctx, const Pool2dGeometry& g, const float* dy, float* dx);
using GlobalAvgPoolBackwardFn = void (*)(cnn_context& ctx, int64_t planes, int64_t plane_size, const float* dy,
                                         float* dx);
// dx[i] = f'(x[i]) * dy[i]; dx == dy allowed.
using ActivationBackwardFn = void (*)(cnn_context& ctx, cnn_activation activation, float alpha, int64_t count,
                                      const float* x, const float* dy, float* dx);
// From the forward's output y: dx = y * (dy - sum_k dy*y) over the middle axis of [outer, classes, inner].
using SoftmaxBackwardFn = void (*)(cnn_context& ctx, int64_t outer, int64_t classes, int64_t inner, const float* y,
                                   const float* dy, float* dx);
// logits [n,classes], labels already range-checked; dlogits may be null. Mean loss and correct count out.
using SoftmaxCrossEntropyFn = void (*)(cnn_context& ctx, int64_t n, int64_t classes, const float* logits,
                                       const int32_t* labels, float label_smoothing, float* dlogits, float* loss,
                                       int64_t* correct);
// out[i] = keep(seed, i) ? in[i] / (1 - rate) : 0; used by forward (x -> y) and backward (dy -> dx).
using DropoutFn = void (*)(cnn_context& ctx, int64_t count, float rate, uint64_t seed, const float* in, float* out);
struct BatchNormShape {
  int64_t n, c, plane;  // x [n,c,plane] with plane = h*w
};
using BatchNormTrainingFn = void (*)(cnn_context& ctx, const BatchNormShape& s, const float* x, const float* gamma,
                                     const float* beta, float momentum, float epsilon, float* running_mean,
                                     float* running_var, float* saved_mean, float* saved_inv_std, float* y);
using BatchNormInferenceFn = void (*)(cnn_context& ctx, const BatchNormShape& s, const float* x, const float* gamma,
                                      const float* beta, const float* running_mean, const float* running_var,
                                      float epsilon, float* y);
// dgamma, dbeta may be null.
using BatchNormBackwardFn = void (*)(cnn_context& ctx, const BatchNormShape& s, const float* x, const float* gamma,
                                     const float* saved_mean, const float* saved_inv_std, const float* dy, float* dx,
                                     float* dgamma, float* dbeta);
using SgdUpdateFn = void (*)(cnn_context& ctx, const cnn_sgd_params& p, int64_t count, float* param, const float* grad,
                             float* velocity);
using AdamUpdateFn = void (*)(cnn_context& ctx, const cnn_adam_params& p, int64_t count, float* param,
                              const float* grad, float* m, float* v);
using FillFn = void (*)(cnn_context& ctx, int64_t count, float value, float* x);
using ScaleFn = void (*)(cnn_context& ctx, int64_t count, float factor, float* x);
// Sum of squares accumulated in double, in a fixed order (the same result on any thread count).
using SumSquaresFn = double (*)(cnn_context& ctx, int64_t count, const float* x);

struct KernelTable {
  const char* isa;  // "ref" | "generic" | "avx2" | "avx512"
  SgemmFn sgemm;
  // The blocked GEMM behind sgemm, for callers that pack their own operands (im2col inside the packing);
  // null in the ref tier.
  const SgemmKernel& (*sgemm_kernel)();
  Conv2dForwardFn conv2d_forward;
  DenseForwardFn dense_forward;
  // The forward passes followed by ReLU, fused into the GEMM's write-back; null in the ref tier, whose callers
  // run the forward and then activation_forward (cnn_conv2d_forward_fused, cnn_dense_forward_fused).
  Conv2dForwardFn conv2d_forward_relu;
  DenseForwardFn dense_forward_relu;
  Pool2dForwardFn maxpool2d_forward;
  Pool2dForwardFn avgpool2d_forward;
  GlobalAvgPoolFn global_avgpool2d_forward;
  ActivationFn activation_forward;
  SoftmaxFn softmax_forward;
  // training
  Conv2dBackwardDataFn conv2d_backward_data;
  Conv2dBackwardFilterFn conv2d_backward_filter;
  BiasBackwardFn bias_backward;
  DenseBackwardFn dense_backward;
  MaxPool2dBackwardFn maxpool2d_backward;
  AvgPool2dBackwardFn avgpool2d_backward;
  GlobalAvgPoolBackwardFn global_avgpool2d_backward;
  ActivationBackwardFn activation_backward;
  SoftmaxBackwardFn softmax_backward;
  SoftmaxCrossEntropyFn softmax_cross_entropy;
  DropoutFn dropout;
  BatchNormTrainingFn batchnorm2d_forward_training;
  BatchNormInferenceFn batchnorm2d_forward_inference;
  BatchNormBackwardFn batchnorm2d_backward;
  SgdUpdateFn sgd_update;
  AdamUpdateFn adam_update;
  FillFn fill;
  ScaleFn scale;
  SumSquaresFn sum_squares;
};

const KernelTable& kernels();            // the active table: chosen once per process, capped by CNN_MAX_ISA
const KernelTable& reference_kernels();  // always the "ref" tier: the oracle for tests
// The blocked GEMM that the im2col/GEMM kernels pack their operands for: the active tier's, or the generic
// tier's under CNN_MAX_ISA=ref (whose own sgemm_ref has no packing), where tests still call those kernels.
const SgemmKernel& blocked_gemm_kernel();
const KernelTable& generic_kernels();    // portable blocked tier: im2col + cache-blocked GEMM
// The table of tier `isa` ("ref" | "generic" | "avx2" | "avx512"), or null when this build or this CPU
// lacks it (or the name is unknown). The avx2 and avx512 tables are the generic one with their own sgemm and
// their own vectorised pooling, activation and softmax kernels.
const KernelTable* kernel_table(const char* isa);
// The best tier this CPU supports, capped by `max_isa` (CNN_MAX_ISA's syntax). Null, "" or an unknown
// name means no cap: the library never aborts over the variable. kernels() is choose_kernels(getenv(...)).
const KernelTable& choose_kernels(const char* max_isa);

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

// reference training kernels
void conv2d_backward_data_ref(cnn_context& ctx, const Conv2dGeometry& g, const float* w, const float* dy, float* dx);
void conv2d_backward_filter_ref(cnn_context& ctx, const Conv2dGeometry& g, const float* x, const float* dy, float* dw);
void bias_backward_ref(cnn_context& ctx, int64_t n, int64_t channels, int64_t plane, const float* dy, float* db);
void dense_backward_ref(cnn_context& ctx, int64_t n, int64_t in, int64_t out, const float* x, const float* w,
                        const float* dy, float* dx, float* dw);
void maxpool2d_backward_ref(cnn_context& ctx, const Pool2dGeometry& g, const float* x, const float* dy, float* dx);
void avgpool2d_backward_ref(cnn_context& ctx, const Pool2dGeometry& g, const float* dy, float* dx);
void global_avgpool2d_backward_ref(cnn_context& ctx, int64_t planes, int64_t plane_size, const float* dy, float* dx);
void activation_backward_ref(cnn_context& ctx, cnn_activation activation, float alpha, int64_t count, const float* x,
                             const float* dy, float* dx);
void softmax_backward_ref(cnn_context& ctx, int64_t outer, int64_t classes, int64_t inner, const float* y,
                          const float* dy, float* dx);
void softmax_cross_entropy_ref(cnn_context& ctx, int64_t n, int64_t classes, const float* logits,
                               const int32_t* labels, float label_smoothing, float* dlogits, float* loss,
                               int64_t* correct);
void dropout_ref(cnn_context& ctx, int64_t count, float rate, uint64_t seed, const float* in, float* out);
// The counter-based keep decision shared by every dropout kernel (and the OpenCL one): a pure function of
// (seed, index), so masks never depend on threads or devices.
bool dropout_keep(uint64_t seed, uint64_t index, float rate);
// The end of a training forward's channel, shared by every batch-norm kernel: from the batch mean and the sum of
// squared deviations over `count` elements, the running statistics (momentum; the unbiased variance, or the
// biased one for a single element) and the saved mean and 1 / std. Returns 1 / std, in double.
double batchnorm2d_channel_statistics(double mean, double squares, int64_t count, float momentum, float epsilon,
                                      float* running_mean, float* running_var, float* saved_mean,
                                      float* saved_inv_std);
void batchnorm2d_forward_training_ref(cnn_context& ctx, const BatchNormShape& s, const float* x, const float* gamma,
                                      const float* beta, float momentum, float epsilon, float* running_mean,
                                      float* running_var, float* saved_mean, float* saved_inv_std, float* y);
void batchnorm2d_forward_inference_ref(cnn_context& ctx, const BatchNormShape& s, const float* x, const float* gamma,
                                       const float* beta, const float* running_mean, const float* running_var,
                                       float epsilon, float* y);
void batchnorm2d_backward_ref(cnn_context& ctx, const BatchNormShape& s, const float* x, const float* gamma,
                              const float* saved_mean, const float* saved_inv_std, const float* dy, float* dx,
                              float* dgamma, float* dbeta);
void sgd_update_ref(cnn_context& ctx, const cnn_sgd_params& p, int64_t count, float* param, const float* grad,
                    float* velocity);
void adam_update_ref(cnn_context& ctx, const cnn_adam_params& p, int64_t count, float* param, const float* grad,
                     float* m, float* v);
void fill_ref(cnn_context& ctx, int64_t count, float value, float* x);
void scale_ref(cnn_context& ctx, int64_t count, float factor, float* x);
double sum_squares_ref(cnn_context& ctx, int64_t count, const float* x);

// ---- generic tier (kernels/generic/): portable C++, cache-blocked, threaded over the context ----
// sgemm_<isa>: kernels/gemm/sgemm_driver.cpp with the tier's micro-kernel and block sizes
// (kernels/gemm/sgemm_tiers.cpp); avx2/avx512 exist only when built with CNN_HAVE_AVX2 / CNN_HAVE_AVX512.
void sgemm_generic(cnn_context& ctx, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                   const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc);
void sgemm_avx2(cnn_context& ctx, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc);
void sgemm_avx512(cnn_context& ctx, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                  const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc);
// The table's GEMM with im2col inside its B packing and the weights packed once per call, bias (and, for
// _relu, ReLU) folded into the write-back (conv2d_forward_gemm.cpp; kernels/gemm/conv_forward.h has the variant
// that takes the tier and the batch strategy).
void conv2d_forward_gemm(cnn_context& ctx, const Conv2dGeometry& g, const float* x, const float* w, const float* bias,
                         float* y);
void conv2d_forward_gemm_relu(cnn_context& ctx, const Conv2dGeometry& g, const float* x, const float* w,
                              const float* bias, float* y);
void dense_forward_gemm(cnn_context& ctx, int64_t n, int64_t in, int64_t out, const float* x, const float* w,
                        const float* bias, float* y);
void dense_forward_gemm_relu(cnn_context& ctx, int64_t n, int64_t in, int64_t out, const float* x, const float* w,
                             const float* bias, float* y);
// Threads for a conv pass whose parallel loop is the batch (forward, backward data): min(n, context threads),
// or 1 when the whole pass is too small for a parallel region to pay (a few 100K multiply-adds).
int conv_image_threads(const cnn_context& ctx, const Conv2dGeometry& g);
// im2col of one image: col [(c*kh*kw), (oh*ow)].
void im2col(const Conv2dGeometry& g, const float* image, float* col);
// The adjoint of im2col: adds each column entry back into its image cell (image is zeroed first).
void col2im(const Conv2dGeometry& g, const float* col, float* image);
// GEMM paths of the training kernels.
void conv2d_backward_data_gemm(cnn_context& ctx, const Conv2dGeometry& g, const float* w, const float* dy, float* dx);
void conv2d_backward_filter_gemm(cnn_context& ctx, const Conv2dGeometry& g, const float* x, const float* dy,
                                 float* dw);
void dense_backward_gemm(cnn_context& ctx, int64_t n, int64_t in, int64_t out, const float* x, const float* w,
                         const float* dy, float* dx, float* dw);


// ---- avx2 / avx512 tiers: vectorised element-wise kernels (kernels/generic/simd_drivers.cpp around the
// inner loops of kernels/simd/simd_kernels.inc); they exist only when built with CNN_HAVE_AVX2 / _AVX512.
// The loss (softmax_cross_entropy: 640 logits a step in the reference network), fill and scale (already at memory
// speed as compiled: 13 MB in 1.3-1.5 ms on one thread) stay on the reference. The optimizer updates work in float
// (the reference in double).
// dense_forward_<isa> reads the weights in place for batches of up to 4 rows, else runs dense_forward_gemm.
#define CNN_DECLARE_SIMD_KERNELS(isa)                                                                              \
  void maxpool2d_forward_##isa(cnn_context& ctx, const Pool2dGeometry& g, const float* x, float* y);               \
  void maxpool2d_backward_##isa(cnn_context& ctx, const Pool2dGeometry& g, const float* x, const float* dy,        \
                                float* dx);                                                                        \
  void avgpool2d_forward_##isa(cnn_context& ctx, const Pool2dGeometry& g, const float* x, float* y);               \
  void global_avgpool2d_forward_##isa(cnn_context& ctx, int64_t planes, int64_t plane_size, const float* x,        \
                                      float* y);                                                                   \
  void activation_forward_##isa(cnn_context& ctx, cnn_activation activation, float alpha, int64_t count,           \
                                const float* x, float* y);                                                         \
  void activation_backward_##isa(cnn_context& ctx, cnn_activation activation, float alpha, int64_t count,          \
                                 const float* x, const float* dy, float* dx);                                      \
  void softmax_forward_##isa(cnn_context& ctx, int64_t outer, int64_t classes, int64_t inner, const float* x,      \
                             float* y);                                                                            \
  void softmax_backward_##isa(cnn_context& ctx, int64_t outer, int64_t classes, int64_t inner, const float* y,     \
                              const float* dy, float* dx);                                                         \
  void dense_forward_##isa(cnn_context& ctx, int64_t n, int64_t in, int64_t out, const float* x, const float* w,   \
                           const float* bias, float* y);                                                           \
  void dense_forward_relu_##isa(cnn_context& ctx, int64_t n, int64_t in, int64_t out, const float* x,              \
                                const float* w, const float* bias, float* y);                                      \
  double sum_squares_##isa(cnn_context& ctx, int64_t count, const float* x);                                      \
  void global_avgpool2d_backward_##isa(cnn_context& ctx, int64_t planes, int64_t plane_size, const float* dy,       \
                                       float* dx);                                                                 \
  void avgpool2d_backward_##isa(cnn_context& ctx, const Pool2dGeometry& g, const float* dy, float* dx);            \
  void bias_backward_##isa(cnn_context& ctx, int64_t n, int64_t channels, int64_t plane, const float* dy,           \
                           float* db);                                                                             \
  void sgd_update_##isa(cnn_context& ctx, const cnn_sgd_params& p, int64_t count, float* param, const float* grad, \
                        float* velocity);                                                                          \
  void adam_update_##isa(cnn_context& ctx, const cnn_adam_params& p, int64_t count, float* param,                  \
                         const float* grad, float* m, float* v);                                                   \
  void dropout_##isa(cnn_context& ctx, int64_t count, float rate, uint64_t seed, const float* in, float* out);    \
  void batchnorm2d_forward_training_##isa(cnn_context& ctx, const BatchNormShape& s, const float* x,               \
                                          const float* gamma, const float* beta, float momentum, float epsilon,    \
                                          float* running_mean, float* running_var, float* saved_mean,              \
                                          float* saved_inv_std, float* y);                                         \
  void batchnorm2d_forward_inference_##isa(cnn_context& ctx, const BatchNormShape& s, const float* x,              \
                                           const float* gamma, const float* beta, const float* running_mean,       \
                                           const float* running_var, float epsilon, float* y);                     \
  void batchnorm2d_backward_##isa(cnn_context& ctx, const BatchNormShape& s, const float* x, const float* gamma,    \
                                  const float* saved_mean, const float* saved_inv_std, const float* dy, float* dx, \
                                  float* dgamma, float* dbeta);
CNN_DECLARE_SIMD_KERNELS(avx2)
CNN_DECLARE_SIMD_KERNELS(avx512)
#undef CNN_DECLARE_SIMD_KERNELS

}  // namespace cnn
