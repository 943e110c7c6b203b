// The vectorised element-wise kernels of every ISA tier this CPU runs (avx2, avx512), called through each
// tier's own table (whatever CNN_MAX_ISA says), against the reference kernels: max/avg/global pooling
// forward and max pooling backward on random geometries (sizes 1, primes, every stride and padding), with
// ties and NaN, and the stride-2 max-pool paths (kernel width 2 and 3) with +-0 ties and NaN payloads;
// every activation forward and backward on lengths around the vector width and on special values (+-0,
// +-inf, NaN, +-1000, denormals); softmax forward/backward with inner == 1 and inner > 1; dense
// forward for batches of 1-4 rows (weights read in place) and 5 (the GEMM with the bias in its epilogue).
// Max pooling must match bit for bit (same winner rule, same order of the backward sums); the others
// within tolerances stated at each test (the vector exp is within 2 ulp of std::exp, float sums vs double).
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
#include "kernels/simd/simd_kernels.h"
#include "simd_tiers.h"
#include "test_util.h"

namespace {

using namespace cnn_test;

cnn_context& context(int threads) {
  static cnn_context one, two;
  one.threads.store(1);
  two.threads.store(2);
  return threads == 1 ? one : two;
}

int32_t pick(std::mt19937& rng, int32_t lo, int32_t hi) { return std::uniform_int_distribution<int32_t>(lo, hi)(rng); }

// Same bits, or both NaN; the failure names the first differing index.
::testing::AssertionResult same_values(const std::vector<float>& a, const std::vector<float>& b, const std::string& what) {
  if (a.size() != b.size()) return ::testing::AssertionFailure() << what << ": sizes differ";
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::isnan(a[i]) && std::isnan(b[i])) continue;
    if (std::memcmp(&a[i], &b[i], sizeof(float)) != 0)
      return ::testing::AssertionFailure() << what << ": element " << i << " is " << a[i] << " vs " << b[i];
  }
  return ::testing::AssertionSuccess();
}

// |fast - ref| <= rel * |ref| + abs, equal infinities, both NaN.
::testing::AssertionResult near_values(const std::vector<float>& fast, const std::vector<float>& ref, float rel,
                                       float abs, const std::string& what) {
  if (fast.size() != ref.size()) return ::testing::AssertionFailure() << what << ": sizes differ";
  for (size_t i = 0; i < ref.size(); ++i) {
    if (std::isnan(ref[i]) || std::isnan(fast[i])) {
      if (std::isnan(ref[i]) && std::isnan(fast[i])) continue;
      return ::testing::AssertionFailure() << what << ": element " << i << " is " << fast[i] << ", reference " << ref[i];
    }
    if (std::isinf(ref[i]) && fast[i] == ref[i]) continue;
    if (!(std::fabs(fast[i] - ref[i]) <= rel * std::fabs(ref[i]) + abs))
      return ::testing::AssertionFailure() << what << ": element " << i << " is " << fast[i] << ", reference " << ref[i]
                                           << " (diff " << std::fabs(fast[i] - ref[i]) << ")";
  }
  return ::testing::AssertionSuccess();
}

// ---- which kernel runs -----------------------------------------------------------------------------------
TEST(SimdKernels, EachVectorTierRunsItsOwnElementWiseKernels) {
  const cnn::KernelTable& ref = cnn::reference_kernels();
  for (const SimdTier& t : simd_tiers()) {
    SCOPED_TRACE(t.isa);
    EXPECT_NE(t.table->maxpool2d_forward, ref.maxpool2d_forward);
    EXPECT_NE(t.table->maxpool2d_backward, ref.maxpool2d_backward);
    EXPECT_NE(t.table->avgpool2d_forward, ref.avgpool2d_forward);
    EXPECT_NE(t.table->global_avgpool2d_forward, ref.global_avgpool2d_forward);
    EXPECT_NE(t.table->activation_forward, ref.activation_forward);
    EXPECT_NE(t.table->activation_backward, ref.activation_backward);
    EXPECT_NE(t.table->softmax_forward, ref.softmax_forward);
    EXPECT_NE(t.table->softmax_backward, ref.softmax_backward);
    EXPECT_NE(t.table->sum_squares, ref.sum_squares);
  }
#if defined(CNN_HAVE_AVX2)
  if (cnn::kernel_table("avx2") != nullptr) {
    EXPECT_EQ(cnn::kernel_table("avx2")->maxpool2d_forward, &cnn::maxpool2d_forward_avx2);
    EXPECT_STREQ(cnn::simd_kernels_avx2().isa, "avx2");
  }
#endif
#if defined(CNN_HAVE_AVX512)
  if (cnn::kernel_table("avx512") != nullptr) {
    EXPECT_EQ(cnn::kernel_table("avx512")->maxpool2d_forward, &cnn::maxpool2d_forward_avx512);
    EXPECT_STREQ(cnn::simd_kernels_avx512().isa, "avx512");
  }
#endif
  // The generic and ref tiers keep the scalar kernels.
  EXPECT_EQ(cnn::generic_kernels().maxpool2d_forward, ref.maxpool2d_forward);
  // The active table is the one CNN_MAX_ISA allows; under a vector cap its pooling is that tier's.
  const std::string active = cnn_active_isa();
  if (active == "avx2" || active == "avx512")
    EXPECT_EQ(cnn::kernels().maxpool2d_forward, cnn::kernel_table(active.c_str())->maxpool2d_forward);
  else
    EXPECT_EQ(cnn::kernels().maxpool2d_forward, ref.maxpool2d_forward);
}

// ---- pooling ---------------------------------------------------------------------------------------------
struct PoolCase {
  cnn::Pool2dGeometry g;
  std::string text;
};

int64_t window_count(int64_t in, int32_t kernel, int32_t stride, int32_t pad_begin, int32_t pad_end) {
  return (in + pad_begin + pad_end - kernel) / stride + 1;
}

// Sizes 1, primes and non-multiples of 8/16 (and rows longer than one vector of windows); kernel 1-5,
// stride 1-3, each pad 0..kernel-1, so windows are clipped on every side and sometimes overlap.
PoolCase random_pool(std::mt19937& rng) {
  static const int64_t kSizes[] = {1, 2, 3, 5, 7, 8, 13, 16, 17, 28, 31, 37, 64, 67};
  auto size = [&] { return kSizes[pick(rng, 0, 13)]; };
  const int32_t kh = pick(rng, 1, 5), kw = pick(rng, 1, 5), sh = pick(rng, 1, 3), sw = pick(rng, 1, 3);
  const int32_t pt = pick(rng, 0, kh - 1), pb = pick(rng, 0, kh - 1), pl = pick(rng, 0, kw - 1),
                pr = pick(rng, 0, kw - 1);
  int64_t h = size(), w = size();
  while (h + pt + pb < kh) h = size();
  while (w + pl + pr < kw) w = size();
  const int64_t n = pick(rng, 1, 2), c = pick(rng, 1, 3);
  cnn::Pool2dGeometry g{n, c, h, w, window_count(h, kh, sh, pt, pb), window_count(w, kw, sw, pl, pr), kh, kw, sh, sw,
                        pt, pl, pick(rng, 0, 1) == 1};
  const std::string text = "x [" + std::to_string(n) + "," + std::to_string(c) + "," + std::to_string(h) + "," +
                           std::to_string(w) + "] kernel " + std::to_string(kh) + "x" + std::to_string(kw) +
                           " stride " + std::to_string(sh) + "x" + std::to_string(sw) + " pad t/b/l/r " +
                           std::to_string(pt) + "/" + std::to_string(pb) + "/" + std::to_string(pl) + "/" +
                           std::to_string(pr);
  return {g, text};
}

size_t in_count(const cnn::Pool2dGeometry& g) { return static_cast<size_t>(g.n * g.c * g.h * g.w); }
size_t out_count(const cnn::Pool2dGeometry& g) { return static_cast<size_t>(g.n * g.c * g.oh * g.ow); }

// Values from a small set, so windows often hold ties (the first maximum must win, in x and in dx).
std::vector<float> tie_prone(size_t count, std::mt19937& rng) {
  std::vector<float> v(count);
  for (float& x : v) x = static_cast<float>(pick(rng, -3, 3)) * 0.5f;
  return v;
}

TEST(SimdKernels, PoolingMatchesReferenceOnRandomGeometries) {
  std::mt19937 rng(7001);
  for (const SimdTier& t : simd_tiers()) {
    int clipped = 0, overlapping = 0;
    for (int i = 0; i < 300; ++i) {
      const PoolCase c = random_pool(rng);
      const cnn::Pool2dGeometry& g = c.g;
      clipped += g.pad_left > 0 || g.pad_top > 0;
      overlapping += g.stride_w < g.kernel_w;
      const std::string what = std::string(t.isa) + " case " + std::to_string(i) + " " + c.text;
      std::vector<float> x = i % 2 == 0 ? tie_prone(in_count(g), rng) : random_vector(in_count(g), rng, -3.0f, 3.0f);
      if (i % 10 == 3) x[static_cast<size_t>(pick(rng, 0, static_cast<int32_t>(x.size()) - 1))] = std::nanf("");
      const std::vector<float> dy = random_vector(out_count(g), rng);
      for (int threads : {1, 2}) {
        cnn_context& ctx = context(threads);
        std::vector<float> fast(out_count(g)), ref(out_count(g));
        t.table->maxpool2d_forward(ctx, g, x.data(), fast.data());
        cnn::maxpool2d_forward_ref(ctx, g, x.data(), ref.data());
        ASSERT_TRUE(same_values(fast, ref, "max pool forward, " + what));

        std::vector<float> dx_fast(in_count(g), 7.0f), dx_ref(in_count(g), -7.0f);
        t.table->maxpool2d_backward(ctx, g, x.data(), dy.data(), dx_fast.data());
        cnn::maxpool2d_backward_ref(ctx, g, x.data(), dy.data(), dx_ref.data());
        ASSERT_TRUE(same_values(dx_fast, dx_ref, "max pool backward, " + what));

        // Float sums in the same order as the reference's double ones: a few ulp of the window's size.
        t.table->avgpool2d_forward(ctx, g, x.data(), fast.data());
        cnn::avgpool2d_forward_ref(ctx, g, x.data(), ref.data());
        ASSERT_TRUE(near_values(fast, ref, 1e-6f, 2e-6f, "avg pool forward, " + what));
      }
    }
    EXPECT_GT(clipped, 100) << t.isa;
    EXPECT_GT(overlapping, 100) << t.isa;
  }
}

// Same bits, NaN payloads included: the first NaN of a window must be the one that wins.
::testing::AssertionResult same_bits(const std::vector<float>& a, const std::vector<float>& b,
                                     const std::string& what) {
  if (a.size() != b.size()) return ::testing::AssertionFailure() << what << ": sizes differ";
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::memcmp(&a[i], &b[i], sizeof(float)) != 0)
      return ::testing::AssertionFailure() << what << ": element " << i << " is " << a[i] << " vs " << b[i];
  }
  return ::testing::AssertionSuccess();
}

// Ties of +0 and -0 (equal, but not the same bits), -inf, and NaNs that differ in their payloads.
std::vector<float> signed_zeros_and_nans(size_t count, std::mt19937& rng) {
  std::vector<float> v(count);
  for (float& x : v) {
    const int32_t k = pick(rng, 0, 39);
    if (k < 8) {
      x = k % 2 == 0 ? 0.0f : -0.0f;
    } else if (k < 10) {
      x = -std::numeric_limits<float>::infinity();
    } else if (k == 10) {
      const uint32_t bits = 0x7fc00000u | static_cast<uint32_t>(pick(rng, 1, 0xffff));
      std::memcpy(&x, &bits, sizeof(x));
    } else {
      x = static_cast<float>(pick(rng, -2, 0)) * 0.5f;
    }
  }
  return v;
}

// The stride-2 path of kernel width 2 and 3 (even and odd lanes of contiguous loads, two short rows per
// vector) and the backward of disjoint 2-wide windows: widths around one and two vectors of windows for both
// tiers, odd widths, every pad, window heights 1-3 with row strides 1-2 (whole blocks of rows per call),
// gradients of -0, bit for bit against the reference, forward and backward.
TEST(SimdKernels, MaxPoolStride2MatchesReferenceBitForBit) {
  static const int64_t kWidths[] = {2,  3,  4,  5,  7,  9,  14, 15, 16, 17, 18, 19, 28,
                                    31, 32, 33, 34, 35, 36, 47, 63, 64, 65, 66, 67};
  static const int64_t kHeights[] = {1, 2, 3, 5, 6, 9, 14};
  std::mt19937 rng(7003);
  for (const SimdTier& t : simd_tiers()) {
    int cases = 0;
    for (int32_t kw : {2, 3}) {
      for (int64_t w : kWidths) {
        for (int rep = 0; rep < 6; ++rep) {
          const int32_t kh = pick(rng, 1, 3), sh = pick(rng, 1, 2);
          const int32_t pl = pick(rng, 0, kw - 1), pr = pick(rng, 0, kw - 1);
          const int32_t pt = pick(rng, 0, kh - 1), pb = pick(rng, 0, kh - 1);
          int64_t h = kHeights[pick(rng, 0, 6)];
          while (h + pt + pb < kh) h = kHeights[pick(rng, 0, 6)];
          if (w + pl + pr < kw) continue;
          const cnn::Pool2dGeometry g{1, 2, h, w, window_count(h, kh, sh, pt, pb), window_count(w, kw, 2, pl, pr),
                                      kh, kw, sh, 2, pt, pl, false};
          const std::string what = std::string(t.isa) + " x [1,2," + std::to_string(h) + "," + std::to_string(w) +
                                   "] kernel " + std::to_string(kh) + "x" + std::to_string(kw) + " stride " +
                                   std::to_string(sh) + "x2 pad t/b/l/r " + std::to_string(pt) + "/" +
                                   std::to_string(pb) + "/" + std::to_string(pl) + "/" + std::to_string(pr);
          const std::vector<float> x =
              rep % 2 == 0 ? signed_zeros_and_nans(in_count(g), rng) : tie_prone(in_count(g), rng);
          std::vector<float> dy = random_vector(out_count(g), rng);
          for (size_t i = 0; i < dy.size(); i += 5) dy[i] = -0.0f;  // dx is 0 + dy: +0, never -0
          for (int threads : {1, 2}) {
            std::vector<float> fast(out_count(g)), ref(out_count(g));
            t.table->maxpool2d_forward(context(threads), g, x.data(), fast.data());
            cnn::maxpool2d_forward_ref(context(1), g, x.data(), ref.data());
            ASSERT_TRUE(same_bits(fast, ref, "forward, " + what));
            std::vector<float> dx_fast(in_count(g), 7.0f), dx_ref(in_count(g), -7.0f);
            t.table->maxpool2d_backward(context(threads), g, x.data(), dy.data(), dx_fast.data());
            cnn::maxpool2d_backward_ref(context(1), g, x.data(), dy.data(), dx_ref.data());
            ASSERT_TRUE(same_bits(dx_fast, dx_ref, "backward, " + what));
          }
          ++cases;
        }
      }
    }
    EXPECT_GT(cases, 250) << t.isa;
  }
}

TEST(SimdKernels, MaxPoolOfTheReferenceNetworkMatchesBitForBit) {
  // L1's pooling: 64 x 32 x 28 x 28, 2x2 stride 2 (every window inside; whole vectors and a tail of 14).
  const cnn::Pool2dGeometry g{4, 32, 28, 28, 14, 14, 2, 2, 2, 2, 0, 0, false};
  std::mt19937 rng(7002);
  const std::vector<float> x = tie_prone(in_count(g), rng);
  const std::vector<float> dy = random_vector(out_count(g), rng);
  for (const SimdTier& t : simd_tiers()) {
    std::vector<float> fast(out_count(g)), ref(out_count(g)), dx_fast(in_count(g)), dx_ref(in_count(g));
    t.table->maxpool2d_forward(context(2), g, x.data(), fast.data());
    cnn::maxpool2d_forward_ref(context(1), g, x.data(), ref.data());
    EXPECT_TRUE(same_values(fast, ref, std::string(t.isa) + " forward"));
    t.table->maxpool2d_backward(context(2), g, x.data(), dy.data(), dx_fast.data());
    cnn::maxpool2d_backward_ref(context(1), g, x.data(), dy.data(), dx_ref.data());
    EXPECT_TRUE(same_values(dx_fast, dx_ref, std::string(t.isa) + " backward"));
  }
}

TEST(SimdKernels, GlobalAvgPoolMatchesReference) {
  std::mt19937 rng(7003);
  for (const SimdTier& t : simd_tiers()) {
    for (int64_t plane : {1, 3, 7, 8, 15, 16, 17, 49, 63, 64, 65, 196, 1000}) {
      const int64_t planes = pick(rng, 1, 9);
      const std::vector<float> x = random_vector(static_cast<size_t>(planes * plane), rng, -2.0f, 2.0f);
      std::vector<float> fast(static_cast<size_t>(planes)), ref(static_cast<size_t>(planes));
      t.table->global_avgpool2d_forward(context(2), planes, plane, x.data(), fast.data());
      cnn::global_avgpool2d_forward_ref(context(1), planes, plane, x.data(), ref.data());
      EXPECT_TRUE(near_values(fast, ref, 1e-5f, 1e-6f, std::string(t.isa) + " plane " + std::to_string(plane)));
    }
  }
}

// ---- sum of squares (gradient clipping's norm) -----------------------------------------------------------
// Against a plain double sum of the same squares: counts around the vector steps (8/32 floats with AVX-512, 4/16
// with AVX2) and around the 16384-float chunks, values whose squares overflow float, infinities and NaN.
TEST(SimdKernels, SumSquaresMatchesReference) {
  std::mt19937 rng(7013);
  const float inf = std::numeric_limits<float>::infinity();
  for (const SimdTier& t : simd_tiers()) {
    for (int64_t count : {0, 1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 100, 16383, 16384, 16385, 40000,
                          100003}) {
      const std::string what = std::string(t.isa) + " count " + std::to_string(count);
      std::vector<float> x = random_vector(static_cast<size_t>(count), rng, -3.0f, 3.0f);
      double expected = 0.0;
      for (float v : x) expected += static_cast<double>(v) * v;
      EXPECT_NEAR(t.table->sum_squares(context(2), count, x.data()), expected, 1e-12 * expected) << what;
      EXPECT_EQ(t.table->sum_squares(context(1), count, x.data()), t.table->sum_squares(context(2), count, x.data()))
          << what << ": the bits must not depend on the thread count";
      if (count == 0) continue;
      x[static_cast<size_t>(count) - 1] = 3e20f;  // the last element: the masked or scalar tail
      const double huge = static_cast<double>(3e20f) * static_cast<double>(3e20f);  // past float's range
      EXPECT_NEAR(t.table->sum_squares(context(2), count, x.data()) / huge, 1.0, 1e-12) << what << ", 3e20 last";
      x[static_cast<size_t>(count) / 2] = -inf;
      EXPECT_EQ(t.table->sum_squares(context(2), count, x.data()), inf) << what << ", -inf";
      x[0] = std::nanf("");
      EXPECT_TRUE(std::isnan(t.table->sum_squares(context(2), count, x.data()))) << what << ", NaN";
    }
  }
}

// ---- activations -----------------------------------------------------------------------------------------
const cnn_activation kActivations[] = {CNN_ACTIVATION_IDENTITY, CNN_ACTIVATION_RELU, CNN_ACTIVATION_LEAKY_RELU,
                                       CNN_ACTIVATION_ELU, CNN_ACTIVATION_SIGMOID, CNN_ACTIVATION_TANH};

// ReLU, leaky ReLU and identity are exact; the exp-based ones within 4e-7 relative + 1e-7 absolute forward,
// 4e-6 relative + 1e-6 absolute backward (a product of two such values and dy; near saturation tanh's
// 1 - t^2 is a difference of nearly equal numbers: 2e-7 in the reference may be 0 here, and std::tanhf
// itself is only that close to the true value).
bool exact(cnn_activation a) {
  return a == CNN_ACTIVATION_IDENTITY || a == CNN_ACTIVATION_RELU || a == CNN_ACTIVATION_LEAKY_RELU;
}

std::vector<float> special_values() {
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<float> v{0.0f, -0.0f, inf, -inf, std::nanf(""), 1000.0f, -1000.0f, 88.0f, -88.0f, 87.5f, -87.5f,
                       100.0f, -100.0f, 1e-30f, -1e-30f, 1e-42f, -1e-42f, 1e-7f, -1e-7f, 0.5f, -0.5f, 9.5f, -9.5f,
                       20.0f, -20.0f, 44.0f, -44.0f, 0.3465f, -0.3466f, 1.0f, -1.0f};
  return v;
}

TEST(SimdKernels, ActivationsMatchReference) {
  std::mt19937 rng(7004);
  for (const SimdTier& t : simd_tiers()) {
    for (cnn_activation a : kActivations) {
      const float alpha = a == CNN_ACTIVATION_ELU ? 1.3f : 0.07f;
      const float rel = exact(a) ? 0.0f : 4e-7f, abs_tol = exact(a) ? 0.0f : 1e-7f;
      std::vector<std::vector<float>> inputs{special_values()};
      for (int64_t count : {1, 2, 7, 8, 9, 15, 16, 17, 31, 33, 100, 1000, 70001})
        inputs.push_back(random_vector(static_cast<size_t>(count), rng, -12.0f, 12.0f));
      for (const std::vector<float>& x : inputs) {
        const int64_t count = static_cast<int64_t>(x.size());
        const std::string what = std::string(t.isa) + " activation " + std::to_string(a) + " count " +
                                 std::to_string(count);
        const std::vector<float> dy = random_vector(x.size(), rng, -2.0f, 2.0f);
        std::vector<float> fast(x.size()), ref(x.size());
        t.table->activation_forward(context(2), a, alpha, count, x.data(), fast.data());
        cnn::activation_forward_ref(context(1), a, alpha, count, x.data(), ref.data());
        ASSERT_TRUE(near_values(fast, ref, rel, abs_tol, what + " forward"));
        t.table->activation_backward(context(2), a, alpha, count, x.data(), dy.data(), fast.data());
        cnn::activation_backward_ref(context(1), a, alpha, count, x.data(), dy.data(), ref.data());
        ASSERT_TRUE(near_values(fast, ref, exact(a) ? 0.0f : 4e-6f, exact(a) ? 0.0f : 1e-6f, what + " backward"));
        // In place (y == x), as the api allows.
        std::vector<float> in_place = x;
        t.table->activation_forward(context(1), a, alpha, count, in_place.data(), in_place.data());
        t.table->activation_forward(context(1), a, alpha, count, x.data(), fast.data());
        ASSERT_TRUE(same_values(in_place, fast, what + " in place"));
      }
    }
  }
}

// ---- softmax ---------------------------------------------------------------------------------------------
TEST(SimdKernels, SoftmaxForwardAndBackwardMatchReference) {
  std::mt19937 rng(7005);
  struct Shape {
    int64_t outer, classes, inner;
  };
  const Shape shapes[] = {{1, 1, 1},  {3, 10, 1}, {64, 10, 1}, {2, 7, 1},  {5, 16, 1}, {2, 17, 1}, {1, 1000, 1},
                          {2, 3, 5},  {2, 10, 16}, {3, 4, 17}, {1, 6, 49}, {2, 1, 9},  {4, 33, 3}};
  for (const SimdTier& t : simd_tiers()) {
    for (const Shape& s : shapes) {
      const size_t count = static_cast<size_t>(s.outer * s.classes * s.inner);
      const std::string what = std::string(t.isa) + " softmax [" + std::to_string(s.outer) + "," +
                               std::to_string(s.classes) + "," + std::to_string(s.inner) + "]";
      std::vector<float> x = random_vector(count, rng, -20.0f, 20.0f);
      x[0] = 1000.0f;  // large logits must not overflow
      std::vector<float> fast(count), ref(count);
      t.table->softmax_forward(context(2), s.outer, s.classes, s.inner, x.data(), fast.data());
      cnn::softmax_forward_ref(context(1), s.outer, s.classes, s.inner, x.data(), ref.data());
      ASSERT_TRUE(near_values(fast, ref, 2e-6f, 1e-9f, what + " forward"));
      const std::vector<float> dy = random_vector(count, rng);
      t.table->softmax_backward(context(2), s.outer, s.classes, s.inner, ref.data(), dy.data(), fast.data());
      std::vector<float> dx_ref(count);
      cnn::softmax_backward_ref(context(1), s.outer, s.classes, s.inner, ref.data(), dy.data(), dx_ref.data());
      ASSERT_TRUE(near_values(fast, dx_ref, 1e-5f, 1e-7f, what + " backward"));
      // A NaN logit makes its whole column NaN, as in the reference.
      x[0] = std::nanf("");
      t.table->softmax_forward(context(1), s.outer, s.classes, s.inner, x.data(), fast.data());
      cnn::softmax_forward_ref(context(1), s.outer, s.classes, s.inner, x.data(), ref.data());
      ASSERT_TRUE(near_values(fast, ref, 2e-6f, 1e-9f, what + " with a NaN"));
    }
  }
}

// ---- dense with a few rows (read the weights in place) ---------------------------------------------------
TEST(SimdKernels, DenseForwardOfFewRowsMatchesReference) {
  std::mt19937 rng(7006);
  for (const SimdTier& t : simd_tiers()) {
    for (int64_t n : {1, 2, 3, 4, 5}) {  // 5 takes the GEMM path
      for (int64_t in : {1, 7, 16, 17, 100, 3136}) {
        for (int64_t out : {1, 3, 4, 5, 10, 33, 1024}) {
          const std::vector<float> x = random_vector(static_cast<size_t>(n * in), rng);
          const std::vector<float> w = random_vector(static_cast<size_t>(out * in), rng);
          const std::vector<float> bias = random_vector(static_cast<size_t>(out), rng);
          for (const float* b : {bias.data(), static_cast<const float*>(nullptr)}) {
            const std::string what = std::string(t.isa) + " dense n " + std::to_string(n) + " in " +
                                     std::to_string(in) + " out " + std::to_string(out) + (b ? " bias" : "");
            std::vector<float> fast(static_cast<size_t>(n * out), 9.0f), ref(static_cast<size_t>(n * out));
            t.table->dense_forward(context(2), n, in, out, x.data(), w.data(), b, fast.data());
            cnn::dense_forward_ref(context(1), n, in, out, x.data(), w.data(), b, ref.data());
            // Float sums of `in` products of values in [-1, 1] in another order than the reference: the error
            // scales with the sum of the products' magnitudes (<= in), not with the result.
            ASSERT_TRUE(near_values(fast, ref, 1e-6f, 1e-6f + 1e-7f * static_cast<float>(in), what));
          }
        }
      }
    }
  }
}

}  // namespace
