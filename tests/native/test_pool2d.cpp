// Pooling through the C ABI: hand-worked answers for max, average (both count_include_pad settings) and
// global average pooling; the active kernel table against the reference kernels on 200 random shapes;
// thread counts 1 and 2 giving identical bits. Argument checks are in test_pool2d_args.cpp.
#include <cnn/cnn.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "core/context.h"
#include "core/tensor.h"
#include "kernels/kernels.h"
#include "test_util.h"

namespace {

using namespace cnn_test;

using PoolFn = cnn_status (*)(cnn_context*, const cnn_tensor*, const cnn_pool2d_params*, cnn_tensor*);

cnn_pool2d_params pool(int32_t kh, int32_t kw, int32_t sh, int32_t sw, int32_t pt, int32_t pb, int32_t pl,
                       int32_t pr, int32_t count_include_pad = 0) {
  return {kh, kw, sh, sw, pt, pb, pl, pr, count_include_pad};
}

// Written out independently of the library: (in + pads - kernel) / stride + 1.
int64_t out_size(int64_t in, int32_t kernel, int32_t stride, int32_t pad_begin, int32_t pad_end) {
  return (in + pad_begin + pad_end - kernel) / stride + 1;
}

std::vector<int64_t> out_shape(const std::vector<int64_t>& x, const cnn_pool2d_params& p) {
  return {x[0], x[1], out_size(x[2], p.kernel_h, p.stride_h, p.pad_top, p.pad_bottom),
          out_size(x[3], p.kernel_w, p.stride_w, p.pad_left, p.pad_right)};
}

std::string params_text(const cnn_pool2d_params& p) {
  std::ostringstream s;
  s << "kernel " << p.kernel_h << "x" << p.kernel_w << " stride " << p.stride_h << "x" << p.stride_w << " pad t/b/l/r "
    << p.pad_top << "/" << p.pad_bottom << "/" << p.pad_left << "/" << p.pad_right << " count_include_pad "
    << p.count_include_pad;
  return s.str();
}

// Runs a pooling op through the C ABI on a fresh x and y; fails the test if the call fails.
std::vector<float> run_pool(PoolFn fn, cnn_context* ctx, const std::vector<int64_t>& x_shape,
                            const std::vector<float>& x_values, const cnn_pool2d_params& p) {
  TensorPtr x = make_tensor(ctx, x_shape, x_values);
  TensorPtr y = make_tensor(ctx, out_shape(x_shape, p));
  EXPECT_EQ(fn(ctx, x.get(), &p, y.get()), CNN_OK) << cnn_last_error_message();
  return read_tensor(y.get());
}

// The reference kernel called directly with a geometry built here, not by the api shim.
std::vector<float> reference_pool(cnn::Pool2dForwardFn kernel, cnn_context* ctx, const std::vector<int64_t>& xs,
                                  const std::vector<float>& x_values, const cnn_pool2d_params& p) {
  const std::vector<int64_t> ys = out_shape(xs, p);
  cnn::Pool2dGeometry g{xs[0], xs[1], xs[2], xs[3], ys[2], ys[3], p.kernel_h, p.kernel_w, p.stride_h, p.stride_w,
                        p.pad_top, p.pad_left, p.count_include_pad == 1};
  std::vector<float> y(static_cast<size_t>(ys[0] * ys[1] * ys[2] * ys[3]), std::nanf(""));
  kernel(*ctx, g, x_values.data(), y.data());
  return y;
}

// Bit-for-bit equality; the failure names the first differing index and `what`.
::testing::AssertionResult identical(const std::vector<float>& a, const std::vector<float>& b,
                                     const std::string& what) {
  if (a.size() != b.size())
    return ::testing::AssertionFailure() << what << ": sizes " << a.size() << " != " << b.size();
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::memcmp(&a[i], &b[i], sizeof(float)) != 0)
      return ::testing::AssertionFailure() << what << ": element " << i << " is " << a[i] << " vs " << b[i];
  }
  return ::testing::AssertionSuccess();
}

// Says out loud which pooling kernels the comparison exercises, so ref vs ref is never silent.
void announce(const char* op, bool same_as_reference) {
  std::cout << "[   INFO   ] active ISA " << cnn_active_isa() << ": " << op
            << (same_as_reference ? " uses the reference kernel itself (ref vs ref until a faster kernel exists)"
                                  : " uses a faster kernel, compared with the reference")
            << "\n";
}

size_t count_of(const std::vector<int64_t>& shape) {
  size_t n = 1;
  for (int64_t d : shape) n *= static_cast<size_t>(d);
  return n;
}

// ---- known answers, worked out by hand ------------------------------------------------------

TEST(Pool2dTest, MaxPool2x2Stride2KnownAnswer) {
  ContextPtr ctx = make_context();
  // Windows: {1,2,4,0} -> 4, {5,3,1,2} -> 5, {7,8,2,9} -> 9, {-1,6,3,4} -> 6.
  const std::vector<float> x = {1, 2, 5, 3,  //
                                4, 0, 1, 2,  //
                                7, 8, -1, 6,  //
                                2, 9, 3, 4};
  EXPECT_TRUE(all_close(run_pool(cnn_maxpool2d_forward, ctx.get(), {1, 1, 4, 4}, x, pool(2, 2, 2, 2, 0, 0, 0, 0)),
                        {4, 5, 9, 6}, "2x2 max pool"));
}

TEST(Pool2dTest, MaxPoolPaddingNeverWinsOverNegativeValues) {
  ContextPtr ctx = make_context();
  // x = [[-5,-2],[-3,-4]], kernel 2, stride 1, pad 1 on every side: 3x3 output. Were padding a zero,
  // every output would be 0; instead each is the max of the input cells its window covers.
  const std::vector<float> expected = {-5, -2, -2,   // {-5}, {-5,-2}, {-2}
                                       -3, -2, -2,   // {-5,-3}, all four, {-2,-4}
                                       -3, -3, -4};  // {-3}, {-3,-4}, {-4}
  EXPECT_TRUE(all_close(
      run_pool(cnn_maxpool2d_forward, ctx.get(), {1, 1, 2, 2}, {-5, -2, -3, -4}, pool(2, 2, 1, 1, 1, 1, 1, 1)),
      expected, "padded max pool"));
}

TEST(Pool2dTest, MaxPoolPropagatesNaN) {
  ContextPtr ctx = make_context();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> y = run_pool(cnn_maxpool2d_forward, ctx.get(), {1, 1, 2, 4}, {1, nan, 3, 4, 5, 6, 7, 8},
                                  pool(2, 2, 2, 2, 0, 0, 0, 0));
  ASSERT_EQ(y.size(), 2u);
  EXPECT_TRUE(std::isnan(y[0])) << y[0];
  EXPECT_EQ(y[1], 8.0f);
}

// x = [[1,2,3],[4,5,6],[7,8,9]], kernel 3, stride 1, pad 1: the window of output (i,j) covers the
// input cells within one step of (i,j). Sums: corners 1+2+4+5=12, 2+3+5+6=16, 4+5+7+8=24, 5+6+8+9=28;
// edges 1+2+3+4+5+6=21, 1+2+4+5+7+8=27, 2+3+5+6+8+9=33, 4+5+6+7+8+9=39; centre 45.
const std::vector<float> k3x3_input = {1, 2, 3, 4, 5, 6, 7, 8, 9};

TEST(Pool2dTest, AvgPool3x3Pad1ExcludingPadding) {
  ContextPtr ctx = make_context();
  // count_include_pad 0: corners have 4 cells, edges 6, the centre 9.
  const std::vector<float> expected = {12.0f / 4, 21.0f / 6, 16.0f / 4,  //  3, 3.5, 4
                                       27.0f / 6, 45.0f / 9, 33.0f / 6,  //  4.5, 5, 5.5
                                       24.0f / 4, 39.0f / 6, 28.0f / 4};  // 6, 6.5, 7
  EXPECT_TRUE(all_close(
      run_pool(cnn_avgpool2d_forward, ctx.get(), {1, 1, 3, 3}, k3x3_input, pool(3, 3, 1, 1, 1, 1, 1, 1, 0)),
      expected, "3x3 avg pool, count_include_pad 0"));
  EXPECT_TRUE(all_close(expected, {3, 3.5f, 4, 4.5f, 5, 5.5f, 6, 6.5f, 7}, "hand arithmetic"));
}

TEST(Pool2dTest, AvgPool3x3Pad1IncludingPadding) {
  ContextPtr ctx = make_context();
  // count_include_pad 1: every window divides by 3*3 = 9, padding counting as zeros.
  const std::vector<float> expected = {12.0f / 9, 21.0f / 9, 16.0f / 9,  //
                                       27.0f / 9, 45.0f / 9, 33.0f / 9,  //
                                       24.0f / 9, 39.0f / 9, 28.0f / 9};
  EXPECT_TRUE(all_close(
      run_pool(cnn_avgpool2d_forward, ctx.get(), {1, 1, 3, 3}, k3x3_input, pool(3, 3, 1, 1, 1, 1, 1, 1, 1)),
      expected, "3x3 avg pool, count_include_pad 1"));
}

TEST(Pool2dTest, AvgPoolAsymmetricPaddingBottomRight) {
  ContextPtr ctx = make_context();
  // Same x, kernel 2, stride 2, pad_bottom 1 and pad_right 1 only: 2x2 output with windows
  // {1,2,4,5}=12 (4 cells), {3,6}=9 (2 cells), {7,8}=15 (2 cells), {9}=9 (1 cell).
  EXPECT_TRUE(all_close(
      run_pool(cnn_avgpool2d_forward, ctx.get(), {1, 1, 3, 3}, k3x3_input, pool(2, 2, 2, 2, 0, 1, 0, 1, 0)),
      {3, 4.5f, 7.5f, 9}, "asymmetric avg pool, count_include_pad 0"));
  EXPECT_TRUE(all_close(
      run_pool(cnn_avgpool2d_forward, ctx.get(), {1, 1, 3, 3}, k3x3_input, pool(2, 2, 2, 2, 0, 1, 0, 1, 1)),
      {3, 2.25f, 3.75f, 2.25f}, "asymmetric avg pool, count_include_pad 1"));
}

TEST(Pool2dTest, AvgPoolKeepsBatchAndChannelPlanesApart) {
  ContextPtr ctx = make_context();
  // x [2,2,2,2]: plane k holds the constant k+1 except one cell; kernel 2 gives one mean per plane.
  const std::vector<float> x = {1, 1, 1, 5, 2, 2, 2, 6, 3, 3, 3, 7, 4, 4, 4, 8};
  EXPECT_TRUE(all_close(run_pool(cnn_avgpool2d_forward, ctx.get(), {2, 2, 2, 2}, x, pool(2, 2, 1, 1, 0, 0, 0, 0)),
                        {2, 3, 4, 5}, "one mean per plane"));
}

TEST(Pool2dTest, GlobalAvgPoolKnownPlanes) {
  ContextPtr ctx = make_context();
  // x [2,2,2,3]: planes 1..6 (mean 21/6 = 3.5), all -2, five zeros and 12 (mean 2),
  // {1e6, -1e6, 1, 2, 3, 4} (mean 10/6, the large values cancelling exactly).
  const std::vector<float> x = {1, 2, 3, 4, 5, 6,  -2, -2, -2, -2, -2, -2,  //
                                0, 0, 0, 0, 0, 12, 1e6f, -1e6f, 1, 2, 3, 4};
  TensorPtr tx = make_tensor(ctx.get(), {2, 2, 2, 3}, x);
  TensorPtr ty = make_tensor(ctx.get(), {2, 2, 1, 1});
  ASSERT_EQ(cnn_global_avgpool2d_forward(ctx.get(), tx.get(), ty.get()), CNN_OK) << cnn_last_error_message();
  EXPECT_TRUE(all_close(read_tensor(ty.get()), {3.5f, -2, 2, 10.0f / 6}, "global average pool", 1e-6f));
}

// ---- the active table against the reference, and thread counts ------------------------------------

int32_t pick(std::mt19937& rng, int32_t lo, int32_t hi) { return std::uniform_int_distribution<int32_t>(lo, hi)(rng); }

struct RandomPoolCase {
  std::vector<int64_t> x_shape;
  cnn_pool2d_params params;
};

// Odd, even and prime sizes; kernel 1-5, stride 1-3, each pad 0..kernel-1; batch 1 about half the time.
RandomPoolCase random_case(std::mt19937& rng) {
  static const int64_t kSizes[] = {1, 2, 3, 4, 5, 7, 8, 11, 13, 16, 17, 23};
  auto size = [&] { return kSizes[pick(rng, 0, 11)]; };
  cnn_pool2d_params p = pool(pick(rng, 1, 5), pick(rng, 1, 5), pick(rng, 1, 3), pick(rng, 1, 3), 0, 0, 0, 0);
  p.pad_top = pick(rng, 0, p.kernel_h - 1);
  p.pad_bottom = pick(rng, 0, p.kernel_h - 1);
  p.pad_left = pick(rng, 0, p.kernel_w - 1);
  p.pad_right = pick(rng, 0, p.kernel_w - 1);
  int64_t h = size(), w = size();
  while (h + p.pad_top + p.pad_bottom < p.kernel_h) h = size();
  while (w + p.pad_left + p.pad_right < p.kernel_w) w = size();
  const int64_t n = pick(rng, 0, 1) == 0 ? 1 : pick(rng, 2, 3);
  return {{n, pick(rng, 1, 5), h, w}, p};
}

TEST(Pool2dTest, ActiveKernelsMatchReferenceOn200RandomShapes) {
  ASSERT_STREQ(cnn_active_isa(), cnn::kernels().isa);
  announce("maxpool2d", cnn::kernels().maxpool2d_forward == cnn::reference_kernels().maxpool2d_forward);
  announce("avgpool2d", cnn::kernels().avgpool2d_forward == cnn::reference_kernels().avgpool2d_forward);
  ContextPtr ctx = make_context();
  const unsigned seed = 20240611;
  std::mt19937 rng(seed);
  int with_batch = 0, with_padding = 0, strided = 0;
  for (int i = 0; i < 200; ++i) {
    RandomPoolCase c = random_case(rng);
    const std::vector<float> x = random_vector(count_of(c.x_shape), rng, -3.0f, 3.0f);
    with_batch += c.x_shape[0] > 1;
    with_padding += c.params.pad_top + c.params.pad_bottom + c.params.pad_left + c.params.pad_right > 0;
    strided += c.params.stride_h > 1 || c.params.stride_w > 1;
    for (int32_t cip = 0; cip <= 1; ++cip) {
      c.params.count_include_pad = cip;
      const std::string what = "seed " + std::to_string(seed) + " case " + std::to_string(i) + " x " +
                               shape_text(c.x_shape) + " " + params_text(c.params);
      ASSERT_TRUE(all_close(run_pool(cnn_maxpool2d_forward, ctx.get(), c.x_shape, x, c.params),
                            reference_pool(cnn::maxpool2d_forward_ref, ctx.get(), c.x_shape, x, c.params),
                            "max pool, " + what));
      ASSERT_TRUE(all_close(run_pool(cnn_avgpool2d_forward, ctx.get(), c.x_shape, x, c.params),
                            reference_pool(cnn::avgpool2d_forward_ref, ctx.get(), c.x_shape, x, c.params),
                            "avg pool, " + what));
    }
  }
  // The generator really covered what it claims to.
  EXPECT_GT(with_batch, 50);
  EXPECT_GT(with_padding, 100);
  EXPECT_GT(strided, 100);
}

TEST(Pool2dTest, GlobalAvgPoolMatchesReferenceOnRandomShapes) {
  announce("global_avgpool2d",
           cnn::kernels().global_avgpool2d_forward == cnn::reference_kernels().global_avgpool2d_forward);
  ContextPtr ctx = make_context();
  const unsigned seed = 7;
  std::mt19937 rng(seed);
  for (int i = 0; i < 50; ++i) {
    const std::vector<int64_t> xs = {pick(rng, 1, 3), pick(rng, 1, 7), pick(rng, 1, 17), pick(rng, 1, 13)};
    const std::vector<float> x = random_vector(count_of(xs), rng);
    TensorPtr tx = make_tensor(ctx.get(), xs, x);
    TensorPtr ty = make_tensor(ctx.get(), {xs[0], xs[1], 1, 1});
    ASSERT_EQ(cnn_global_avgpool2d_forward(ctx.get(), tx.get(), ty.get()), CNN_OK) << cnn_last_error_message();
    std::vector<float> ref(static_cast<size_t>(xs[0] * xs[1]));
    cnn::global_avgpool2d_forward_ref(*ctx, xs[0] * xs[1], xs[2] * xs[3], x.data(), ref.data());
    ASSERT_TRUE(all_close(read_tensor(ty.get()), ref, "seed 7 case " + std::to_string(i) + " x " + shape_text(xs)));
  }
}

TEST(Pool2dTest, OneAndTwoThreadsGiveIdenticalResults) {
  ContextPtr one = make_context(1);
  ContextPtr two = make_context(2);
  int32_t threads = 0;
  ASSERT_EQ(cnn_context_threads(two.get(), &threads), CNN_OK);
  ASSERT_EQ(threads, 2);
  std::mt19937 rng(99);
  // Large enough that the kernels split the planes over threads.
  const std::vector<std::pair<std::vector<int64_t>, cnn_pool2d_params>> cases = {
      {{2, 8, 64, 64}, pool(3, 3, 1, 1, 1, 1, 1, 1)},
      {{3, 5, 37, 41}, pool(5, 4, 2, 3, 2, 1, 0, 3)},
      {{5, 17, 31, 29}, pool(2, 2, 2, 2, 0, 1, 1, 0)},
  };
  for (auto [xs, p] : cases) {
    const std::vector<float> x = random_vector(count_of(xs), rng);
    for (int32_t cip = 0; cip <= 1; ++cip) {
      p.count_include_pad = cip;
      const std::string what = "x " + shape_text(xs) + " " + params_text(p);
      EXPECT_TRUE(identical(run_pool(cnn_maxpool2d_forward, one.get(), xs, x, p),
                            run_pool(cnn_maxpool2d_forward, two.get(), xs, x, p), "max pool, " + what));
      EXPECT_TRUE(identical(run_pool(cnn_avgpool2d_forward, one.get(), xs, x, p),
                            run_pool(cnn_avgpool2d_forward, two.get(), xs, x, p), "avg pool, " + what));
    }
    TensorPtr tx1 = make_tensor(one.get(), xs, x), ty1 = make_tensor(one.get(), {xs[0], xs[1], 1, 1});
    TensorPtr tx2 = make_tensor(two.get(), xs, x), ty2 = make_tensor(two.get(), {xs[0], xs[1], 1, 1});
    ASSERT_EQ(cnn_global_avgpool2d_forward(one.get(), tx1.get(), ty1.get()), CNN_OK);
    ASSERT_EQ(cnn_global_avgpool2d_forward(two.get(), tx2.get(), ty2.get()), CNN_OK);
    EXPECT_TRUE(identical(read_tensor(ty1.get()), read_tensor(ty2.get()), "global avg pool, x " + shape_text(xs)));
  }
}

}  // namespace
