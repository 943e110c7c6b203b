// The Winograd convolutions F(2x2, 5x5) and F(4x4, 3x3) (kernels/gemm/conv_winograd.h): each tier's kernels
// (AVX2: 6 x 16; AVX-512: 7 x 64, 14 x 32; each for both filter sizes) against conv2d_forward_ref on random
// stride-1 geometries of their filter size (sizes 1 and primes, outputs that leave part of a tile, rows wider than
// a vector of tiles, paddings 0 to r - 1 per side, channel counts that are not multiples of 16, batch 1-3, with
// and without bias and ReLU), its flipped form against
// conv2d_backward_data_ref, identical bits for 1, 2 and 3 threads, NaN never lost, which shapes each tier's table
// sends to it, and that the tables' forward convolution and data gradient are the Winograd kernel's.
//
// Tolerance: Winograd adds and scales in float through its transforms, so its rounding error is a multiple of the
// direct sum's. The bound is relative to the sum of the magnitudes of the products (the reference convolution of
// |x| and |w|, plus |bias|): every element within kTolerance of 1 + it. The worst seen over these cases is ~5.5e-6
// for F(4x4, 3x3) (its A^T has 8s) and ~2.1e-6 for F(2x2, 5x5); at 5e-6 the tests fail.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "conv2d_cases.h"
#include "direct_tiers.h"
#include "core/context.h"
#include "kernels/gemm/conv_direct.h"
#include "kernels/gemm/conv_winograd.h"
#include "kernels/kernels.h"
#include "test_util.h"

namespace {

using namespace cnn_test;

#if defined(CNN_HAVE_AVX2) || defined(CNN_HAVE_AVX512)

constexpr float kTolerance = 2e-5f;

struct WinogradTier {
  const char* name;
  const cnn::KernelTable* table;  // null when the CPU lacks the tier
  std::vector<const cnn::ConvWinogradKernel*> kernels;
  const cnn::ConvWinogradKernel* (*choose)(const cnn::Conv2dGeometry& g, int threads);
};

std::vector<WinogradTier> tiers() {
  std::vector<WinogradTier> t;
#if defined(CNN_HAVE_AVX2)
  t.push_back({"AVX2",
               cnn::kernel_table("avx2"),
               {&cnn::conv_winograd_kernel_avx2_6x16(), &cnn::conv_winograd3_kernel_avx2_6x16()},
               cnn::conv_winograd_choice_avx2});
#endif
#if defined(CNN_HAVE_AVX512)
  t.push_back({"AVX-512",
               cnn::kernel_table("avx512"),
               {&cnn::conv_winograd_kernel_avx512_7x64(), &cnn::conv_winograd_kernel_avx512_14x32(),
                &cnn::conv_winograd3_kernel_avx512_7x64(), &cnn::conv_winograd3_kernel_avx512_14x32()},
               cnn::conv_winograd_choice_avx512});
#endif
  return t;
}

// A random stride-1 case with r x r filters. The outputs go up to 23 wide (12 tiles of 2 or 6 of 4: more than a
// vector's worth of output pixels, so the output transform runs two chunks).
ConvCase random_winograd_case(std::mt19937& rng, int32_t r) {
  auto pick = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  auto pick32 = [&](int32_t lo, int32_t hi) { return std::uniform_int_distribution<int32_t>(lo, hi)(rng); };
  for (;;) {
    ConvCase s{};
    s.n = pick(1, 3);
    s.c = pick(0, 2) == 0 ? pick(1, 5) : pick(6, 40);
    s.h = pick(1, 23);
    s.w = pick(1, 23);
    s.oc = pick(0, 2) == 0 ? pick(1, 17) : pick(18, 70);
    s.kh = r;
    s.kw = r;
    s.p = {1, 1, pick32(0, r - 1), pick32(0, r - 1), pick32(0, r - 1), pick32(0, r - 1), 1, 1};
    s.bias = pick(0, 1) == 1;
    if (s.h + s.p.pad_top + s.p.pad_bottom >= r && s.w + s.p.pad_left + s.p.pad_right >= r) return s;
  }
}

// The reference convolution of |x| and |w| plus |bias|: the scale of each output's rounding error.
std::vector<float> magnitudes(cnn_context& ctx, const cnn::Conv2dGeometry& g, const ConvData& d, bool bias) {
  std::vector<float> ax(d.x.size()), aw(d.w.size()), ab(d.bias.size());
  std::transform(d.x.begin(), d.x.end(), ax.begin(), [](float v) { return std::fabs(v); });
  std::transform(d.w.begin(), d.w.end(), aw.begin(), [](float v) { return std::fabs(v); });
  std::transform(d.bias.begin(), d.bias.end(), ab.begin(), [](float v) { return std::fabs(v); });
  std::vector<float> m(static_cast<size_t>(g.n * g.oc * g.oh * g.ow));
  cnn::conv2d_forward_ref(ctx, g, ax.data(), aw.data(), bias ? ab.data() : nullptr, m.data());
  return m;
}

::testing::AssertionResult within(const std::vector<float>& fast, const std::vector<float>& ref,
                                  const std::vector<float>& scale, const std::string& what) {
  for (size_t i = 0; i < ref.size(); ++i) {
    const float diff = std::fabs(fast[i] - ref[i]);
    if (!(diff <= kTolerance * (1.0f + scale[i])))
      return ::testing::AssertionFailure() << what << ": element " << i << " is " << fast[i] << ", reference "
                                           << ref[i] << " (diff " << diff << ", scale " << scale[i] << ")";
  }
  return ::testing::AssertionSuccess();
}

// y starts as NaN, so an element the kernel skips fails the comparison.
std::vector<float> run_winograd(const cnn::ConvWinogradKernel& k, cnn_context& ctx, const cnn::Conv2dGeometry& g,
                                const float* x, const float* w, bool flipped, const float* bias, bool relu) {
  std::vector<float> y(static_cast<size_t>(g.n * g.oc * g.oh * g.ow), std::numeric_limits<float>::quiet_NaN());
  cnn::conv2d_forward_winograd(k, ctx, g, x, w, flipped, bias, relu, y.data());
  return y;
}

std::vector<const cnn::ConvWinogradKernel*> all_kernels() { return runnable_kernels(tiers()); }

TEST(Conv2dWinograd, MatchesReferenceOnRandomShapes) {
  ContextPtr ctx = make_context(1);
  int checked = 0;
  for (const cnn::ConvWinogradKernel* k : all_kernels()) {
    for (uint32_t seed = 1; seed <= 60; ++seed) {
      std::mt19937 rng(seed);
      const ConvCase s = random_winograd_case(rng, static_cast<int32_t>(k->r));
      const cnn::Conv2dGeometry g = geometry(s);
      ASSERT_TRUE(cnn::winograd_fits(g));
      const ConvData d = make_conv_data(s, rng);
      const bool relu = seed % 2 == 0;
      const std::vector<float> ref = run_conv_ref(*ctx, s, d, relu);
      const std::vector<float> scale = magnitudes(*ctx, g, d, s.bias);
      const std::vector<float> y =
          run_winograd(*k, *ctx, g, d.x.data(), d.w.data(), false, s.bias ? d.bias.data() : nullptr, relu);
      ASSERT_TRUE(within(y, ref, scale, std::string(k->name) + " " + describe(s, seed) + (relu ? " relu" : "")));
      ++checked;
    }
  }
  std::cout << "[ winograd ] " << checked << " forward cases\n";
}

// The benchmark layers L2 (at batch 2) and L3 (one image, 64 -> 64 at 56x56), and wide layers of each filter size:
// more channels than the random cases reach.
TEST(Conv2dWinograd, MatchesReferenceOnChosenShapes) {
  ContextPtr ctx = make_context(2);
  const ConvCase cases[] = {{2, 32, 14, 14, 64, 5, 5, {1, 1, 2, 2, 2, 2, 1, 1}, true},
                            {1, 64, 30, 41, 48, 5, 5, {1, 1, 2, 2, 2, 2, 1, 1}, true},
                            {1, 64, 56, 56, 64, 3, 3, {1, 1, 1, 1, 1, 1, 1, 1}, true},
                            {2, 128, 15, 18, 40, 3, 3, {1, 1, 1, 1, 1, 1, 1, 1}, true}};
  for (const cnn::ConvWinogradKernel* k : all_kernels()) {
    uint32_t seed = 100;
    for (const ConvCase& s : cases) {
      if (s.kh != k->r) continue;
      std::mt19937 rng(++seed);
      const cnn::Conv2dGeometry g = geometry(s);
      const ConvData d = make_conv_data(s, rng);
      const std::vector<float> ref = run_conv_ref(*ctx, s, d, true);
      const std::vector<float> y = run_winograd(*k, *ctx, g, d.x.data(), d.w.data(), false, d.bias.data(), true);
      EXPECT_TRUE(within(y, ref, magnitudes(*ctx, g, d, true), std::string(k->name) + " " + describe(s, seed)));
    }
  }
}

// The flipped form computes a data gradient: conv_backward_data_as_forward's geometry, w as [C, OC, 5, 5] of the
// forward convolution.
TEST(Conv2dWinograd, FlippedComputesTheDataGradient) {
  ContextPtr ctx = make_context(1);
  for (const cnn::ConvWinogradKernel* k : all_kernels()) {
    for (uint32_t seed = 200; seed < 230; ++seed) {
      std::mt19937 rng(seed);
      const ConvCase s = random_winograd_case(rng, static_cast<int32_t>(k->r));
      const cnn::Conv2dGeometry g = geometry(s);
      const std::optional<cnn::Conv2dGeometry> t = cnn::conv_backward_data_as_forward(g);
      ASSERT_TRUE(t.has_value()) << describe(s, seed);
      const std::vector<float> w = random_vector(static_cast<size_t>(g.oc * g.c * g.kh * g.kw), rng);
      const std::vector<float> dy = random_vector(static_cast<size_t>(g.n * g.oc * g.oh * g.ow), rng);
      std::vector<float> ref(static_cast<size_t>(g.n * g.c * g.h * g.w));
      cnn::conv2d_backward_data_ref(*ctx, g, w.data(), dy.data(), ref.data());
      // The scale: the same gradient of |w| and |dy|.
      std::vector<float> aw(w.size()), ady(dy.size()), scale(ref.size());
      std::transform(w.begin(), w.end(), aw.begin(), [](float v) { return std::fabs(v); });
      std::transform(dy.begin(), dy.end(), ady.begin(), [](float v) { return std::fabs(v); });
      cnn::conv2d_backward_data_ref(*ctx, g, aw.data(), ady.data(), scale.data());
      const std::vector<float> dx = run_winograd(*k, *ctx, *t, dy.data(), w.data(), true, nullptr, false);
      ASSERT_TRUE(within(dx, ref, scale, std::string(k->name) + " data gradient of " + describe(s, seed)));
    }
  }
}

// Each image is one thread's from start to end: 1, 2 and 3 threads give the same bits.
TEST(Conv2dWinograd, ThreadCountsGiveIdenticalBits) {
  for (const cnn::ConvWinogradKernel* k : all_kernels()) {
    const int64_t r = k->r;
    const ConvCase s{5, 24, 11, 17, 40, r, r, {1, 1, 2, 1, 1, 0, 1, 1}, true};
    std::mt19937 rng(9);
    const ConvData d = make_conv_data(s, rng);
    const cnn::Conv2dGeometry g = geometry(s);
    ContextPtr one = make_context(1);
    const std::vector<float> y1 = run_winograd(*k, *one, g, d.x.data(), d.w.data(), false, d.bias.data(), true);
    for (int32_t threads : {2, 3}) {
      ContextPtr ctx = make_context(threads);
      const std::vector<float> y = run_winograd(*k, *ctx, g, d.x.data(), d.w.data(), false, d.bias.data(), true);
      EXPECT_EQ(0, std::memcmp(y1.data(), y.data(), y.size() * sizeof(float))) << k->name << ", " << threads;
    }
  }
}

// A NaN input reaches at least every output whose window covers it (the transforms mix a tile's whole 6x6 window,
// so the other outputs of the same tiles may turn NaN too); outputs of other tiles stay numbers, >= 0 after ReLU.
TEST(Conv2dWinograd, NanIsNeverLost) {
  ContextPtr ctx = make_context(1);
  for (const cnn::ConvWinogradKernel* k : all_kernels()) {
    const int64_t r = k->r, m = k->m, pad = r / 2;
    const ConvCase s{1, 16, 9, 12, 16, r, r, {1, 1, 2, 2, 2, 2, 1, 1}, false};
    const cnn::Conv2dGeometry g = geometry(s);
    std::mt19937 rng(3);
    ConvData d = make_conv_data(s, rng);
    d.x[(3 * 9 + 4) * 12 + 7] = std::numeric_limits<float>::quiet_NaN();  // channel 3, row 4, column 7
    // Output (oy, ox) reads input rows oy - pad .. oy - pad + r - 1 (pad 2 on every side here), columns alike.
    auto covers = [&](int64_t o, int64_t at) { return o - 2 <= at && at <= o - 2 + r - 1; };
    auto tile_covers = [&](int64_t o, int64_t at) {  // some output of o's tile (along one axis) covers `at`
      for (int64_t q = o / m * m; q < o / m * m + m; ++q) {
        if (covers(q, at)) return true;
      }
      return false;
    };
    (void)pad;
    const std::vector<float> y = run_winograd(*k, *ctx, g, d.x.data(), d.w.data(), false, nullptr, true);
    int nan_outputs = 0;
    for (int64_t o = 0; o < 16; ++o) {
      for (int64_t row = 0; row < g.oh; ++row) {
        for (int64_t col = 0; col < g.ow; ++col) {
          const float v = y[static_cast<size_t>((o * g.oh + row) * g.ow + col)];
          if (covers(row, 4) && covers(col, 7)) {
            EXPECT_TRUE(std::isnan(v)) << k->name << " channel " << o << " pixel " << row << "," << col;
            ++nan_outputs;
          }
          if (!(tile_covers(row, 4) && tile_covers(col, 7))) {
            EXPECT_GE(v, 0.0f) << k->name << " channel " << o << " pixel " << row << "," << col;
          }
        }
      }
    }
    EXPECT_EQ(nan_outputs, 16 * r * r) << k->name;
  }
}

TEST(Conv2dWinograd, TablesChooseByShape) {
  const cnn::Conv2dGeometry l2{64, 32, 14, 14, 64, 5, 5, 14, 14, 1, 1, 2, 2, 1, 1};
  for (const WinogradTier& t : tiers()) {
    auto with = [&](auto change) {
      cnn::Conv2dGeometry g = l2;
      change(g);
      return g;
    };
    EXPECT_NE(t.choose(l2, 2), nullptr) << t.name << ": the reference network's conv2";
    EXPECT_NE(t.choose(with([](auto& g) { g.n = 1; }), 1), nullptr) << t.name << ": one image, one thread";
    EXPECT_EQ(t.choose(with([](auto& g) { g.n = 1; }), 2), nullptr) << t.name << ": one image, two threads";
    EXPECT_EQ(t.choose(with([](auto& g) { g.c = 8; }), 2), nullptr) << t.name << ": 8 input channels";
    EXPECT_EQ(t.choose(with([](auto& g) { g.oc = 8; }), 2), nullptr) << t.name << ": 8 output channels";
    // L1's data gradient: a 32 -> 1 forward convolution.
    EXPECT_EQ(t.choose(with([](auto& g) { g.oc = 1; g.h = g.w = g.oh = g.ow = 28; }), 2), nullptr) << t.name;
    EXPECT_NE(t.choose(with([](auto& g) { std::swap(g.c, g.oc); }), 2), nullptr) << t.name << ": 64 -> 32";
    EXPECT_EQ(t.choose(with([](auto& g) { g.h = g.w = g.oh = g.ow = 7; }), 2), nullptr) << t.name << ": 7x7";
    EXPECT_NE(t.choose(with([](auto& g) { g.h = g.w = g.oh = g.ow = 15; }), 2), nullptr) << t.name << ": 15x15";
    const cnn::ConvWinogradKernel* k3 = t.choose(with([](auto& g) { g.kh = g.kw = 3; g.pad_top = g.pad_left = 1; }), 2);
    ASSERT_NE(k3, nullptr) << t.name << ": 3x3";
    EXPECT_EQ(k3->r, 3) << t.name;
    EXPECT_EQ(t.choose(l2, 2)->r, 5) << t.name;
    EXPECT_EQ(t.choose(with([](auto& g) { g.kh = g.kw = 7; }), 2), nullptr) << t.name << ": 7x7 filters";
    EXPECT_EQ(t.choose(with([](auto& g) { g.stride_w = 2; }), 2), nullptr) << t.name << ": stride 2";
    EXPECT_EQ(t.choose(with([](auto& g) { g.dilation_h = 2; }), 2), nullptr) << t.name << ": dilation 2";
    EXPECT_EQ(t.choose(with([](auto& g) { g.h = g.w = g.oh = g.ow = 4096; }), 2), nullptr) << t.name << ": 4096^2";
  }
#if defined(CNN_HAVE_AVX512)
  EXPECT_EQ(cnn::conv_winograd_choice_avx512(l2, 2), &cnn::conv_winograd_kernel_avx512_7x64());
  cnn::Conv2dGeometry g48 = l2;
  g48.oc = 48;
  EXPECT_EQ(cnn::conv_winograd_choice_avx512(g48, 2), &cnn::conv_winograd_kernel_avx512_14x32());
#endif
}

// The tables' forward convolution (with and without ReLU) and data gradient run the chosen Winograd kernel: the
// same bits as calling it, for both filter sizes.
TEST(Conv2dWinograd, TablesRunTheChosenKernel) {
  ContextPtr ctx = make_context(2);
  for (int32_t r : {5, 3}) {
    const int32_t pad = r / 2;
    const ConvCase s{2, 16, 16, 17, 32, r, r, {1, 1, pad, pad, pad, pad, 1, 1}, true};
    std::mt19937 rng(21);
    const ConvData d = make_conv_data(s, rng);
    const cnn::Conv2dGeometry g = geometry(s);
    // A 64 -> 16 convolution, whose data gradient is a 16 -> 64 forward one.
    const cnn::Conv2dGeometry back{2, 64, 16, 17, 16, r, r, 16, 17, 1, 1, pad, pad, 1, 1};
    const std::vector<float> w_back = random_vector(static_cast<size_t>(16 * 64 * r * r), rng);
    const std::vector<float> dy_back = random_vector(static_cast<size_t>(2 * 16 * 16 * 17), rng);
    const std::optional<cnn::Conv2dGeometry> t_back = cnn::conv_backward_data_as_forward(back);
    ASSERT_TRUE(t_back.has_value());
    for (const WinogradTier& t : runnable(tiers())) {
      const cnn::ConvWinogradKernel* k = t.choose(g, ctx->threads.load());
      ASSERT_NE(k, nullptr) << t.name << " must run this shape with Winograd, " << r << "x" << r;
      EXPECT_EQ(k->r, r) << t.name;
      for (bool relu : {false, true}) {
        std::vector<float> y(static_cast<size_t>(g.n * g.oc * g.oh * g.ow));
        (relu ? t.table->conv2d_forward_relu : t.table->conv2d_forward)(*ctx, g, d.x.data(), d.w.data(),
                                                                          d.bias.data(), y.data());
        const std::vector<float> own =
            run_winograd(*k, *ctx, g, d.x.data(), d.w.data(), false, d.bias.data(), relu);
        EXPECT_EQ(0, std::memcmp(y.data(), own.data(), y.size() * sizeof(float))) << t.name << " " << r << "x" << r
                                                                                     << (relu ? " ReLU" : "");
      }
      const cnn::ConvWinogradKernel* kb = t.choose(*t_back, ctx->threads.load());
      ASSERT_NE(kb, nullptr) << t.name << " must run the data gradient with Winograd, " << r << "x" << r;
      std::vector<float> dx(static_cast<size_t>(2 * 64 * 16 * 17));
      t.table->conv2d_backward_data(*ctx, back, w_back.data(), dy_back.data(), dx.data());
      const std::vector<float> own =
          run_winograd(*kb, *ctx, *t_back, dy_back.data(), w_back.data(), true, nullptr, false);
      EXPECT_EQ(0, std::memcmp(dx.data(), own.data(), dx.size() * sizeof(float)))
          << t.name << " data gradient " << r << "x" << r;
    }
  }
}

#else

TEST(Conv2dWinograd, NotBuilt) { std::cout << "skipped: build lacks AVX2 and AVX-512 (no Winograd convolution)\n"; }

#endif

}  // namespace
