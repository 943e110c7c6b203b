// Computes y = act(conv(x, w) + bias) as GEMMs y[OC, pixels] = W[OC, C*KH*KW] * col[C*KH*KW, pixels], with col
// (im2col of x) formed inside the GEMM's B packing (kernels/gemm/conv_forward_pack.cpp), W packed once per
// call, and bias (+ ReLU) applied to each finished tile in the write-back. Layout: x [n,c,h,w] NCHW, w
// [oc,c,kh,kw] OIHW (already the row-major W matrix), bias [oc] or null, y [n,oc,oh,ow].
// Reference kernel: conv2d_forward_ref (kernels/ref/conv2d_ref.cpp).
#include <omp.h>

#include <algorithm>
#include <exception>
#include <string>

#include "core/context.h"
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

// Below this many multiply-adds per thread, a parallel region over images costs more than it saves.
constexpr double kMinMultiplyAddsPerThread = 65536.0;

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

int conv_image_threads(const cnn_context& ctx, const Conv2dGeometry& g) {
  const double work = static_cast<double>(g.n) * static_cast<double>(g.oc * g.oh * g.ow) *
                      static_cast<double>(g.c * g.kh * g.kw);  // multiply-adds of the whole pass
  const int64_t affordable = work < 2.0 * kMinMultiplyAddsPerThread ? 1 : ctx.threads.load();
  return static_cast<int>(std::clamp<int64_t>(g.n, 1, affordable));
}

// The batch strategy. One GEMM over the whole batch (n = N*OH*OW) unless each image is at least one full NC
// block of columns (kPerImageMinColumns) and the images split evenly between the threads; then one GEMM per
// image. Measured on the 2-core Sapphire Rapids VM (avx512 tier, one thread, best thread CPU time of ~1 s, two
// rounds at load average 4-6, so only large gaps count):
//  - small images favour the whole batch, as a per-image GEMM ends every image in a partial panel (OH*OW = 49
//    runs two 32-column panels for 49 columns) and pays a call's fixed costs per image: 7x7 images, 128 -> 128
//    channels, 3x3: 96 / 69 GFLOP/s whole batch vs 81 / 62 per image; L2 (14x14): 96 / 68 vs 69 / 67;
//  - from 28x28 up it is a tie: L1 (28x28) 61-62 either way, L3 (56x56) 104-106, L4 (112x112 output) 95; there
//    per-image keeps one image's C (OC x OH*OW) in L2 across the depth blocks, where the whole batch sweeps a
//    thread's share of all images once per depth block, so large images go per image;
//  - by construction, an uneven split (N % threads != 0, e.g. batch 3 on 2 threads) would leave one thread idle
//    through the last image, while the whole batch splits its columns evenly.
// Either way every output element gets the same arithmetic (same depth blocks, same micro-kernel), so the
// choice never changes a bit of y (tests/native/test_conv2d_forward_gemm.cpp checks it).
constexpr int64_t kPerImageMinColumns = 1024;

ConvBatchPlan conv_batch_plan(const cnn_context& ctx, const Conv2dGeometry& g) {
  const int64_t threads = conv_image_threads(ctx, g);
  const bool even_split = g.n % threads == 0;
  return g.oh * g.ow >= kPerImageMinColumns && even_split ? ConvBatchPlan::kPerImage : ConvBatchPlan::kWholeBatch;
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
