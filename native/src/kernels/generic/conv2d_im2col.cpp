// Computes y = conv(x, w) + bias per image as a GEMM: y_img[OC, OH*OW] = W[OC, C*KH*KW] * col[C*KH*KW, OH*OW],
// with col formed inside the GEMM's packing (no column buffer) and the bias added in its epilogue.
// Layout: x [n,c,h,w] NCHW, w [oc,c,kh,kw] OIHW (already the row-major W matrix), bias [oc] or null, y [n,oc,oh,ow].
// Reference kernel: conv2d_forward_ref (kernels/ref/conv2d_ref.cpp).
#include <algorithm>
#include <exception>

#include "core/context.h"
#include "kernels/gemm/conv_operands.h"
#include "kernels/gemm/sgemm_driver.h"
#include "kernels/kernels.h"

namespace cnn {

namespace {

// One image as one GEMM, y_img[OC, P] = W[OC, K] * col[K, P] with the bias added to each finished tile
// (the epilogue): col is packed straight from the image panel by panel (conv_image_operand), or, for a
// 1x1 stride-1 unpadded convolution, is the image itself ([C, H*W]).
void conv_image(const SgemmKernel& kernel, cnn_context& gemm_ctx, const Conv2dGeometry& g, bool image_is_col,
                const float* image, const float* w, const float* bias, float* out) {
  const int64_t k = g.c * g.kh * g.kw;
  const int64_t pixels = g.oh * g.ow;
  const GemmOperand b = image_is_col ? strided_operand(image, pixels, false) : conv_image_operand(g, image);
  sgemm_operands(kernel, gemm_ctx, g.oc, pixels, k, 1.0f, strided_operand(w, k, true), b, 0.0f, out, pixels,
                 GemmEpilogue{bias, nullptr, false});
}

// Below this many multiply-adds per thread, a parallel region over images costs more than it saves.
constexpr double kMinMultiplyAddsPerThread = 65536.0;

}  // namespace

int conv_image_threads(const cnn_context& ctx, const Conv2dGeometry& g) {
  const double work = static_cast<double>(g.n) * static_cast<double>(g.oc * g.oh * g.ow) *
                      static_cast<double>(g.c * g.kh * g.kw);  // multiply-adds of the whole pass
  const int64_t affordable = work < 2.0 * kMinMultiplyAddsPerThread ? 1 : ctx.threads.load();
  return static_cast<int>(std::clamp<int64_t>(g.n, 1, affordable));
}

void conv2d_forward_im2col(cnn_context& ctx, const Conv2dGeometry& g, const float* x, const float* w,
                           const float* bias, float* y) {
  const int64_t image_size = g.c * g.h * g.w;
  const int64_t out_size = g.oc * g.oh * g.ow;
  // A 1x1, stride-1, unpadded convolution reads each image as it is: [C, H*W] is already the col matrix.
  const bool image_is_col = g.kh == 1 && g.kw == 1 && g.stride_h == 1 && g.stride_w == 1 && g.pad_top == 0 &&
                            g.pad_left == 0 && g.oh == g.h && g.ow == g.w;
  // With at least one image per thread, threads take whole images and each GEMM runs on one thread; otherwise
  // images go one by one and the GEMM is threaded. Either way each image's arithmetic is the same, so the
  // bits do not depend on the thread count.
  const int threads = conv_image_threads(ctx, g);
  const SgemmKernel& kernel = blocked_gemm_kernel();

  if (threads == 1) {
    for (int64_t n = 0; n < g.n; ++n) conv_image(kernel, ctx, g, image_is_col, x + n * image_size, w, bias, y + n * out_size);
    return;
  }

  cnn_context single;  // the GEMM context of each image: one thread, since the images are the parallel loop
  single.threads.store(1);
  std::exception_ptr error;
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int64_t n = 0; n < g.n; ++n) {
    try {  // nothing may leave an OpenMP region by exception; the first one is rethrown below
      conv_image(kernel, single, g, image_is_col, x + n * image_size, w, bias, y + n * out_size);
    } catch (...) {
#pragma omp critical(cnn_conv2d_error)
      if (!error) error = std::current_exception();
    }
  }
  if (error) std::rethrow_exception(error);
}

}  // namespace cnn
