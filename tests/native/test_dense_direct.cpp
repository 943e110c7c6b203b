// The dense forward pass that reads the weights in place (kernels/gemm/dense_direct.h): each tile kernel of every
// tier this build and CPU have (AVX2: 6 x 16; AVX-512: 7 x 64, 14 x 32),
// with and without bias and the fused ReLU, against dense_forward_ref on random sizes (1, primes, batches that are
// not multiples of the 16-, 32- or 64-row block, outputs that are not multiples of the 6-, 7- or 14-output tile);
// identical bits for 1 and 2 threads; which batch sizes each tier's table sends to which kernel, and that the
// tables run them.
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
#include "direct_tiers.h"
#include "kernels/gemm/dense_direct.h"
#include "kernels/kernels.h"
#include "test_util.h"

namespace {

using namespace cnn_test;

#if defined(CNN_HAVE_AVX2) || defined(CNN_HAVE_AVX512)

// Each tier's table, direct kernels, choice and table entries.
struct TierTable {
  const char* name;
  const cnn::KernelTable* table;  // null when the CPU lacks the tier
  std::vector<const cnn::DenseDirectKernel*> kernels;
  const cnn::DenseDirectKernel* (*choose)(int64_t n);
  cnn::DenseForwardFn forward, forward_relu;
};

std::vector<TierTable> tier_tables() {
  std::vector<TierTable> tiers;
#if defined(CNN_HAVE_AVX2)
  tiers.push_back({"AVX2", cnn::kernel_table("avx2"), {&cnn::dense_direct_kernel_avx2_6x16()},
                   cnn::dense_direct_choice_avx2, cnn::dense_forward_direct_avx2, cnn::dense_forward_relu_direct_avx2});
#endif
#if defined(CNN_HAVE_AVX512)
  tiers.push_back({"AVX-512", cnn::kernel_table("avx512"),
                   {&cnn::dense_direct_kernel_avx512_7x64(), &cnn::dense_direct_kernel_avx512_14x32()},
                   cnn::dense_direct_choice_avx512, cnn::dense_forward_direct_avx512,
                   cnn::dense_forward_relu_direct_avx512});
#endif
  return tiers;
}

struct DenseData {
  int64_t n, in, out;
  std::vector<float> x, w, bias;
};

DenseData make_data(int64_t n, int64_t in, int64_t out, std::mt19937& rng) {
  return {n, in, out, random_vector(static_cast<size_t>(n * in), rng), random_vector(static_cast<size_t>(out * in), rng),
          random_vector(static_cast<size_t>(out), rng)};
}

// y starts as NaN, so an element the kernel skips fails the comparison.
std::vector<float> run_direct(const cnn::DenseDirectKernel& k, cnn_context& ctx, const DenseData& d, bool bias,
                              bool relu) {
  std::vector<float> y(static_cast<size_t>(d.n * d.out), std::numeric_limits<float>::quiet_NaN());
  cnn::dense_forward_direct(k, ctx, d.n, d.in, d.out, d.x.data(), d.w.data(), bias ? d.bias.data() : nullptr, relu,
                            y.data());
  return y;
}

std::vector<float> run_ref(cnn_context& ctx, const DenseData& d, bool bias, bool relu) {
  std::vector<float> y(static_cast<size_t>(d.n * d.out));
  cnn::dense_forward_ref(ctx, d.n, d.in, d.out, d.x.data(), d.w.data(), bias ? d.bias.data() : nullptr, y.data());
  if (relu) cnn::activation_forward_ref(ctx, CNN_ACTIVATION_RELU, 0.0f, static_cast<int64_t>(y.size()), y.data(), y.data());
  return y;
}

TEST(DenseDirect, MatchesReferenceOnRandomSizes) {
  const std::vector<const cnn::DenseDirectKernel*> kernels = runnable_kernels(tier_tables());
  if (kernels.empty()) return;
  ContextPtr ctx = make_context(2);
  std::mt19937 rng(20261126);
  std::uniform_int_distribution<int64_t> batch(1, 150), features(1, 300), outputs(1, 100);
  for (int i = 0; i < 80; ++i) {
    const DenseData d = make_data(batch(rng), features(rng), outputs(rng), rng);
    for (bool bias : {false, true}) {
      for (bool relu : {false, true}) {
        const std::vector<float> ref = run_ref(*ctx, d, bias, relu);
        for (const cnn::DenseDirectKernel* k : kernels) {
          const std::string what = std::string(k->name) + " n " + std::to_string(d.n) + " in " + std::to_string(d.in) +
                                   " out " + std::to_string(d.out) + (bias ? " bias" : "") + (relu ? " ReLU" : "");
          ASSERT_TRUE(all_close(run_direct(*k, *ctx, d, bias, relu), ref, what));
        }
      }
    }
  }
}

TEST(DenseDirect, ChosenSizesAndThreads) {
  const std::vector<const cnn::DenseDirectKernel*> kernels = runnable_kernels(tier_tables());
  if (kernels.empty()) return;
  ContextPtr one = make_context(1), two = make_context(2);
  std::mt19937 rng(5);
  // The reference network's layers at batch 64, a single row, one output, a prime batch across two blocks.
  const int64_t sizes[][3] = {{64, 3136, 1024}, {64, 1024, 10}, {1, 7, 1}, {97, 13, 29}, {33, 64, 15}};
  for (const auto& s : sizes) {
    const DenseData d = make_data(s[0], s[1], s[2], rng);
    const std::vector<float> ref = run_ref(*two, d, true, true);
    for (const cnn::DenseDirectKernel* k : kernels) {
      const std::vector<float> a = run_direct(*k, *one, d, true, true);
      const std::vector<float> b = run_direct(*k, *two, d, true, true);
      const std::string what = std::string(k->name) + " n " + std::to_string(d.n) + " in " + std::to_string(d.in) +
                               " out " + std::to_string(d.out);
      ASSERT_TRUE(all_close(a, ref, what));
      ASSERT_EQ(0, std::memcmp(a.data(), b.data(), a.size() * sizeof(float))) << what << ": 1 vs 2 threads";
    }
  }
}

#if defined(CNN_HAVE_AVX512)
TEST(DenseDirect, Avx512TableChoosesByBatch) {
  EXPECT_EQ(cnn::dense_direct_choice_avx512(1), nullptr);
  EXPECT_EQ(cnn::dense_direct_choice_avx512(16), nullptr);
  EXPECT_EQ(cnn::dense_direct_choice_avx512(17), &cnn::dense_direct_kernel_avx512_14x32());
  EXPECT_EQ(cnn::dense_direct_choice_avx512(32), &cnn::dense_direct_kernel_avx512_14x32());
  EXPECT_EQ(cnn::dense_direct_choice_avx512(33), &cnn::dense_direct_kernel_avx512_7x64());
  EXPECT_EQ(cnn::dense_direct_choice_avx512(64), &cnn::dense_direct_kernel_avx512_7x64());
  EXPECT_EQ(cnn::dense_direct_choice_avx512(96), &cnn::dense_direct_kernel_avx512_14x32());
  EXPECT_EQ(cnn::dense_direct_choice_avx512(128), &cnn::dense_direct_kernel_avx512_7x64());
  EXPECT_EQ(cnn::dense_direct_choice_avx512(129), nullptr);
}
#endif

#if defined(CNN_HAVE_AVX2)
TEST(DenseDirect, Avx2TableChoosesByBatch) {
  const cnn::DenseDirectKernel* k6 = &cnn::dense_direct_kernel_avx2_6x16();
  EXPECT_EQ(cnn::dense_direct_choice_avx2(1), nullptr);
  EXPECT_EQ(cnn::dense_direct_choice_avx2(16), nullptr);
  EXPECT_EQ(cnn::dense_direct_choice_avx2(17), k6);
  EXPECT_EQ(cnn::dense_direct_choice_avx2(64), k6);
  EXPECT_EQ(cnn::dense_direct_choice_avx2(128), k6);
  EXPECT_EQ(cnn::dense_direct_choice_avx2(129), nullptr);
}
#endif

// Each tier's table holds its direct entries and runs the chosen kernel: bit for bit its result at batch 64.
TEST(DenseDirect, TablesRunTheChosenKernel) {
  ContextPtr ctx = make_context(2);
  std::mt19937 rng(8);
  const DenseData d = make_data(64, 200, 30, rng);
  std::vector<float> table(static_cast<size_t>(64 * 30));
  for (const TierTable& t : runnable(tier_tables())) {
    EXPECT_EQ(t.table->dense_forward, t.forward) << t.name;
    EXPECT_EQ(t.table->dense_forward_relu, t.forward_relu) << t.name;
    const cnn::DenseDirectKernel* k = t.choose(d.n);
    ASSERT_NE(k, nullptr) << t.name << " must run batch 64 directly";
    t.table->dense_forward_relu(*ctx, d.n, d.in, d.out, d.x.data(), d.w.data(), d.bias.data(), table.data());
    const std::vector<float> direct = run_direct(*k, *ctx, d, true, true);
    EXPECT_EQ(0, std::memcmp(table.data(), direct.data(), table.size() * sizeof(float))) << t.name;
    t.table->dense_forward(*ctx, d.n, d.in, d.out, d.x.data(), d.w.data(), d.bias.data(), table.data());
    const std::vector<float> plain = run_direct(*k, *ctx, d, true, false);
    EXPECT_EQ(0, std::memcmp(table.data(), plain.data(), table.size() * sizeof(float))) << t.name << " without ReLU";
  }
}

// ReLU keeps NaN: a NaN feature of one row makes exactly that row's outputs NaN.
TEST(DenseDirect, ReluKeepsNaN) {
  const std::vector<const cnn::DenseDirectKernel*> kernels = runnable_kernels(tier_tables());
  if (kernels.empty()) return;
  ContextPtr ctx = make_context(1);
  std::mt19937 rng(9);
  DenseData d = make_data(40, 21, 9, rng);
  d.x[static_cast<size_t>(17 * 21 + 4)] = std::numeric_limits<float>::quiet_NaN();
  for (const cnn::DenseDirectKernel* k : kernels) {
    const std::vector<float> y = run_direct(*k, *ctx, d, true, true);
    for (int64_t r = 0; r < 40; ++r) {
      for (int64_t o = 0; o < 9; ++o) {
        const float v = y[static_cast<size_t>(r * 9 + o)];
        EXPECT_EQ(r == 17, std::isnan(v)) << k->name << " row " << r << " output " << o;
      }
    }
  }
}

#else

TEST(DenseDirect, NotBuilt) { std::cout << "skipped: build lacks AVX2 and AVX-512 (no direct dense kernel)\n"; }

#endif

}  // namespace
