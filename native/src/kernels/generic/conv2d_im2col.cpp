// Computes y = conv(x, w) + bias per image as a GEMM: y_img[OC, OH*OW] = W[OC, C*KH*KW] * col[C*KH*KW, OH*OW],
// the bias added to each finished tile (the GEMM's epilogue). The col matrix is built by im2col (contiguous
// row copies) and then packed: measured faster here than forming it inside the packing (conv_operands.h), whose
// per-tap scalar gathers of short runs cost conv2 of the reference network 29-35 ms against 21 ms (batch 64,
// one thread). The filter gradient does use that packing, where it spares a whole-batch column buffer.
// Layout: x [n,c,h,w] NCHW, w [oc,c,kh,kw] OIHW (already the row-major W matrix), bias [oc] or null, y [n,oc,oh,ow].
// Reference kernel: conv2d_forward_ref (kernels/ref/conv2d_ref.cpp).
#include <omp.h>

#include <algorithm>
#include <exception>
#include <optional>
#include <string>

#include "core/context.h"
#include "core/error.h"
#include "kernels/gemm/sgemm_driver.h"
#include "kernels/kernels.h"

namespace cnn {

namespace {

// One image: im2col into `col` (unless the image already is the col matrix), then one GEMM on gemm_ctx.
void conv_image(const SgemmKernel& kernel, cnn_context& gemm_ctx, const Conv2dGeometry& g, bool image_is_col,
                const float* image, const float* w, const float* bias, float* col, float* out) {
  const int64_t k = g.c * g.kh * g.kw;
  const int64_t pixels = g.oh * g.ow;
  const float* b = image;
  if (!image_is_col) {
    im2col(g, image, col);
    b = col;
  }
  sgemm_operands(kernel, gemm_ctx, g.oc, pixels, k, 1.0f, strided_operand(w, k, true), strided_operand(b, pixels, false),
                 0.0f, out, pixels, GemmEpilogue{bias, nullptr, false});
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
  const int64_t k = g.c * g.kh * g.kw;  // GEMM depth: <= element count of w
  const int64_t pixels = g.oh * g.ow;   // GEMM columns: <= element count of y
  const int64_t image_size = g.c * g.h * g.w;
  const int64_t out_size = g.oc * pixels;
  // A 1x1, stride-1, unpadded convolution reads each image as it is: [C, H*W] is already the col matrix.
  const bool image_is_col = g.kh == 1 && g.kw == 1 && g.stride_h == 1 && g.stride_w == 1 && g.pad_top == 0 &&
                            g.pad_left == 0 && g.oh == g.h && g.ow == g.w;
  // With at least one image per thread, threads take whole images (im2col included) and each GEMM runs on
  // one thread; otherwise images go one by one and the GEMM is threaded. Either way each image's
  // arithmetic is the same, so the bits do not depend on the thread count.
  const int threads = conv_image_threads(ctx, g);

  int64_t col_floats = 0;
  if (!image_is_col && (__builtin_mul_overflow(k, pixels, &col_floats) ||
                        __builtin_mul_overflow(col_floats, int64_t{threads}, &col_floats)))
    fail(CNN_OUT_OF_MEMORY, "the im2col buffer of " + std::to_string(threads) + " x " + std::to_string(k) + " x " +
                                std::to_string(pixels) + " floats overflows");
  std::optional<Scratch> col;
  if (!image_is_col) col.emplace(ctx.scratch(static_cast<size_t>(col_floats)));
  float* col_base = col ? col->data() : nullptr;
  const int64_t col_per_thread = col_floats / threads;
  const SgemmKernel& kernel = blocked_gemm_kernel();

  if (threads == 1) {
    for (int64_t n = 0; n < g.n; ++n)
      conv_image(kernel, ctx, g, image_is_col, x + n * image_size, w, bias, col_base, y + n * out_size);
    return;
  }

  cnn_context single;  // the GEMM context of each image: one thread, since the images are the parallel loop
  single.threads.store(1);
  std::exception_ptr error;
#pragma omp parallel num_threads(threads)
  {
    float* my_col = col_base != nullptr ? col_base + omp_get_thread_num() * col_per_thread : nullptr;
#pragma omp for schedule(static)
    for (int64_t n = 0; n < g.n; ++n) {
      try {  // nothing may leave an OpenMP region by exception; the first one is rethrown below
        conv_image(kernel, single, g, image_is_col, x + n * image_size, w, bias, my_col, y + n * out_size);
      } catch (...) {
#pragma omp critical(cnn_conv2d_error)
        if (!error) error = std::current_exception();
      }
    }
  }
  if (error) std::rethrow_exception(error);
}

}  // namespace cnn
