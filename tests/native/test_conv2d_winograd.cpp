// The Winograd F(2x2, 5x5) convolution (kernels/gemm/conv_winograd.h): each tier's kernel (AVX2: 6 x 16;
// AVX-512: 7 x 64, 14 x 32) against conv2d_forward_ref on random 5x5 stride-1 geometries (sizes 1 and primes, odd
// outputs that leave half a tile, rows wider than a vector of tiles, paddings 0-4 per side, channel counts that
// are not multiples of 16, batch 1-3, with and without bias and ReLU), its flipped form against
// conv2d_backward_data_ref, identical bits for 1, 2 and 3 threads, NaN never lost, which shapes each tier's table
// sends to it, and that the tables' forward convolution and data gradient are the Winograd kernel's.
//
// Tolerance: Winograd adds and scales in float through its transforms, so its rounding error is a multiple of the
// direct sum's. The bound is relative to the sum of the magnitudes of the products (the reference convolution of
// |x| and |w|, plus |bias|): every element within kTolerance of 1 + it. The worst seen over these cases is ~2.1e-6
// (a 1 -> 41 channel case); below 2e-6 the tests fail.
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

constexpr float kTolerance = 1e-5f;

struct WinogradTier {
  const char* name;
  const cnn::KernelTable* table;  // null when the CPU lacks the tier
  std::vector<const cnn::ConvWinogradKernel*> kernels;
  const cnn::ConvWinogradKernel* (*choose)(const cnn::Conv2dGeometry& g, int threads);
};

std::vector<WinogradTier> tiers() {
  std::vector<WinogradTier> t;
#if defined(CNN_HAVE_AVX2)
  t.push_back({"AVX2", cnn::kernel_table("avx2"), {&cnn::conv_winograd_kernel_avx2_6x16()},
               cnn::conv_winograd_choice_avx2});
#endif
#if defined(CNN_HAVE_AVX512)
  t.push_back({"AVX-512",
               cnn::kernel_table("avx512"),
               {&cnn::conv_winograd_kernel_avx512_7x64(), &cnn::conv_winograd_kernel_avx512_14x32()},
               cnn::conv_winograd_choice_avx512});
#endif
  return t;
}

// A random 5x5 stride-1 case. The outputs go up to 23 wide (12 tiles: more than an AVX2 vector of tiles, and
// more than half an AVX-512 one, so the output transform runs two chunks).
ConvCase random_winograd_case(std::mt19937& rng) {
  auto pick = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  auto pick32 = [&](int32_t lo, int32_t hi) { return std::uniform_int_distribution<int32_t>(lo, hi)(rng); };
  for (;;) {
    ConvCase s{};
    s.n = pick(1, 3);
    s.c = pick(0, 2) == 0 ? pick(1, 5) : pick(6, 40);
    s.h = pick(1, 23);
    s.w = pick(1, 23);
    s.oc = pick(0, 2) == 0 ? pick(1, 17) : pick(18, 70);
    s.kh = 5;
    s.kw = 5;
    s.p = {1, 1, pick32(0, 4), pick32(0, 4), pick32(0, 4), pick32(0, 4), 1, 1};
    s.bias = pick(0, 1) == 1;
    if (s.h + s.p.pad_top + s.p.pad_bottom >= 5 && s.w + s.p.pad_left + s.p.pad_right >= 5) return s;
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
      const ConvCase s = random_winograd_case(rng);
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

// The benchmark layer L2 at batch 2 and a wide 5x5 layer: more channels than the random cases reach.
TEST(Conv2dWinograd, MatchesReferenceOnChosenShapes) {
  ContextPtr ctx = make_context(2);
  const ConvCase cases[] = {{2, 32, 14, 14, 64, 5, 5, {1, 1, 2, 2, 2, 2, 1, 1}, true},
                            {1, 64, 30, 41, 48, 5, 5, {1, 1, 2, 2, 2, 2, 1, 1}, true}};
  for (const cnn::ConvWinogradKernel* k : all_kernels()) {
    uint32_t seed = 100;
    for (const ConvCase& s : cases) {
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
      const ConvCase s = random_winograd_case(rng);
      const cnn::Conv2dGeometry g = geometry(s);
      const std::optional<cnn::Conv2dGeometry> t = cnn::conv_backward_data_as_forward(g);
      ASSERT_TRUE(t.has_value()) << describe(s, seed);
      const std::vector<float> w = random_vector(static_cast<size_t>(g.oc * g.c * 25), rng);
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
  const ConvCase s{5, 24, 11, 17, 40, 5, 5, {1, 1, 2, 1, 3, 0, 1, 1}, true};
  std::mt19937 rng(9);
  const ConvData d = make_conv_data(s, rng);
  const cnn::Conv2dGeometry g = geometry(s);
  for (const cnn::ConvWinogradKernel* k : all_kernels()) {
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
// so the other outputs of the same 2x2 tiles may turn NaN too); outputs of other tiles stay numbers, >= 0 after
// ReLU.
TEST(Conv2dWinograd, NanIsNeverLost) {
  ContextPtr ctx = make_context(1);
  const ConvCase s{1, 16, 9, 12, 16, 5, 5, {1, 1, 2, 2, 2, 2, 1, 1}, false};
  std::mt19937 rng(3);
  ConvData d = make_conv_data(s, rng);
  d.x[(3 * 9 + 4) * 12 + 7] = std::numeric_limits<float>::quiet_NaN();  // channel 3, row 4, column 7
  const cnn::Conv2dGeometry g = geometry(s);
  for (const cnn::ConvWinogradKernel* k : all_kernels()) {
    const std::vector<float> y = run_winograd(*k, *ctx, g, d.x.data(), d.w.data(), false, nullptr, true);
    for (int64_t o = 0; o < 16; ++o) {
      for (int64_t r = 0; r < 9; ++r) {
        for (int64_t c = 0; c < 12; ++c) {
          const bool covered = r >= 2 && r <= 6 && c >= 5 && c <= 9;
          const bool same_tiles = r / 2 >= 1 && r / 2 <= 3 && c / 2 >= 2 && c / 2 <= 4;
          const float v = y[static_cast<size_t>((o * 9 + r) * 12 + c)];
          if (covered) {
            EXPECT_TRUE(std::isnan(v)) << k->name << " channel " << o << " pixel " << r << "," << c;
          }
          if (!same_tiles) {
            EXPECT_GE(v, 0.0f) << k->name << " channel " << o << " pixel " << r << "," << c;
          }
        }
      }
    }
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
    EXPECT_NE(t.choose(with([](auto& g) { std::swap(g.c, g.oc); }), 2), nullptr) << t.name << ": 64 -> 32";
    EXPECT_EQ(t.choose(with([](auto& g) { g.h = g.w = g.oh = g.ow = 7; }), 2), nullptr) << t.name << ": 7x7";
    EXPECT_NE(t.choose(with([](auto& g) { g.h = g.w = g.oh = g.ow = 15; }), 2), nullptr) << t.name << ": 15x15";
    EXPECT_EQ(t.choose(with([](auto& g) { g.kh = g.kw = 3; }), 2), nullptr) << t.name << ": 3x3";
    EXPECT_EQ(t.choose(with([](auto& g) { g.stride_w = 2; }), 2), nullptr) << t.name << ": stride 2";
    EXPECT_EQ(t.choose(with([](auto& g) { g.dilation_h = 2; }), 2), nullptr) << t.name << ": dilation 2";
  }
#if defined(CNN_HAVE_AVX512)
  EXPECT_EQ(cnn::conv_winograd_choice_avx512(l2, 2), &cnn::conv_winograd_kernel_avx512_7x64());
  cnn::Conv2dGeometry g48 = l2;
  g48.oc = 48;
  EXPECT_EQ(cnn::conv_winograd_choice_avx512(g48, 2), &cnn::conv_winograd_kernel_avx512_14x32());
#endif
}

// The tables' forward convolution (with and without ReLU) and data gradient run the chosen Winograd kernel: the
// same bits as calling it.
TEST(Conv2dWinograd, TablesRunTheChosenKernel) {
  ContextPtr ctx = make_context(2);
  const ConvCase s{2, 16, 10, 13, 32, 5, 5, {1, 1, 2, 2, 2, 2, 1, 1}, true};
  std::mt19937 rng(21);
  const ConvData d = make_conv_data(s, rng);
  const cnn::Conv2dGeometry g = geometry(s);
  const std::vector<float> dy = random_vector(static_cast<size_t>(g.n * g.oc * g.oh * g.ow), rng);
  // A 64 -> 16 convolution, whose data gradient is a 16 -> 64 forward one.
  const cnn::Conv2dGeometry back{2, 64, 10, 13, 16, 5, 5, 10, 13, 1, 1, 2, 2, 1, 1};
  const std::vector<float> w_back = random_vector(static_cast<size_t>(16 * 64 * 25), rng);
  const std::vector<float> dy_back = random_vector(static_cast<size_t>(2 * 16 * 10 * 13), rng);
  const std::optional<cnn::Conv2dGeometry> t_back = cnn::conv_backward_data_as_forward(back);
  ASSERT_TRUE(t_back.has_value());
  for (const WinogradTier& t : runnable(tiers())) {
    const cnn::ConvWinogradKernel* k = t.choose(g, ctx->threads.load());
    ASSERT_NE(k, nullptr) << t.name << " must run this shape with Winograd";
    for (bool relu : {false, true}) {
      std::vector<float> y(static_cast<size_t>(g.n * g.oc * g.oh * g.ow));
      (relu ? t.table->conv2d_forward_relu : t.table->conv2d_forward)(*ctx, g, d.x.data(), d.w.data(),
                                                                        d.bias.data(), y.data());
      const std::vector<float> own = run_winograd(*k, *ctx, g, d.x.data(), d.w.data(), false, d.bias.data(), relu);
      EXPECT_EQ(0, std::memcmp(y.data(), own.data(), y.size() * sizeof(float))) << t.name << (relu ? " ReLU" : "");
    }
    const cnn::ConvWinogradKernel* kb = t.choose(*t_back, ctx->threads.load());
    ASSERT_NE(kb, nullptr) << t.name << " must run the data gradient with Winograd";
    std::vector<float> dx(static_cast<size_t>(2 * 64 * 10 * 13));
    t.table->conv2d_backward_data(*ctx, back, w_back.data(), dy_back.data(), dx.data());
    const std::vector<float> own =
        run_winograd(*kb, *ctx, *t_back, dy_back.data(), w_back.data(), true, nullptr, false);
    EXPECT_EQ(0, std::memcmp(dx.data(), own.data(), dx.size() * sizeof(float))) << t.name << " data gradient";
  }
}

#else

TEST(Conv2dWinograd, NotBuilt) { std::cout << "skipped: build lacks AVX2 and AVX-512 (no Winograd convolution)\n"; }

#endif

}  // namespace
