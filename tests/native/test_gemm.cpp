// SGEMM: a hand-worked answer for sgemm_ref, then sgemm_generic against sgemm_ref on shapes with 1, primes
// and non-multiples of the micro-tile (and more than one MC, KC and NC block), every transpose combination,
// several alpha/beta pairs and padded leading dimensions; thread counts 1 and 2 and concurrent calls must
// give bit-identical results.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/context.h"
#include "kernels/kernels.h"
#include "gemm_cases.h"
#include "test_util.h"

namespace {

using namespace cnn_test;


TEST(Gemm, ReferenceMatchesHandWorkedProduct) {
  ContextPtr ctx = make_context(1);
  // A = [[1,2,3],[4,5,6]], B = [[1,0],[0,1],[2,-1]], A*B = [[7,-1],[16,-1]].
  std::vector<float> a{1, 2, 3, 4, 5, 6}, b{1, 0, 0, 1, 2, -1}, c{10, 20, 30, 40};
  cnn::sgemm_ref(*ctx, false, false, 2, 2, 3, 2.0f, a.data(), 3, b.data(), 2, 0.5f, c.data(), 2);
  EXPECT_EQ(c, (std::vector<float>{19, 8, 47, 18}));
  // The same product from A^T stored as [3,2] and B^T stored as [2,3].
  std::vector<float> at{1, 4, 2, 5, 3, 6}, bt{1, 0, 2, 0, 1, -1}, c2(4);
  cnn::sgemm_ref(*ctx, true, true, 2, 2, 3, 1.0f, at.data(), 2, bt.data(), 3, 0.0f, c2.data(), 2);
  EXPECT_EQ(c2, (std::vector<float>{7, -1, 16, -1}));
}

TEST(Gemm, TablesNameTheirKernels) {
  EXPECT_STREQ(cnn::generic_kernels().isa, "generic");
  EXPECT_EQ(cnn::generic_kernels().sgemm, &cnn::sgemm_generic);
  EXPECT_EQ(cnn::reference_kernels().sgemm, &cnn::sgemm_ref);
}

TEST(Gemm, GenericMatchesReferenceOnAwkwardShapes) {
  ContextPtr ctx = make_context(1);
  const int64_t sizes[] = {1, 3, 7, 17, 33, 127};
  const float alpha_beta[][2] = {{1.0f, 0.0f}, {-0.5f, 2.0f}, {2.0f, 1.0f}};
  uint32_t seed = 1000;
  int cases = 0;
  for (int64_t m : sizes)
    for (int64_t n : sizes)
      for (int64_t k : {int64_t{1}, int64_t{7}, int64_t{33}, int64_t{127}})
        for (int trans = 0; trans < 4; ++trans) {
          const float* ab = alpha_beta[(m + n + k + trans) % 3];
          GemmCase g{(trans & 1) != 0, (trans & 2) != 0, m, n, k, ab[0], ab[1], (m + k) % 3};
          std::mt19937 rng(++seed);
          GemmData d = make_data(g, rng);
          ASSERT_TRUE(all_close(run(cnn::sgemm_generic, *ctx, g, d), run(cnn::sgemm_ref, *ctx, g, d),
                                describe(g, seed)));
          ++cases;
        }
  EXPECT_EQ(cases, 6 * 6 * 4 * 4);
}

TEST(Gemm, GenericMatchesReferenceAcrossCacheBlocks) {
  // Past KC (256) depth and NC (256) columns of the generic blocking; test_gemm_isa.cpp derives such shapes
  // from each tier's own block sizes (kernels/gemm/sgemm_tiers.cpp).
  ContextPtr ctx = make_context(2);
  const GemmCase cases[] = {
      {false, false, 389, 67, 601, 1.0f, 0.0f, 0}, {true, false, 200, 131, 257, 0.75f, -1.0f, 5},
      {false, true, 193, 9, 520, 1.0f, 1.0f, 1},   {true, true, 61, 211, 300, -1.0f, 0.0f, 3},
      {false, false, 3, 4103, 5, 1.0f, 0.5f, 2},   {false, true, 17, 4099, 260, 1.0f, 0.0f, 0},
  };
  uint32_t seed = 7000;
  for (const GemmCase& g : cases) {
    std::mt19937 rng(++seed);
    GemmData d = make_data(g, rng);
    ASSERT_TRUE(all_close(run(cnn::sgemm_generic, *ctx, g, d), run(cnn::sgemm_ref, *ctx, g, d), describe(g, seed)));
  }
}

TEST(Gemm, GenericMatchesReferenceOnRandomShapes) {
  ContextPtr ctx = make_context(2);
  std::mt19937 shapes(424242);
  std::uniform_int_distribution<int64_t> size(1, 150);
  const float alphas[] = {1.0f, -1.0f, 0.5f, 3.0f};
  const float betas[] = {0.0f, 1.0f, -0.25f};
  for (uint32_t i = 0; i < 60; ++i) {
    GemmCase g{shapes() % 2 == 0, shapes() % 2 == 0, size(shapes), size(shapes), size(shapes) * 2,
               alphas[shapes() % 4], betas[shapes() % 3], static_cast<int64_t>(shapes() % 4)};
    uint32_t seed = 9000 + i;
    std::mt19937 rng(seed);
    GemmData d = make_data(g, rng);
    ASSERT_TRUE(all_close(run(cnn::sgemm_generic, *ctx, g, d), run(cnn::sgemm_ref, *ctx, g, d), describe(g, seed)));
  }
}

TEST(Gemm, DegenerateSizesOnlyScaleC) {
  ContextPtr ctx = make_context(1);
  std::vector<float> a{1, 2}, b{3, 4}, c{1, 2, 3, 4};
  // k == 0: C = beta * C.
  cnn::sgemm_generic(*ctx, false, false, 2, 2, 0, 1.0f, a.data(), 1, b.data(), 2, 3.0f, c.data(), 2);
  EXPECT_EQ(c, (std::vector<float>{3, 6, 9, 12}));
  // alpha == 0 and beta == 0: zeros, whatever C held.
  std::vector<float> nan_c(4, std::numeric_limits<float>::quiet_NaN());
  cnn::sgemm_generic(*ctx, false, false, 2, 2, 1, 0.0f, a.data(), 1, b.data(), 2, 0.0f, nan_c.data(), 2);
  EXPECT_EQ(nan_c, (std::vector<float>(4, 0.0f)));
  // m == 0 or n == 0 touches nothing.
  cnn::sgemm_generic(*ctx, false, false, 0, 2, 1, 1.0f, a.data(), 1, b.data(), 2, 0.0f, c.data(), 2);
  cnn::sgemm_generic(*ctx, false, false, 2, 0, 1, 1.0f, a.data(), 1, b.data(), 2, 0.0f, c.data(), 2);
  EXPECT_EQ(c, (std::vector<float>{3, 6, 9, 12}));
}

TEST(Gemm, ThreadCountsGiveIdenticalBits) {
  ContextPtr one = make_context(1);
  ContextPtr two = make_context(2);
  // Large enough that the generic kernel really runs two threads (work well above its threshold).
  const GemmCase cases[] = {
      {false, false, 256, 256, 300, 1.0f, 0.0f, 0}, {true, true, 401, 97, 513, 1.0f, 1.0f, 3},
      {false, true, 64, 784, 25, 1.0f, 1.0f, 0},    {true, false, 33, 1031, 800, -2.0f, 0.5f, 1},
  };
  uint32_t seed = 3100;
  for (const GemmCase& g : cases) {
    std::mt19937 rng(++seed);
    GemmData d = make_data(g, rng);
    std::vector<float> c1 = run(cnn::sgemm_generic, *one, g, d);
    std::vector<float> c2 = run(cnn::sgemm_generic, *two, g, d);
    ASSERT_EQ(std::memcmp(c1.data(), c2.data(), c1.size() * sizeof(float)), 0) << describe(g, seed);
    ASSERT_TRUE(all_close(c1, run(cnn::sgemm_ref, *one, g, d), describe(g, seed)));
  }
}

TEST(Gemm, ConcurrentCallsOnOneContextGiveIdenticalBits) {
  ContextPtr ctx = make_context(2);
  GemmCase g{false, true, 150, 300, 270, 1.0f, 0.0f, 0};
  std::mt19937 rng(55);
  GemmData d = make_data(g, rng);
  std::vector<float> expected = run(cnn::sgemm_generic, *ctx, g, d);
  std::vector<std::vector<float>> results(3);
  std::vector<std::thread> workers;
  for (auto& r : results)
    workers.emplace_back([&, out = &r] {
      for (int rep = 0; rep < 5; ++rep) *out = run(cnn::sgemm_generic, *ctx, g, d);
    });
  for (auto& t : workers) t.join();
  for (const auto& r : results)
    ASSERT_EQ(std::memcmp(r.data(), expected.data(), expected.size() * sizeof(float)), 0) << describe(g, 55);
}

}  // namespace
