// Computes y = act(conv(x, w) + bias) as GEMMs y[OC, pixels] = W[OC, C*KH*KW] * col[C*KH*KW, pixels], with col
// (im2col of x) formed inside the GEMM's B packing (kernels/gemm/conv_forward_pack.cpp), W packed once per
// call, and bias (+ ReLU) applied to each finished tile in the write-back. Layout: x [n,c,h,w] NCHW, w
// [oc,c,kh,kw] OIHW (already the row-major W matrix), bias [oc] or null, y [n,oc,oh,ow].
// Reference kernel: conv2d_forward_ref (kernels/ref/conv2d_ref.cpp).
#include <omp.h>

#include <exception>
#include <string>

#include "core/context.h"
#include "core/error.h"
#include "kernels/gemm/conv_operands.h"
#include "kernels/gemm/conv_forward.h"
#include "kernels/gemm/sgemm_driver.h"
#include "kernels/kernels.h"

namespace cnn {

namespace {

bool image_is_col(const Conv2dGeometry& g) {
  return g.kh == 1 && g.kw == 1 && g.stride_h == 1 && g.stride_w == 1 && g.pad_top == 0 && g.pad_left == 0 &&
         g.oh == g.h && g.ow == g.w;
}

// One image's GEMM on gemm_ctx. A 1x1, stride-1, unpadded convolution hands the image itself to the GEMM as
// B ([C, H*W] is already the col matrix): the GEMM's own packing is the only copy.
void conv_image(const SgemmKernel& kernel, cnn_context& gemm_ctx, const Conv2dGeometry& g, const ConvForwardB& col,
                const float* packed_w, const float* image, const GemmEpilogue& epilogue, float* out) {
  const int64_t k = g.c * g.kh * g.kw;
  const int64_t pixels = g.oh * g.ow;
  const GemmOperand b = image_is_col(g) ? strided_operand(image, pixels, false) : conv_x_forward_operand(col, image);
  sgemm_prepacked_a(kernel, gemm_ctx, g.oc, pixels, k, packed_w, b, out, pixels, 0, 0, epilogue);
}

}  // namespace

ConvBatchPlan conv_batch_plan(const cnn_context& ctx, const Conv2dGeometry& g) {
  (void)ctx;
  (void)g;
  return ConvBatchPlan::kWholeBatch;
}

void conv2d_forward_gemm_with(const SgemmKernel& kernel, cnn_context& ctx, const Conv2dGeometry& g,
                              ConvBatchPlan plan, const float* x, const float* w, const float* bias, bool relu,
                              float* y) {
  const int64_t k = g.c * g.kh * g.kw;  // GEMM depth: <= element count of w
  const int64_t pixels = g.oh * g.ow;   // columns of one image: <= element count of y
  const int64_t image_size = g.c * g.h * g.w;
  const int64_t out_size = g.oc * pixels;
  const GemmEpilogue epilogue{bias, nullptr, relu};
  const ConvForwardB col = conv_forward_b(kernel, g);

  Scratch packed(ctx.scratch(static_cast<size_t>(sgemm_packed_a_floats(kernel, g.oc, k))));
  sgemm_pack_a(kernel, g.oc, k, strided_operand(w, k, true), packed.data());

  if (plan == ConvBatchPlan::kWholeBatch) {
    // Columns j = image * pixels + pixel; C's column segments are the images of y.
    sgemm_prepacked_a(kernel, ctx, g.oc, g.n * pixels, k, packed.data(), conv_x_forward_operand(col, x), y, pixels,
                      pixels, out_size, epilogue);
    return;
  }

  // Per image: with at least one image per thread, threads take whole images and each GEMM runs on one
  // thread; otherwise images go one by one and the GEMM is threaded. Either way each image's arithmetic is the
  // same, so the bits do not depend on the thread count.
  const int threads = conv_image_threads(ctx, g);
  if (threads == 1) {
    for (int64_t n = 0; n < g.n; ++n)
      conv_image(kernel, ctx, g, col, packed.data(), x + n * image_size, epilogue, y + n * out_size);
    return;
  }
  cnn_context single;  // the GEMM context of each image: one thread, since the images are the parallel loop
  single.threads.store(1);
  std::exception_ptr error;
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int64_t n = 0; n < g.n; ++n) {
    try {  // nothing may leave an OpenMP region by exception; the first one is rethrown below
      conv_image(kernel, single, g, col, packed.data(), x + n * image_size, epilogue, y + n * out_size);
    } catch (...) {
#pragma omp critical(cnn_conv2d_error)
      if (!error) error = std::current_exception();
    }
  }
  if (error) std::rethrow_exception(error);
}

void conv2d_forward_gemm(cnn_context& ctx, const Conv2dGeometry& g, const float* x, const float* w, const float* bias,
                         float* y) {
  conv2d_forward_gemm_with(blocked_gemm_kernel(), ctx, g, conv_batch_plan(ctx, g), x, w, bias, false, y);
}

void conv2d_forward_gemm_relu(cnn_context& ctx, const Conv2dGeometry& g, const float* x, const float* w,
                              const float* bias, float* y) {
  conv2d_forward_gemm_with(blocked_gemm_kernel(), ctx, g, conv_batch_plan(ctx, g), x, w, bias, true, y);
}

}  // namespace cnn
