// SGEMM of every ISA tier this CPU supports (generic, avx2, avx512) against sgemm_ref: shapes with 1, primes,
// non-multiples of MR/NR and more than one MC/KC/NC block, every transpose pair, alpha/beta cases (beta == 0
// ignores NaN in C), padded leading dimensions, bit-identical results for 1 and 2 threads. Also the tier
// detection (checked against the compiler's own CPU probe) and the CNN_MAX_ISA cap.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/context.h"
#include "kernels/gemm/sgemm_driver.h"
#include "kernels/kernels.h"
#include "gemm_cases.h"
#include "test_util.h"

namespace {

using namespace cnn_test;

struct Tier {
  const char* isa;
  const cnn::SgemmKernel* kernel;  // null when the tier was not compiled in
  bool compiled;
  bool cpu_has;  // what the compiler's runtime probe (libgcc's CPUID + XGETBV) says
};

// The compiler's CPU probe, independent of dispatch.cpp's own CPUID + XGETBV code.
bool cpu_supports(const char* feature) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  const std::string f = feature;
  if (f == "avx2") return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (f == "avx512")
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
#else
  (void)feature;
#endif
  return false;
}

std::vector<Tier> all_tiers() {
  std::vector<Tier> tiers{{"generic", &cnn::sgemm_kernel_generic(), true, true}};
  const bool avx2 = cpu_supports("avx2");
#if defined(CNN_HAVE_AVX2)
  tiers.push_back({"avx2", &cnn::sgemm_kernel_avx2(), true, avx2});
#else
  tiers.push_back({"avx2", nullptr, false, avx2});
#endif
  const bool avx512 = avx2 && cpu_supports("avx512");
#if defined(CNN_HAVE_AVX512)
  tiers.push_back({"avx512", &cnn::sgemm_kernel_avx512(), true, avx512});
#else
  tiers.push_back({"avx512", nullptr, false, avx512});
#endif
  return tiers;
}

const char* display_name(const char* isa) {
  const std::string name = isa;
  return name == "avx512" ? "AVX-512" : name == "avx2" ? "AVX2" : isa;
}

// The tiers whose table this process can run; says out loud which ones are skipped and why.
std::vector<Tier> runnable_tiers() {
  std::vector<Tier> out;
  for (const Tier& t : all_tiers()) {
    if (cnn::kernel_table(t.isa) != nullptr) {
      out.push_back(t);
    } else {
      std::cout << "skipped: " << (t.compiled ? "CPU lacks " : "build lacks ") << display_name(t.isa) << '\n';
    }
  }
  return out;
}

std::string describe(const char* isa, const GemmCase& g, uint32_t seed) {
  return std::string(isa) + " " + describe(g, seed);
}

GemmData make_data(const GemmCase& g, uint32_t seed) {
  std::mt19937 rng(seed);
  return make_data(g, rng);
}

::testing::AssertionResult matches_ref(const char* isa, cnn_context& ctx, const GemmCase& g, uint32_t seed) {
  const GemmData d = make_data(g, seed);
  return all_close(run(cnn::kernel_table(isa)->sgemm, ctx, g, d), run(cnn::sgemm_ref, ctx, g, d),
                   describe(isa, g, seed));
}

TEST(GemmIsa, DetectionAgreesWithTheCpuAndEachTierRunsItsOwnKernel) {
  ASSERT_NE(cnn::kernel_table("ref"), nullptr);
  ASSERT_NE(cnn::kernel_table("generic"), nullptr);
  EXPECT_EQ(cnn::kernel_table("ref")->sgemm, &cnn::sgemm_ref);
  EXPECT_EQ(cnn::kernel_table("generic")->sgemm, &cnn::sgemm_generic);
  EXPECT_EQ(cnn::kernel_table("sse9"), nullptr);
  EXPECT_EQ(cnn::kernel_table(nullptr), nullptr);
  const cnn::KernelTable& generic = cnn::generic_kernels();
  for (const Tier& t : all_tiers()) {
    const cnn::KernelTable* table = cnn::kernel_table(t.isa);
    if (!t.compiled || !t.cpu_has) {
      std::cout << "skipped: " << (t.compiled ? "CPU lacks " : "build lacks ") << display_name(t.isa) << '\n';
      EXPECT_EQ(table, nullptr) << t.isa << " must be reported unsupported";
      continue;
    }
    ASSERT_NE(table, nullptr) << "the CPU has " << t.isa << " but detection says no";
    std::cout << t.isa << ": " << t.kernel->name << " (MR " << t.kernel->blocking.mr << ", NR "
              << t.kernel->blocking.nr << ")\n";
    EXPECT_STREQ(table->isa, t.isa);
    if (std::strcmp(t.isa, "generic") != 0) {
      EXPECT_NE(table->sgemm, generic.sgemm) << t.isa << " must not run the generic GEMM";
      EXPECT_NE(table->sgemm, &cnn::sgemm_ref) << t.isa << " must not run the reference GEMM";
      // The GEMM-backed entries are the generic tier's (which reach the tier's sgemm); the convolutions and the
      // dense forward pass are the tier's direct ones, which fall back on them (test_conv2d_direct.cpp,
      // test_dense_direct.cpp).
      EXPECT_EQ(table->dense_backward, generic.dense_backward);
      EXPECT_NE(table->sum_squares, generic.sum_squares) << t.isa << " sums squares with its own kernel";
    }
  }
#if defined(CNN_HAVE_AVX2)
  if (cnn::kernel_table("avx2") != nullptr) {
    EXPECT_EQ(cnn::kernel_table("avx2")->sgemm, &cnn::sgemm_avx2);
  }
#endif
#if defined(CNN_HAVE_AVX512)
  if (cnn::kernel_table("avx512") != nullptr) {
    EXPECT_EQ(cnn::kernel_table("avx512")->sgemm, &cnn::sgemm_avx512);
  }
#endif
}

TEST(GemmIsa, MaxIsaCapsTheChoice) {
  std::vector<Tier> tiers = runnable_tiers();
  const char* best = tiers.back().isa;  // tiers run from slowest to fastest
  EXPECT_STREQ(cnn::choose_kernels("ref").isa, "ref");
  EXPECT_STREQ(cnn::choose_kernels("generic").isa, "generic");
  EXPECT_STREQ(cnn::choose_kernels("avx2").isa, cnn::kernel_table("avx2") != nullptr ? "avx2" : "generic");
  EXPECT_STREQ(cnn::choose_kernels("avx512").isa, best);
  EXPECT_STREQ(cnn::choose_kernels("AVX2").isa, cnn::choose_kernels("avx2").isa);  // case does not matter
  // No cap, an empty value or a name we do not know: the best tier, never an abort.
  EXPECT_STREQ(cnn::choose_kernels(nullptr).isa, best);
  EXPECT_STREQ(cnn::choose_kernels("").isa, best);
  EXPECT_STREQ(cnn::choose_kernels("avx1024").isa, best);
  // The process-wide choice is the same function applied to the environment.
  EXPECT_STREQ(cnn::kernels().isa, cnn::choose_kernels(std::getenv("CNN_MAX_ISA")).isa);
  EXPECT_STREQ(cnn_active_isa(), cnn::kernels().isa);
}

TEST(GemmIsa, EveryTierMatchesReferenceOnAwkwardShapes) {
  ContextPtr ctx = make_context(1);
  const int64_t sizes[] = {1, 3, 7, 17, 33, 127, 301};
  const float alpha_beta[][2] = {{1.0f, 0.0f}, {-0.5f, 2.0f}, {2.0f, 1.0f}, {0.75f, -1.0f}};
  for (const Tier& t : runnable_tiers()) {
    uint32_t seed = 1000;
    for (int64_t m : sizes) {
      for (int64_t n : sizes) {
        for (int64_t k : {int64_t{1}, int64_t{7}, int64_t{33}, int64_t{300}}) {
          if (m * n * k > 301 * 127 * 33) continue;  // keeps the O(mnk) reference quick
          for (int trans = 0; trans < 4; ++trans) {
            const float* ab = alpha_beta[(m + n + k + trans) % 4];
            const GemmCase g{(trans & 1) != 0, (trans & 2) != 0, m, n, k, ab[0], ab[1], (m + k + trans) % 3};
            ASSERT_TRUE(matches_ref(t.isa, *ctx, g, ++seed));
          }
        }
      }
    }
  }
}

TEST(GemmIsa, EveryTierClipsEveryEdgeTile) {
  // Every m in 1..2*MR+1 and n in 1..2*NR+1: each partial-row and partial-column count of the micro-tile.
  ContextPtr ctx = make_context(1);
  for (const Tier& t : runnable_tiers()) {
    const cnn::SgemmBlocking& bs = t.kernel->blocking;
    uint32_t seed = 2000;
    for (int64_t m = 1; m <= 2 * bs.mr + 1; ++m) {
      for (int64_t n = 1; n <= 2 * bs.nr + 1; ++n) {
        const float beta = (m + n) % 3 == 0 ? 0.0f : 0.5f;
        const GemmCase g{n % 2 == 0, m % 2 == 0, m, n, 5, 1.5f, beta, (m * n) % 3};
        ASSERT_TRUE(matches_ref(t.isa, *ctx, g, ++seed));
      }
    }
  }
}

TEST(GemmIsa, EveryTierMatchesReferenceAcrossCacheBlocks) {
  // Shapes from each tier's own block sizes, so every loop of its blocking runs twice or more, with tails.
  ContextPtr ctx = make_context(2);
  for (const Tier& t : runnable_tiers()) {
    const cnn::SgemmBlocking& bs = t.kernel->blocking;
    const GemmCase cases[] = {
        {false, false, 2 * bs.mc + 5, 67, 2 * bs.kc + 3, 1.0f, 0.0f, 0},
        {true, false, bs.mc + bs.mr + 1, 2 * bs.nr + 3, bs.kc + 1, 0.75f, -1.0f, 5},
        {false, true, bs.mc + 1, 9, 2 * bs.kc + 8, 1.0f, 1.0f, 1},
        {true, true, 61, 211, bs.kc + 44, -1.0f, 0.0f, 3},
        {false, false, 3, bs.nc + bs.nr + 7, 5, 1.0f, 0.5f, 2},
        {false, true, 17, bs.nc + 3, bs.kc + 4, 1.0f, 0.0f, 0},
    };
    uint32_t seed = 7000;
    for (const GemmCase& g : cases) ASSERT_TRUE(matches_ref(t.isa, *ctx, g, ++seed));
  }
}

TEST(GemmIsa, EveryTierMatchesReferenceOnRandomShapes) {
  ContextPtr ctx = make_context(2);
  const float alphas[] = {1.0f, -1.0f, 0.5f, 3.0f};
  const float betas[] = {0.0f, 1.0f, -0.25f};
  for (const Tier& t : runnable_tiers()) {
    std::mt19937 shapes(424242);
    std::uniform_int_distribution<int64_t> size(1, 150);
    for (uint32_t i = 0; i < 60; ++i) {
      const GemmCase g{shapes() % 2 == 0, shapes() % 2 == 0, size(shapes), size(shapes), size(shapes) * 3,
                       alphas[shapes() % 4], betas[shapes() % 3], static_cast<int64_t>(shapes() % 4)};
      ASSERT_TRUE(matches_ref(t.isa, *ctx, g, 9000 + i));
    }
  }
}

TEST(GemmIsa, EveryTierOnlyScalesCWhenThereIsNoProduct) {
  ContextPtr ctx = make_context(1);
  for (const Tier& t : runnable_tiers()) {
    const cnn::SgemmFn sgemm = cnn::kernel_table(t.isa)->sgemm;
    std::vector<float> a{1, 2}, b{3, 4}, c{1, 2, 3, 4};
    sgemm(*ctx, false, false, 2, 2, 0, 1.0f, a.data(), 1, b.data(), 2, 3.0f, c.data(), 2);  // k == 0
    EXPECT_EQ(c, (std::vector<float>{3, 6, 9, 12})) << t.isa;
    std::vector<float> nan_c(4, std::numeric_limits<float>::quiet_NaN());  // alpha == 0, beta == 0
    sgemm(*ctx, false, false, 2, 2, 1, 0.0f, a.data(), 1, b.data(), 2, 0.0f, nan_c.data(), 2);
    EXPECT_EQ(nan_c, (std::vector<float>(4, 0.0f))) << t.isa;
    sgemm(*ctx, false, false, 0, 2, 1, 1.0f, a.data(), 1, b.data(), 2, 0.0f, c.data(), 2);  // m == 0
    sgemm(*ctx, false, false, 2, 0, 1, 1.0f, a.data(), 1, b.data(), 2, 0.0f, c.data(), 2);  // n == 0
    EXPECT_EQ(c, (std::vector<float>{3, 6, 9, 12})) << t.isa;
  }
}

TEST(GemmIsa, EveryTierGivesIdenticalBitsOnOneAndTwoThreads) {
  ContextPtr one = make_context(1);
  ContextPtr two = make_context(2);
  const GemmCase cases[] = {
      {false, false, 256, 256, 300, 1.0f, 0.0f, 0}, {true, true, 401, 97, 513, 1.0f, 1.0f, 3},
      {false, true, 64, 784, 25, 1.0f, 1.0f, 0},    {true, false, 33, 1031, 800, -2.0f, 0.5f, 1},
      {false, false, 500, 33, 700, 1.0f, 0.0f, 2},
  };
  for (const Tier& t : runnable_tiers()) {
    const cnn::SgemmFn sgemm = cnn::kernel_table(t.isa)->sgemm;
    uint32_t seed = 3100;
    for (const GemmCase& g : cases) {
      const GemmData d = make_data(g, ++seed);
      const std::vector<float> c1 = run(sgemm, *one, g, d);
      const std::vector<float> c2 = run(sgemm, *two, g, d);
      ASSERT_EQ(std::memcmp(c1.data(), c2.data(), c1.size() * sizeof(float)), 0) << describe(t.isa, g, seed);
      ASSERT_TRUE(all_close(c1, run(cnn::sgemm_ref, *one, g, d), describe(t.isa, g, seed)));
    }
  }
}

}  // namespace
