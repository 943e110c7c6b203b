// Convolution backward: hand-worked gradients for the reference kernels, the generic tier (GEMM + col2im)
// against the reference on 240 random shapes (odd and prime sizes, stride 1-3, padding 0-3 per side, kernels
// 1x1 to 7x7, dilation 1-2, batch 1 and more) and on chosen ones, col2im as the exact adjoint of im2col,
// finite differences through the C ABI for dx, dw and db, skipped (NULL) gradients, and thread counts 1, 2
// and 3 giving identical bits. Bad arguments: test_conv2d_backward_args.cpp.
#include <cnn/cnn.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "core/context.h"
#include "kernels/kernels.h"
#include "conv2d_cases.h"
#include "simd_tiers.h"
#include "test_util.h"

namespace {

using namespace cnn_test;

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

size_t count(int64_t a, int64_t b, int64_t c, int64_t d) { return static_cast<size_t>(a * b * c * d); }

struct BackwardData {
  std::vector<float> x, w, dy, bias;
};

BackwardData make_data(const ConvCase& s, std::mt19937& rng) {
  const cnn::Conv2dGeometry g = geometry(s);
  BackwardData d;
  d.x = random_vector(count(s.n, s.c, s.h, s.w), rng);
  d.w = random_vector(count(s.oc, s.c, s.kh, s.kw), rng);
  d.dy = random_vector(count(g.n, g.oc, g.oh, g.ow), rng);
  d.bias = random_vector(static_cast<size_t>(s.oc), rng);
  return d;
}

struct Grads {
  std::vector<float> dx, dw, db;
};

// Runs one table's backward kernels directly; the gradients start as NaN so a skipped element fails.
Grads run_kernels(const cnn::KernelTable& table, cnn_context& ctx, const ConvCase& s, const BackwardData& d) {
  const cnn::Conv2dGeometry g = geometry(s);
  Grads out{std::vector<float>(d.x.size(), kNaN), std::vector<float>(d.w.size(), kNaN),
            std::vector<float>(static_cast<size_t>(s.oc), kNaN)};
  table.conv2d_backward_data(ctx, g, d.w.data(), d.dy.data(), out.dx.data());
  table.conv2d_backward_filter(ctx, g, d.x.data(), d.dy.data(), out.dw.data());
  table.bias_backward(ctx, g.n, g.oc, g.oh * g.ow, d.dy.data(), out.db.data());
  return out;
}

::testing::AssertionResult grads_close(const Grads& fast, const Grads& ref, const std::string& what) {
  ::testing::AssertionResult r = all_close(fast.dx, ref.dx, what + " dx");
  if (r) r = all_close(fast.dw, ref.dw, what + " dw");
  if (r) r = all_close(fast.db, ref.db, what + " db");
  return r;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// cnn_conv2d_backward with the gradients selected by the mask (1 dx, 2 dw, 4 db); unrequested ones come back empty.
Grads run_abi(cnn_context* ctx, const ConvCase& s, const BackwardData& d, int mask = 7) {
  const cnn::Conv2dGeometry g = geometry(s);
  TensorPtr x = make_tensor(ctx, {s.n, s.c, s.h, s.w}, d.x);
  TensorPtr w = make_tensor(ctx, {s.oc, s.c, s.kh, s.kw}, d.w);
  TensorPtr dy = make_tensor(ctx, {g.n, g.oc, g.oh, g.ow}, d.dy);
  TensorPtr dx = (mask & 1) ? make_tensor(ctx, {s.n, s.c, s.h, s.w}) : nullptr;
  TensorPtr dw = (mask & 2) ? make_tensor(ctx, {s.oc, s.c, s.kh, s.kw}) : nullptr;
  TensorPtr db = (mask & 4) ? make_tensor(ctx, {s.oc}) : nullptr;
  EXPECT_EQ(cnn_conv2d_backward(ctx, x.get(), w.get(), dy.get(), &s.p, dx.get(), dw.get(), db.get()), CNN_OK)
      << cnn_last_error_message();
  Grads out;
  if (dx) out.dx = read_tensor(dx.get());
  if (dw) out.dw = read_tensor(dw.get());
  if (db) out.db = read_tensor(db.get());
  return out;
}

std::vector<float> forward_abi(cnn_context* ctx, const ConvCase& s, const std::vector<float>& x,
                               const std::vector<float>& w, const std::vector<float>& bias) {
  const cnn::Conv2dGeometry g = geometry(s);
  TensorPtr xt = make_tensor(ctx, {s.n, s.c, s.h, s.w}, x);
  TensorPtr wt = make_tensor(ctx, {s.oc, s.c, s.kh, s.kw}, w);
  TensorPtr bt = make_tensor(ctx, {s.oc}, bias);
  TensorPtr yt = make_tensor(ctx, {g.n, g.oc, g.oh, g.ow});
  EXPECT_EQ(cnn_conv2d_forward(ctx, xt.get(), wt.get(), bt.get(), &s.p, yt.get()), CNN_OK) << cnn_last_error_message();
  return read_tensor(yt.get());
}

// Each SIMD tier's bias gradient (every plane summed by the vector kernel, the planes added in double) against the
// reference's double sum of every element; planes narrower than a vector go through the reference itself. 1 and 2
// threads give the same bits.
TEST(Conv2dBackward, BiasBackwardTiersMatchReference) {
  ContextPtr one = make_context(1), two = make_context(2);
  const cnn::KernelTable& ref = cnn::reference_kernels();
  std::mt19937 rng(515);
  for (const SimdTier& tier : simd_tiers()) {
    const char* isa = tier.isa;
    const cnn::KernelTable* table = tier.table;
    EXPECT_NE(table->bias_backward, ref.bias_backward) << isa;
    for (int64_t plane : {1, 7, 15, 16, 17, 49, 196, 784, 1031}) {
      for (int64_t channels : {1, 3, 32, 67}) {
        for (int64_t n : {1, 2, 5}) {
          const std::vector<float> dy = random_vector(static_cast<size_t>(n * channels * plane), rng);
          std::vector<float> expected(static_cast<size_t>(channels), kNaN), a = expected, b = expected;
          ref.bias_backward(*one, n, channels, plane, dy.data(), expected.data());
          table->bias_backward(*one, n, channels, plane, dy.data(), a.data());
          table->bias_backward(*two, n, channels, plane, dy.data(), b.data());
          const std::string what = std::string(isa) + " n " + std::to_string(n) + " channels " +
                                   std::to_string(channels) + " plane " + std::to_string(plane);
          ASSERT_TRUE(all_close(a, expected, what));
          ASSERT_TRUE(same_bits(a, b)) << what << ": 1 vs 2 threads";
        }
      }
    }
  }
}

TEST(Conv2dBackward, TablesNameTheirKernels) {
  EXPECT_EQ(cnn::generic_kernels().conv2d_backward_data, &cnn::conv2d_backward_data_gemm);
  EXPECT_EQ(cnn::generic_kernels().conv2d_backward_filter, &cnn::conv2d_backward_filter_gemm);
  EXPECT_EQ(cnn::reference_kernels().conv2d_backward_data, &cnn::conv2d_backward_data_ref);
  EXPECT_EQ(cnn::reference_kernels().conv2d_backward_filter, &cnn::conv2d_backward_filter_ref);
  EXPECT_EQ(cnn::reference_kernels().bias_backward, &cnn::bias_backward_ref);
}

TEST(Conv2dBackward, ReferenceMatchesHandWorkedAnswer) {
  ContextPtr ctx = make_context(1);
  // x = 1..9 in a 3x3 plane, w = [[1,2],[3,4]], stride 1, no padding: y is 2x2; dy = [[1,2],[3,4]].
  // dx is the full correlation sum_{ky,kx} w[ky][kx] * dy[iy-ky][ix-kx], e.g. the centre 4*1 + 3*2 + 2*3 + 1*4 = 20;
  // dw[ky][kx] = sum_{oy,ox} dy[oy][ox] * x[oy+ky][ox+kx], e.g. dw[0][0] = 1*1 + 2*2 + 3*4 + 4*5 = 37; db = 1+2+3+4.
  ConvCase s{1, 1, 3, 3, 1, 2, 2, {1, 1, 0, 0, 0, 0, 1, 1}, true};
  BackwardData d{{1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 2, 3, 4}, {1, 2, 3, 4}, {0}};
  Grads g = run_kernels(cnn::reference_kernels(), *ctx, s, d);
  EXPECT_EQ(g.dx, (std::vector<float>{1, 4, 4, 6, 20, 16, 9, 24, 16}));
  EXPECT_EQ(g.dw, (std::vector<float>{37, 47, 67, 77}));
  EXPECT_EQ(g.db, (std::vector<float>{10}));
}

TEST(Conv2dBackward, GemmMatchesReferenceOnRandomShapes) {
  ContextPtr ctx = make_context(2);
  std::mt19937 shapes(20240602);
  int batched = 0, strided = 0, dilated = 0, padded = 0, big_kernel = 0;
  for (uint32_t i = 0; i < 240; ++i) {
    ConvCase s = random_case(shapes);
    uint32_t seed = 7000 + i;
    std::mt19937 rng(seed);
    BackwardData d = make_data(s, rng);
    // dx sums up to OC*KH*KW = 441 products and dw up to N*OH*OW ~ 1900; both stay well inside 1e-4.
    ASSERT_TRUE(grads_close(run_kernels(cnn::generic_kernels(), *ctx, s, d),
                            run_kernels(cnn::reference_kernels(), *ctx, s, d), describe(s, seed)));
    batched += s.n > 1;
    strided += s.p.stride_h > 1 || s.p.stride_w > 1;
    dilated += s.p.dilation_h > 1 || s.p.dilation_w > 1;
    padded += s.p.pad_top != s.p.pad_bottom || s.p.pad_left != s.p.pad_right;
    big_kernel += s.kh >= 5 || s.kw >= 5;
  }
  // The generator really covered the cases it claims to.
  EXPECT_GT(batched, 60);
  EXPECT_GT(strided, 60);
  EXPECT_GT(dilated, 60);
  EXPECT_GT(padded, 60);
  EXPECT_GT(big_kernel, 60);
}

TEST(Conv2dBackward, GemmMatchesReferenceOnChosenShapes) {
  ContextPtr ctx = make_context(2);
  const ConvCase cases[] = {
      {1, 1, 1, 1, 1, 1, 1, {1, 1, 0, 0, 0, 0, 1, 1}, false},     // everything 1
      {2, 5, 7, 11, 3, 1, 1, {1, 1, 0, 0, 0, 0, 1, 1}, false},    // 1x1 shortcut: GEMM straight into dx
      {1, 4, 9, 9, 6, 1, 1, {2, 2, 0, 0, 0, 0, 1, 1}, false},     // 1x1 with stride: cells no window reads get 0
      {1, 3, 5, 5, 2, 1, 1, {1, 1, 1, 0, 0, 1, 1, 1}, false},     // 1x1 with padding
      {1, 2, 8, 8, 3, 2, 2, {3, 3, 0, 0, 0, 0, 1, 1}, false},     // stride > kernel: gaps in dx
      {3, 7, 13, 17, 11, 7, 7, {1, 1, 3, 3, 3, 3, 1, 1}, false},  // K = 343 > KC
      {1, 2, 3, 3, 2, 5, 5, {1, 1, 1, 1, 1, 1, 1, 1}, false},     // window equals the padded input
      {4, 1, 28, 28, 32, 5, 5, {1, 1, 2, 2, 2, 2, 1, 1}, false},  // reference network, layer 1
      {1, 32, 14, 14, 64, 5, 5, {1, 1, 2, 2, 2, 2, 1, 1}, false}, // layer 2: one image, threaded col2im/im2col
  };
  uint32_t seed = 7700;
  for (const ConvCase& s : cases) {
    std::mt19937 rng(++seed);
    BackwardData d = make_data(s, rng);
    ASSERT_TRUE(grads_close(run_kernels(cnn::generic_kernels(), *ctx, s, d),
                            run_kernels(cnn::reference_kernels(), *ctx, s, d), describe(s, seed)));
  }
}

TEST(Conv2dBackward, Col2imIsTheAdjointOfIm2col) {
  // <im2col(a), b> == <a, col2im(b)> for random a, b: col2im is im2col's transpose, padding, stride and
  // dilation included. Products of floats are exact in double, so the only difference is col2im's float sums of
  // up to KH*KW entries per cell: 1e-5 of the sum of |terms| bounds it.
  std::mt19937 shapes(4242);
  for (uint32_t i = 0; i < 200; ++i) {
    ConvCase s = random_case(shapes);
    const cnn::Conv2dGeometry g = geometry(s);
    std::mt19937 rng(9000 + i);
    std::vector<float> a = random_vector(count(1, g.c, g.h, g.w), rng);
    std::vector<float> b = random_vector(count(g.c * g.kh, g.kw, g.oh, g.ow), rng);
    std::vector<float> col_a(b.size(), kNaN), image_b(a.size(), kNaN);  // NaN: both must write every element
    cnn::im2col(g, a.data(), col_a.data());
    cnn::col2im(g, b.data(), image_b.data());
    double lhs = 0.0, rhs = 0.0, scale = 0.0;
    for (size_t j = 0; j < b.size(); ++j) {
      lhs += static_cast<double>(col_a[j]) * b[j];
      scale += std::fabs(static_cast<double>(col_a[j]) * b[j]);
    }
    for (size_t j = 0; j < a.size(); ++j) rhs += static_cast<double>(a[j]) * image_b[j];
    ASSERT_LE(std::fabs(lhs - rhs), 1e-5 * (1.0 + scale)) << describe(s, 9000 + i) << ": " << lhs << " vs " << rhs;
  }
}

TEST(Conv2dBackward, Col2imCountsTheWindowsOverEachCell) {
  // 3x3 kernel, stride 2, no padding on 5x5: output 2x2. Along each axis cell i is covered by the windows
  // starting at 0 and 2 as often as [1,1,2,1,1]; col2im of all ones gives the outer product of those counts.
  cnn::Conv2dGeometry g{1, 1, 5, 5, 1, 3, 3, 2, 2, 2, 2, 0, 0, 1, 1};
  std::vector<float> ones(9 * 4, 1.0f), image(25, kNaN);
  cnn::col2im(g, ones.data(), image.data());
  EXPECT_EQ(image, (std::vector<float>{1, 1, 2, 1, 1, 1, 1, 2, 1, 1, 2, 2, 4, 2, 2, 1, 1, 2, 1, 1, 1, 1, 2, 1, 1}));
  // Padding 1 all round with dilation 2 and stride 1 on 3x3: output 1x1, taps at rows/cols -1, 1, 3; only
  // the centre cell (1,1) lies inside, from tap (1,1) = col row 4.
  cnn::Conv2dGeometry d{1, 1, 3, 3, 1, 3, 3, 1, 1, 1, 1, 1, 1, 2, 2};
  std::vector<float> col{1, 2, 3, 4, 5, 6, 7, 8, 9}, small(9, kNaN);
  cnn::col2im(d, col.data(), small.data());
  EXPECT_EQ(small, (std::vector<float>{0, 0, 0, 0, 5, 0, 0, 0, 0}));
}

TEST(Conv2dBackward, FiniteDifferencesThroughTheAbi) {
  ContextPtr ctx = make_context(1);  // thousands of tiny forward calls: threads would only add overhead
  const ConvCase cases[] = {
      {2, 3, 6, 7, 4, 3, 3, {1, 1, 1, 1, 1, 1, 1, 1}, true},     // 3x3, same padding
      {2, 2, 9, 8, 3, 3, 2, {2, 2, 0, 2, 1, 0, 1, 1}, true},     // stride 2, asymmetric padding
      {1, 3, 9, 9, 2, 3, 3, {1, 1, 2, 1, 0, 2, 2, 2}, true},     // dilation 2
      {2, 2, 11, 10, 3, 5, 4, {3, 2, 2, 1, 0, 3, 1, 2}, true},   // stride 3x2, dilation 1x2
      {3, 4, 5, 5, 3, 1, 1, {1, 1, 0, 0, 0, 0, 1, 1}, true},     // 1x1 shortcut
  };
  uint32_t seed = 8100;
  for (const ConvCase& s : cases) {
    std::mt19937 rng(++seed);
    BackwardData d = make_data(s, rng);
    const std::string what = describe(s, seed) + " (active isa " + cnn_active_isa() + ")";
    Grads g = run_abi(ctx.get(), s, d);  // L = sum dy * y, so dL/dy = dy
    ASSERT_TRUE(check_gradient(
        what + " dx", d.x, d.dy, g.dx,
        [&](const std::vector<float>& x) { return forward_abi(ctx.get(), s, x, d.w, d.bias); }, rng));
    ASSERT_TRUE(check_gradient(
        what + " dw", d.w, d.dy, g.dw,
        [&](const std::vector<float>& w) { return forward_abi(ctx.get(), s, d.x, w, d.bias); }, rng));
    ASSERT_TRUE(check_gradient(
        what + " db", d.bias, d.dy, g.db,
        [&](const std::vector<float>& b) { return forward_abi(ctx.get(), s, d.x, d.w, b); }, rng));
  }
}

TEST(Conv2dBackward, NullGradientsAreSkipped) {
  // Every non-empty subset of {dx, dw, db} gives the same bits as the full call.
  ContextPtr ctx = make_context(2);
  ConvCase s{2, 3, 8, 7, 5, 3, 3, {2, 1, 1, 0, 1, 2, 1, 2}, false};
  std::mt19937 rng(8300);
  BackwardData d = make_data(s, rng);
  Grads all = run_abi(ctx.get(), s, d);
  for (int mask = 1; mask < 7; ++mask) {
    Grads some = run_abi(ctx.get(), s, d, mask);
    EXPECT_TRUE((mask & 1) ? same_bits(some.dx, all.dx) : some.dx.empty()) << "mask " << mask;
    EXPECT_TRUE((mask & 2) ? same_bits(some.dw, all.dw) : some.dw.empty()) << "mask " << mask;
    EXPECT_TRUE((mask & 4) ? same_bits(some.db, all.db) : some.db.empty()) << "mask " << mask;
  }
}

TEST(Conv2dBackward, ThreadCountsGiveIdenticalBits) {
  ContextPtr one = make_context(1);
  ContextPtr two = make_context(2);
  ContextPtr three = make_context(3);
  const ConvCase cases[] = {
      {4, 1, 28, 28, 32, 5, 5, {1, 1, 2, 2, 2, 2, 1, 1}, false},   // images split over threads
      {1, 32, 14, 14, 64, 5, 5, {1, 1, 2, 2, 2, 2, 1, 1}, false},  // one image: threaded GEMM, im2col, col2im
      {3, 9, 23, 19, 13, 3, 5, {2, 1, 3, 0, 1, 2, 2, 1}, false},   // 3 images on 2 threads
      {2, 64, 7, 7, 32, 1, 1, {1, 1, 0, 0, 0, 0, 1, 1}, false},    // 1x1 shortcut
  };
  uint32_t seed = 8400;
  for (const ConvCase& s : cases) {
    std::mt19937 rng(++seed);
    BackwardData d = make_data(s, rng);
    Grads g1 = run_kernels(cnn::generic_kernels(), *one, s, d);
    for (cnn_context* ctx : {two.get(), three.get()}) {
      Grads gn = run_kernels(cnn::generic_kernels(), *ctx, s, d);
      EXPECT_TRUE(same_bits(g1.dx, gn.dx)) << describe(s, seed) << " dx, threads " << ctx->threads.load();
      EXPECT_TRUE(same_bits(g1.dw, gn.dw)) << describe(s, seed) << " dw, threads " << ctx->threads.load();
      EXPECT_TRUE(same_bits(g1.db, gn.db)) << describe(s, seed) << " db, threads " << ctx->threads.load();
    }
  }
}

}  // namespace
