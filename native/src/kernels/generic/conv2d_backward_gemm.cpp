// Computes conv gradients by GEMM: dx_img = col2im(W^T * dy_img) and dw = sum over images of dy_img * col(x_img)^T.
// Layout: x, dx [n,c,h,w] NCHW; w, dw [oc,c,kh,kw] OIHW (the row-major W [OC, C*KH*KW]); dy [n,oc,oh,ow].
// Reference kernel: conv2d_backward_data_ref, conv2d_backward_filter_ref (kernels/ref/conv2d_backward_ref.cpp).
#include <omp.h>

#include <algorithm>
#include <exception>
#include <optional>
#include <string>

#include "core/context.h"
#include "core/error.h"
#include "kernels/gemm/conv_operands.h"
#include "kernels/gemm/sgemm_driver.h"
#include "kernels/kernels.h"

namespace cnn {

namespace {

// Below this many floats of im2col / col2im per thread, splitting an image over channels costs more than it saves.
constexpr int64_t kMinColFloatsPerThread = 32768;

// A 1x1, stride-1, unpadded convolution: each image [C, H*W] already is its col matrix.
bool image_is_col(const Conv2dGeometry& g) {
  return g.kh == 1 && g.kw == 1 && g.stride_h == 1 && g.stride_w == 1 && g.pad_top == 0 && g.pad_left == 0 &&
         g.oh == g.h && g.ow == g.w;
}

// Scratch for `copies` col matrices of [C*KH*KW, OH*OW] floats (none when the image is its own col matrix).
std::optional<Scratch> col_scratch(cnn_context& ctx, const Conv2dGeometry& g, int64_t copies) {
  if (image_is_col(g)) return std::nullopt;
  const int64_t k = g.c * g.kh * g.kw;
  const int64_t pixels = g.oh * g.ow;
  int64_t floats = 0;
  if (__builtin_mul_overflow(k, pixels, &floats) || __builtin_mul_overflow(floats, copies, &floats))
    fail(CNN_OUT_OF_MEMORY, "the im2col buffer of " + std::to_string(copies) + " x " + std::to_string(k) + " x " +
                                std::to_string(pixels) + " floats overflows");
  return ctx.scratch(static_cast<size_t>(floats));
}

// Runs per_channel(geometry, c) over the channels of one image: once with (g, 0) for the whole image, or split
// over threads with a one-channel geometry per channel when the context has threads to spare. Each channel's
// col rows and image cells belong to one thread and are computed as in the serial loop: the bits do not change.
template <class PerChannel>
void over_channels(const cnn_context& ctx, const Conv2dGeometry& g, PerChannel per_channel) {
  const int64_t col_floats = g.c * g.kh * g.kw * g.oh * g.ow;
  const int threads =
      static_cast<int>(std::min<int64_t>(parallel_threads(ctx, col_floats, 2 * kMinColFloatsPerThread), g.c));
  if (threads <= 1) {
    per_channel(g, 0);
    return;
  }
  Conv2dGeometry one = g;
  one.c = 1;
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int64_t c = 0; c < g.c; ++c) per_channel(one, c);
}

// dx of one image: col = W^T * dy_img on gemm_ctx, then col2im; the 1x1 shortcut writes the GEMM into dx_img.
void data_image(cnn_context& gemm_ctx, SgemmFn sgemm, const Conv2dGeometry& g, const float* w, const float* dy_img,
                float* col, float* dx_img) {
  const int64_t k = g.c * g.kh * g.kw;
  const int64_t pixels = g.oh * g.ow;
  const bool direct = col == nullptr;
  sgemm(gemm_ctx, true, false, k, pixels, g.oc, 1.0f, w, k, dy_img, pixels, 0.0f, direct ? dx_img : col, pixels);
  if (direct) return;
  const int64_t plane = g.h * g.w;
  const int64_t rows = g.kh * g.kw * pixels;  // col floats per channel
  over_channels(gemm_ctx, g, [&](const Conv2dGeometry& part, int64_t c) {
    col2im(part, col + c * rows, dx_img + c * plane);
  });
}

}  // namespace

void conv2d_backward_data_gemm(cnn_context& ctx, const Conv2dGeometry& g, const float* w, const float* dy,
                               float* dx) {
  const int64_t image_size = g.c * g.h * g.w;
  const int64_t dy_size = g.oc * g.oh * g.ow;
  const int64_t col_size = g.c * g.kh * g.kw * g.oh * g.ow;
  // As in conv2d_forward_gemm's per-image strategy: with several images and enough work, threads take whole
  // images and each GEMM runs on one thread; otherwise images go one by one and the GEMM is threaded. Images never share a cell
  // of dx and each image's arithmetic is the same either way, so the bits do not depend on the thread count.
  const int threads = conv_image_threads(ctx, g);
  std::optional<Scratch> col = col_scratch(ctx, g, threads);
  float* col_base = col ? col->data() : nullptr;
  const SgemmFn sgemm = kernels().sgemm;

  if (threads == 1) {
    for (int64_t n = 0; n < g.n; ++n) data_image(ctx, sgemm, g, w, dy + n * dy_size, col_base, dx + n * image_size);
    return;
  }

  cnn_context single;  // the GEMM context of each image: one thread, since the images are the parallel loop
  single.threads.store(1);
  std::exception_ptr error;
#pragma omp parallel num_threads(threads)
  {
    float* my_col = col_base != nullptr ? col_base + omp_get_thread_num() * col_size : nullptr;
#pragma omp for schedule(static)
    for (int64_t n = 0; n < g.n; ++n) {
      try {  // nothing may leave an OpenMP region by exception; the first one is rethrown below
        data_image(single, sgemm, g, w, dy + n * dy_size, my_col, dx + n * image_size);
      } catch (...) {
#pragma omp critical(cnn_conv2d_backward_error)
        if (!error) error = std::current_exception();
      }
    }
  }
  if (error) std::rethrow_exception(error);
}

// One GEMM over the whole batch: dw[OC, K] = dY[OC, N*P] * COL[K, N*P]^T, with both operands packed straight
// from dy and x (conv_operands.h). The driver splits M and N between threads, never the depth, so dw is
// summed in one fixed order (image by image, pixel by pixel) on any thread count.
void conv2d_backward_filter_gemm(cnn_context& ctx, const Conv2dGeometry& g, const float* x, const float* dy,
                                 float* dw) {
  const int64_t k = g.c * g.kh * g.kw;
  const int64_t depth = g.n * g.oh * g.ow;
  sgemm_operands(blocked_gemm_kernel(), ctx, g.oc, k, depth, 1.0f, conv_dy_batch_operand(g, dy),
                 conv_x_batch_operand(g, x), 0.0f, dw, k, GemmEpilogue{nullptr, nullptr, false});
}

}  // namespace cnn
