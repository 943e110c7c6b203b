// Pooling backward through the C ABI: max-pool gradients routed to hand-worked argmaxes (ties, padding,
// NaN, -inf), average-pool spreading worked out by hand for both count_include_pad settings, central finite
// differences over random shapes with strides and padding, the active kernel table against the reference
// kernels, and thread counts 1 and 2 giving identical bits. Argument checks: test_pool2d_backward_args.cpp.
#include <cnn/cnn.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "kernels/kernels.h"
#include "simd_tiers.h"
#include "test_util.h"

namespace {

using namespace cnn_test;

using PoolFn = cnn_status (*)(cnn_context*, const cnn_tensor*, const cnn_pool2d_params*, cnn_tensor*);

cnn_pool2d_params pool(int32_t kh, int32_t kw, int32_t sh, int32_t sw, int32_t pt, int32_t pb, int32_t pl, int32_t pr,
                       int32_t count_include_pad = 0) {
  return {kh, kw, sh, sw, pt, pb, pl, pr, count_include_pad};
}

// Written out independently of the library: (in + pads - kernel) / stride + 1.
std::vector<int64_t> out_shape(const std::vector<int64_t>& x, const cnn_pool2d_params& p) {
  return {x[0], x[1], (x[2] + p.pad_top + p.pad_bottom - p.kernel_h) / p.stride_h + 1,
          (x[3] + p.pad_left + p.pad_right - p.kernel_w) / p.stride_w + 1};
}

size_t count_of(const std::vector<int64_t>& shape) {
  size_t n = 1;
  for (int64_t d : shape) n *= static_cast<size_t>(d);
  return n;
}

std::string params_text(const cnn_pool2d_params& p) {
  std::ostringstream s;
  s << "kernel " << p.kernel_h << "x" << p.kernel_w << " stride " << p.stride_h << "x" << p.stride_w << " pad t/b/l/r "
    << p.pad_top << "/" << p.pad_bottom << "/" << p.pad_left << "/" << p.pad_right << " count_include_pad "
    << p.count_include_pad;
  return s.str();
}

std::vector<float> forward(PoolFn fn, cnn_context* ctx, const std::vector<int64_t>& xs, const std::vector<float>& x,
                           const cnn_pool2d_params& p) {
  TensorPtr tx = make_tensor(ctx, xs, x);
  TensorPtr ty = make_tensor(ctx, out_shape(xs, p));
  EXPECT_EQ(fn(ctx, tx.get(), &p, ty.get()), CNN_OK) << cnn_last_error_message();
  return read_tensor(ty.get());
}

// dx of cnn_maxpool2d_backward (when max is true, reading x) or cnn_avgpool2d_backward (x unused).
std::vector<float> backward(bool max, cnn_context* ctx, const std::vector<int64_t>& xs, const std::vector<float>& x,
                            const std::vector<float>& dy, const cnn_pool2d_params& p) {
  TensorPtr tx = make_tensor(ctx, xs, x);
  TensorPtr tdy = make_tensor(ctx, out_shape(xs, p), dy);
  TensorPtr tdx = make_tensor(ctx, xs, std::vector<float>(count_of(xs), std::nanf("")));  // must be overwritten
  const cnn_status status = max ? cnn_maxpool2d_backward(ctx, tx.get(), tdy.get(), &p, tdx.get())
                                : cnn_avgpool2d_backward(ctx, tdy.get(), &p, tdx.get());
  EXPECT_EQ(status, CNN_OK) << cnn_last_error_message();
  return read_tensor(tdx.get());
}

::testing::AssertionResult identical(const std::vector<float>& a, const std::vector<float>& b,
                                     const std::string& what) {
  if (a.size() != b.size()) return ::testing::AssertionFailure() << what << ": sizes differ";
  if (std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) != 0)
    return ::testing::AssertionFailure() << what << ": results differ";
  return ::testing::AssertionSuccess();
}

// ---- known answers, worked out by hand ------------------------------------------------------

TEST(Pool2dBackwardTest, MaxPoolRoutesEachGradientToItsArgmax) {
  ContextPtr ctx = make_context();
  // Windows: {1,2,4,0} -> 4 at index 4, {5,3,1,2} -> 5 at index 2, {7,8,2,9} -> 9 at index 13,
  // {-1,6,3,4} -> 6 at index 11.
  const std::vector<float> x = {1, 2, 5, 3, 4, 0, 1, 2, 7, 8, -1, 6, 2, 9, 3, 4};
  std::vector<float> expected(16, 0.0f);
  expected[4] = 10;
  expected[2] = 20;
  expected[13] = 30;
  expected[11] = 40;
  EXPECT_TRUE(all_close(backward(true, ctx.get(), {1, 1, 4, 4}, x, {10, 20, 30, 40}, pool(2, 2, 2, 2, 0, 0, 0, 0)),
                        expected, "2x2 max pool backward", 0));
}

TEST(Pool2dBackwardTest, MaxPoolTiesGoToTheFirstMaximumAndOverlapsAdd) {
  ContextPtr ctx = make_context();
  // A constant 3x3 plane, kernel 2, stride 1: every window ties, so each routes to its top-left cell,
  // (0,0), (0,1), (1,0), (1,1) = indices 0, 1, 3, 4.
  EXPECT_TRUE(all_close(
      backward(true, ctx.get(), {1, 1, 3, 3}, std::vector<float>(9, 1.0f), {1, 2, 3, 4}, pool(2, 2, 1, 1, 0, 0, 0, 0)),
      {1, 2, 0, 3, 4, 0, 0, 0, 0}, "ties", 0));
  // Two equal maxima in one window, the first in row-major order wins: {0, 7, 7, 0} -> index 1.
  EXPECT_TRUE(all_close(backward(true, ctx.get(), {1, 1, 2, 2}, {0, 7, 7, 0}, {5}, pool(2, 2, 1, 1, 0, 0, 0, 0)),
                        {0, 5, 0, 0}, "first of two maxima", 0));
}

TEST(Pool2dBackwardTest, MaxPoolPaddingNeverWins) {
  ContextPtr ctx = make_context();
  // x = [[-5,-2],[-3,-4]], kernel 2, stride 1, pad 1: the nine windows pick indices
  // 0, 1, 1 / 2, 1, 1 / 2, 2, 3 (see test_pool2d.cpp). dy = 1..9 adds up to
  // dx = {1, 2+3+5+6, 4+7+8, 9} = {1, 16, 19, 9}; a padding winner would lose some of the 45.
  EXPECT_TRUE(all_close(backward(true, ctx.get(), {1, 1, 2, 2}, {-5, -2, -3, -4}, {1, 2, 3, 4, 5, 6, 7, 8, 9},
                                 pool(2, 2, 1, 1, 1, 1, 1, 1)),
                        {1, 16, 19, 9}, "padded max pool backward", 0));
}

TEST(Pool2dBackwardTest, MaxPoolFollowsTheForwardOnNaNAndInfinity) {
  ContextPtr ctx = make_context();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  // Window 0 {1, NaN, NaN, 5}: the forward gives NaN; the first NaN (index 1) receives dy.
  // Window 1 {-inf, -inf, -inf, -inf}: the forward gives -inf; its first cell (index 2) receives dy.
  const std::vector<float> x = {1, nan, -inf, -inf, nan, 5, -inf, -inf};
  const cnn_pool2d_params p = pool(2, 2, 2, 2, 0, 0, 0, 0);
  std::vector<float> y = forward(cnn_maxpool2d_forward, ctx.get(), {1, 1, 2, 4}, x, p);
  EXPECT_TRUE(std::isnan(y[0]));
  EXPECT_EQ(y[1], -inf);
  EXPECT_TRUE(all_close(backward(true, ctx.get(), {1, 1, 2, 4}, x, {3, 4}, p), {0, 3, 4, 0, 0, 0, 0, 0}, "nan", 0));
}

TEST(Pool2dBackwardTest, AvgPoolSpreadsWithTheForwardDivisor) {
  ContextPtr ctx = make_context();
  const std::vector<int64_t> xs = {1, 1, 3, 3};
  const std::vector<float> ones(9, 1.0f);
  // Kernel 3, stride 1, pad 1, dy all ones. count_include_pad 1: every window divides by 9, and a corner
  // cell lies in 4 windows, an edge cell in 6, the centre in 9.
  EXPECT_TRUE(all_close(backward(false, ctx.get(), xs, ones, ones, pool(3, 3, 1, 1, 1, 1, 1, 1, 1)),
                        {4.0f / 9, 6.0f / 9, 4.0f / 9, 6.0f / 9, 1, 6.0f / 9, 4.0f / 9, 6.0f / 9, 4.0f / 9},
                        "count_include_pad 1", 1e-6f));
  // count_include_pad 0: corner windows divide by 4, edge windows by 6, the centre window by 9.
  // Corner cell: 1/4 + 1/6 + 1/6 + 1/9 = 25/36; edge cell: 2/4 + 3/6 + 1/9 = 40/36;
  // centre: 4/4 + 4/6 + 1/9 = 64/36. Every window hands out exactly 1: 4*25 + 4*40 + 64 = 9*36.
  const float c = 25.0f / 36, e = 40.0f / 36, m = 64.0f / 36;
  EXPECT_TRUE(all_close(backward(false, ctx.get(), xs, ones, ones, pool(3, 3, 1, 1, 1, 1, 1, 1, 0)),
                        {c, e, c, e, m, e, c, e, c}, "count_include_pad 0", 1e-6f));
}

TEST(Pool2dBackwardTest, GlobalAvgPoolSpreadsEvenly) {
  ContextPtr ctx = make_context();
  TensorPtr dy = make_tensor(ctx.get(), {1, 2, 1, 1}, {6, -3});
  TensorPtr dx = make_tensor(ctx.get(), {1, 2, 2, 3});
  ASSERT_EQ(cnn_global_avgpool2d_backward(ctx.get(), dy.get(), dx.get()), CNN_OK) << cnn_last_error_message();
  EXPECT_TRUE(all_close(read_tensor(dx.get()), {1, 1, 1, 1, 1, 1, -0.5f, -0.5f, -0.5f, -0.5f, -0.5f, -0.5f},
                        "global average pool backward", 0));
}

// ---- finite differences ---------------------------------------------------------------------

int32_t pick(std::mt19937& rng, int32_t lo, int32_t hi) { return std::uniform_int_distribution<int32_t>(lo, hi)(rng); }

struct RandomPoolCase {
  std::vector<int64_t> x_shape;
  cnn_pool2d_params params;
};

// Odd, even and prime sizes; kernel 1-4, stride 1-3, each pad 0..kernel-1; batch 1 or 2.
RandomPoolCase random_case(std::mt19937& rng) {
  static const int64_t kSizes[] = {1, 2, 3, 4, 5, 7, 8, 11, 13};
  auto size = [&] { return kSizes[pick(rng, 0, 8)]; };
  cnn_pool2d_params p = pool(pick(rng, 1, 4), pick(rng, 1, 4), pick(rng, 1, 3), pick(rng, 1, 3), 0, 0, 0, 0);
  p.pad_top = pick(rng, 0, p.kernel_h - 1);
  p.pad_bottom = pick(rng, 0, p.kernel_h - 1);
  p.pad_left = pick(rng, 0, p.kernel_w - 1);
  p.pad_right = pick(rng, 0, p.kernel_w - 1);
  p.count_include_pad = pick(rng, 0, 1);
  int64_t h = size(), w = size();
  while (h + p.pad_top + p.pad_bottom < p.kernel_h) h = size();
  while (w + p.pad_left + p.pad_right < p.kernel_w) w = size();
  return {{pick(rng, 1, 2), pick(rng, 1, 3), h, w}, p};
}

constexpr float kEps = 1e-3f;

// A coordinate is near a max-pool tie when a cell it can share a window with (same plane, closer than a
// kernel on both axes) holds a value within 2 eps: moving x[i] by eps could then change the winner.
bool near_tie(const std::vector<int64_t>& xs, const cnn_pool2d_params& p, const std::vector<float>& x, size_t i) {
  const int64_t h = xs[2], w = xs[3];
  const int64_t plane = static_cast<int64_t>(i) / (h * w), r = static_cast<int64_t>(i) / w % h,
                c = static_cast<int64_t>(i) % w;
  for (int64_t rr = 0; rr < h; ++rr) {
    for (int64_t cc = 0; cc < w; ++cc) {
      const size_t j = static_cast<size_t>((plane * h + rr) * w + cc);
      if (j != i && std::abs(rr - r) < p.kernel_h && std::abs(cc - c) < p.kernel_w &&
          std::fabs(x[j] - x[i]) <= 2 * kEps)
        return true;
    }
  }
  return false;
}

TEST(Pool2dBackwardTest, MaxAndAvgGradientsMatchFiniteDifferences) {
  ContextPtr ctx = make_context();
  const unsigned seed = 4242;
  std::mt19937 rng(seed);
  for (int i = 0; i < 40; ++i) {
    const RandomPoolCase c = random_case(rng);
    const std::vector<float> x = random_vector(count_of(c.x_shape), rng, -3.0f, 3.0f);
    const std::vector<float> r = random_vector(count_of(out_shape(c.x_shape, c.params)), rng);
    const std::string what = "seed " + std::to_string(seed) + " case " + std::to_string(i) + " x " +
                             shape_text(c.x_shape) + " " + params_text(c.params);
    auto max_forward = [&](const std::vector<float>& at) {
      return forward(cnn_maxpool2d_forward, ctx.get(), c.x_shape, at, c.params);
    };
    auto avg_forward = [&](const std::vector<float>& at) {
      return forward(cnn_avgpool2d_forward, ctx.get(), c.x_shape, at, c.params);
    };
    auto skip = [&](const std::vector<float>& at, size_t k) { return near_tie(c.x_shape, c.params, at, k); };
    ASSERT_TRUE(check_gradient("max pool, " + what, x, r, backward(true, ctx.get(), c.x_shape, x, r, c.params),
                               max_forward, skip, rng, 100, kEps));
    ASSERT_TRUE(check_gradient("avg pool, " + what, x, r, backward(false, ctx.get(), c.x_shape, x, r, c.params),
                               avg_forward, rng, 100, kEps));
  }
}

TEST(Pool2dBackwardTest, GlobalAvgGradientMatchesFiniteDifferences) {
  ContextPtr ctx = make_context();
  std::mt19937 rng(17);
  for (const std::vector<int64_t>& xs : {std::vector<int64_t>{1, 1, 1, 1}, {2, 3, 5, 7}, {1, 4, 13, 2}}) {
    const std::vector<float> x = random_vector(count_of(xs), rng);
    const std::vector<float> r = random_vector(static_cast<size_t>(xs[0] * xs[1]), rng);
    TensorPtr dy = make_tensor(ctx.get(), {xs[0], xs[1], 1, 1}, r);
    TensorPtr dx = make_tensor(ctx.get(), xs);
    ASSERT_EQ(cnn_global_avgpool2d_backward(ctx.get(), dy.get(), dx.get()), CNN_OK) << cnn_last_error_message();
    auto fwd = [&](const std::vector<float>& at) {
      TensorPtr tx = make_tensor(ctx.get(), xs, at);
      TensorPtr ty = make_tensor(ctx.get(), {xs[0], xs[1], 1, 1});
      EXPECT_EQ(cnn_global_avgpool2d_forward(ctx.get(), tx.get(), ty.get()), CNN_OK);
      return read_tensor(ty.get());
    };
    EXPECT_TRUE(check_gradient("global avg pool x " + shape_text(xs), x, r, read_tensor(dx.get()), fwd, rng, 100));
  }
}

// ---- the active table against the reference, and thread counts ------------------------------------

TEST(Pool2dBackwardTest, ActiveKernelsMatchReferenceOnRandomShapes) {
  ASSERT_STREQ(cnn_active_isa(), cnn::kernels().isa);
  for (auto [name, same] :
       {std::pair{"maxpool2d_backward",
                  cnn::kernels().maxpool2d_backward == cnn::reference_kernels().maxpool2d_backward},
        std::pair{"avgpool2d_backward",
                  cnn::kernels().avgpool2d_backward == cnn::reference_kernels().avgpool2d_backward},
        std::pair{"global_avgpool2d_backward",
                  cnn::kernels().global_avgpool2d_backward == cnn::reference_kernels().global_avgpool2d_backward}})
    std::cout << "[   INFO   ] active ISA " << cnn_active_isa() << ": " << name
              << (same ? " uses the reference kernel itself (ref vs ref until a faster kernel exists)"
                       : " uses a faster kernel, compared with the reference")
              << "\n";
  ContextPtr ctx = make_context();
  const unsigned seed = 777;
  std::mt19937 rng(seed);
  for (int i = 0; i < 100; ++i) {
    const RandomPoolCase c = random_case(rng);
    const std::vector<int64_t> ys = out_shape(c.x_shape, c.params);
    const std::vector<float> x = random_vector(count_of(c.x_shape), rng, -3.0f, 3.0f);
    const std::vector<float> dy = random_vector(count_of(ys), rng);
    const cnn::Pool2dGeometry g{c.x_shape[0],
                                c.x_shape[1],
                                c.x_shape[2],
                                c.x_shape[3],
                                ys[2],
                                ys[3],
                                c.params.kernel_h,
                                c.params.kernel_w,
                                c.params.stride_h,
                                c.params.stride_w,
                                c.params.pad_top,
                                c.params.pad_left,
                                c.params.count_include_pad == 1};
    std::vector<float> ref_max(x.size()), ref_avg(x.size()), ref_global(x.size());
    cnn::maxpool2d_backward_ref(*ctx, g, x.data(), dy.data(), ref_max.data());
    cnn::avgpool2d_backward_ref(*ctx, g, dy.data(), ref_avg.data());
    const std::string what = "seed " + std::to_string(seed) + " case " + std::to_string(i) + " x " +
                             shape_text(c.x_shape) + " " + params_text(c.params);
    ASSERT_TRUE(all_close(backward(true, ctx.get(), c.x_shape, x, dy, c.params), ref_max, "max, " + what));
    ASSERT_TRUE(all_close(backward(false, ctx.get(), c.x_shape, x, dy, c.params), ref_avg, "avg, " + what));
    const int64_t planes = g.n * g.c;
    cnn::global_avgpool2d_backward_ref(*ctx, planes, g.h * g.w, dy.data(), ref_global.data());
    TensorPtr tdy = make_tensor(ctx.get(), {g.n, g.c, 1, 1},
                                std::vector<float>(dy.begin(), dy.begin() + static_cast<std::ptrdiff_t>(planes)));
    TensorPtr tdx = make_tensor(ctx.get(), c.x_shape);
    ASSERT_EQ(cnn_global_avgpool2d_backward(ctx.get(), tdy.get(), tdx.get()), CNN_OK) << cnn_last_error_message();
    ASSERT_TRUE(all_close(read_tensor(tdx.get()), ref_global, "global, " + what));
  }
}

// Each SIMD tier's average-pooling gradient gathers per input cell but adds in the reference's order: the same
// bits as avgpool2d_backward_ref on random geometries (strides, paddings, both divisor rules), with NaN,
// infinities, -0 and denormals in dy, on 1 and 2 threads; and its global average pooling gradient likewise.
TEST(Pool2dBackwardTest, AvgPoolTiersMatchReferenceBitForBit) {
  ContextPtr one = make_context(1), two = make_context(2);
  std::mt19937 rng(4242);
  int tiers = 0;
  for (const SimdTier& tier : simd_tiers()) {
    const char* isa = tier.isa;
    const cnn::KernelTable* table = tier.table;
    ++tiers;
    EXPECT_NE(table->avgpool2d_backward, cnn::reference_kernels().avgpool2d_backward) << isa;
    EXPECT_NE(table->global_avgpool2d_backward, cnn::reference_kernels().global_avgpool2d_backward) << isa;
    // Random small geometries, then rows wider than a vector and planes enough for two threads.
    std::vector<RandomPoolCase> cases;
    for (int i = 0; i < 120; ++i) cases.push_back(random_case(rng));
    cases.push_back({{2, 8, 64, 64}, pool(3, 3, 1, 1, 1, 1, 1, 1)});
    cases.push_back({{3, 5, 37, 41}, pool(5, 4, 2, 3, 2, 1, 0, 3)});
    cases.push_back({{2, 16, 28, 100}, pool(2, 2, 2, 2, 0, 0, 0, 0)});
    cases.push_back({{1, 3, 17, 33}, pool(4, 3, 1, 3, 3, 0, 2, 2)});
    cases.push_back({{64, 32, 28, 28}, pool(2, 2, 2, 2, 0, 0, 0, 0)});
    for (size_t n = cases.size(), k = n - 5; k < n; ++k) {
      RandomPoolCase other = cases[k];
      other.params.count_include_pad = 1 - other.params.count_include_pad;
      cases.push_back(other);
    }
    for (size_t i = 0; i < cases.size(); ++i) {
      const RandomPoolCase& c = cases[i];
      const std::vector<int64_t> ys = out_shape(c.x_shape, c.params);
      std::vector<float> dy = random_vector(count_of(ys), rng);
      using limits = std::numeric_limits<float>;
      const float special[] = {limits::quiet_NaN(), limits::infinity(), -limits::infinity(), -0.0f,
                               limits::denorm_min()};
      for (size_t j = i % 7; j < dy.size(); j += 41) dy[j] = special[j % 5];
      const cnn::Pool2dGeometry g{c.x_shape[0], c.x_shape[1], c.x_shape[2], c.x_shape[3], ys[2], ys[3],
                                  c.params.kernel_h, c.params.kernel_w, c.params.stride_h, c.params.stride_w,
                                  c.params.pad_top, c.params.pad_left, c.params.count_include_pad == 1};
      const size_t cells = static_cast<size_t>(count_of(c.x_shape));
      std::vector<float> expected(cells), a(cells, 7.0f), b(cells, 7.0f);
      cnn::avgpool2d_backward_ref(*one, g, dy.data(), expected.data());
      table->avgpool2d_backward(*one, g, dy.data(), a.data());
      table->avgpool2d_backward(*two, g, dy.data(), b.data());
      const std::string what = std::string(isa) + " case " + std::to_string(i) + " x " + shape_text(c.x_shape) +
                               " " + params_text(c.params);
      ASSERT_EQ(0, std::memcmp(a.data(), expected.data(), cells * sizeof(float))) << what;
      ASSERT_EQ(0, std::memcmp(b.data(), expected.data(), cells * sizeof(float))) << what << ", 2 threads";
      // Global average pooling's gradient over the same planes, dy's first value per plane.
      const int64_t planes = g.n * g.c;
      cnn::global_avgpool2d_backward_ref(*one, planes, g.h * g.w, dy.data(), expected.data());
      table->global_avgpool2d_backward(*one, planes, g.h * g.w, dy.data(), a.data());
      table->global_avgpool2d_backward(*two, planes, g.h * g.w, dy.data(), b.data());
      ASSERT_EQ(0, std::memcmp(a.data(), expected.data(), cells * sizeof(float))) << what << ", global";
      ASSERT_EQ(0, std::memcmp(b.data(), expected.data(), cells * sizeof(float))) << what << ", global, 2 threads";
    }
  }
  std::cout << "[   INFO   ] " << tiers << " SIMD tier(s) checked\n";
}

TEST(Pool2dBackwardTest, OneAndTwoThreadsGiveIdenticalResults) {
  ContextPtr one = make_context(1);
  ContextPtr two = make_context(2);
  std::mt19937 rng(99);
  // Large enough that the kernels split the planes over threads; overlapping windows stress the sums.
  const std::vector<std::pair<std::vector<int64_t>, cnn_pool2d_params>> cases = {
      {{2, 8, 64, 64}, pool(3, 3, 1, 1, 1, 1, 1, 1)},
      {{3, 5, 37, 41}, pool(5, 4, 2, 3, 2, 1, 0, 3)},
  };
  for (auto [xs, p] : cases) {
    const std::vector<float> x = random_vector(count_of(xs), rng);
    const std::vector<float> dy = random_vector(count_of(out_shape(xs, p)), rng);
    for (int32_t cip = 0; cip <= 1; ++cip) {
      p.count_include_pad = cip;
      const std::string what = "x " + shape_text(xs) + " " + params_text(p);
      EXPECT_TRUE(
          identical(backward(true, one.get(), xs, x, dy, p), backward(true, two.get(), xs, x, dy, p), "max, " + what));
      EXPECT_TRUE(identical(backward(false, one.get(), xs, x, dy, p), backward(false, two.get(), xs, x, dy, p),
                            "avg, " + what));
    }
  }
}

}  // namespace
