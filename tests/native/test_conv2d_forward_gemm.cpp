// The forward convolution as GEMMs with im2col inside the B packing (conv2d_forward_gemm), on every SGEMM tier
// this CPU runs (generic, avx2, avx512: each with its own panel packer) and both batch strategies (per image,
// whole batch), with and without the fused ReLU, against conv2d_forward_ref on random geometries (sizes 1 and
// primes, odd channel counts, kernels 1-7, strides 1-3, paddings 0-3 per side, dilation 1-2, batch 1 and more)
// and chosen ones (1x1 stride-1 shortcut, outputs narrower and wider than a panel, the benchmark layers).
// Also: identical bits for 1 and 2 threads and for both strategies, and which packer each tier runs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "conv2d_cases.h"
#include "core/context.h"
#include "kernels/gemm/conv_forward.h"
#include "kernels/gemm/conv_operands.h"
#include "kernels/gemm/sgemm_driver.h"
#include "kernels/kernels.h"
#include "test_util.h"

namespace {

using namespace cnn_test;

struct Tier {
  const char* isa;
  const cnn::SgemmKernel* kernel;
  cnn::ConvPanelPackFn packer;  // the panel packer this tier must run
};

// The tiers whose kernels this build and CPU can run; says out loud which ones are skipped.
std::vector<Tier> runnable_tiers() {
  std::vector<Tier> tiers{{"generic", &cnn::sgemm_kernel_generic(), cnn::conv_pack_panel_portable}};
#if defined(CNN_HAVE_AVX2)
  if (cnn::kernel_table("avx2") != nullptr)
    tiers.push_back({"avx2", &cnn::sgemm_kernel_avx2(), cnn::conv_pack_panel_avx2});
  else
    std::cout << "skipped: CPU lacks AVX2\n";
#else
  std::cout << "skipped: build lacks AVX2\n";
#endif
#if defined(CNN_HAVE_AVX512)
  if (cnn::kernel_table("avx512") != nullptr)
    tiers.push_back({"avx512", &cnn::sgemm_kernel_avx512(), cnn::conv_pack_panel_avx512});
  else
    std::cout << "skipped: CPU lacks AVX-512\n";
#else
  std::cout << "skipped: build lacks AVX-512\n";
#endif
  return tiers;
}

// y starts as NaN, so an element the kernel skips fails the comparison.
std::vector<float> run_gemm(const Tier& tier, cnn_context& ctx, const ConvCase& s, const ConvData& d,
                            cnn::ConvBatchPlan plan, bool relu) {
  const cnn::Conv2dGeometry g = geometry(s);
  std::vector<float> y(static_cast<size_t>(g.n * g.oc * g.oh * g.ow), std::numeric_limits<float>::quiet_NaN());
  cnn::conv2d_forward_gemm_with(*tier.kernel, ctx, g, plan, d.x.data(), d.w.data(), s.bias ? d.bias.data() : nullptr,
                                relu, y.data());
  return y;
}

const char* plan_name(cnn::ConvBatchPlan plan) {
  return plan == cnn::ConvBatchPlan::kPerImage ? "per image" : "whole batch";
}

// Checks one case on every tier, both strategies, with and without ReLU.
::testing::AssertionResult matches_everywhere(const std::vector<Tier>& tiers, cnn_context& ctx, const ConvCase& s,
                                              uint32_t seed) {
  std::mt19937 rng(seed);
  const ConvData d = make_conv_data(s, rng);
  for (bool relu : {false, true}) {
    const std::vector<float> ref = run_conv_ref(ctx, s, d, relu);
    for (const Tier& tier : tiers) {
      for (cnn::ConvBatchPlan plan : {cnn::ConvBatchPlan::kPerImage, cnn::ConvBatchPlan::kWholeBatch}) {
        ::testing::AssertionResult r = all_close(run_gemm(tier, ctx, s, d, plan, relu), ref,
                                                 describe(s, seed) + " on " + tier.isa + ", " + plan_name(plan) +
                                                     (relu ? ", ReLU" : ""));
        if (!r) return r;
      }
    }
  }
  return ::testing::AssertionSuccess();
}

TEST(Conv2dForwardGemm, TablesAndTiersNameTheirKernels) {
  EXPECT_EQ(cnn::generic_kernels().conv2d_forward, &cnn::conv2d_forward_gemm);
  EXPECT_EQ(cnn::generic_kernels().conv2d_forward_relu, &cnn::conv2d_forward_gemm_relu);
  EXPECT_EQ(cnn::reference_kernels().conv2d_forward_relu, nullptr);
  EXPECT_EQ(cnn::reference_kernels().dense_forward_relu, nullptr);
  const cnn::Conv2dGeometry g = geometry(ConvCase{1, 3, 9, 9, 4, 3, 3, {1, 1, 1, 1, 1, 1, 1, 1}, false});
  for (const Tier& tier : runnable_tiers()) {
    std::cout << tier.isa << ": " << tier.kernel->name << '\n';
    EXPECT_EQ(cnn::conv_forward_b(*tier.kernel, g).panel, tier.packer) << tier.isa;
  }
}

TEST(Conv2dForwardGemm, BatchStrategyFollowsTheRule) {
  // Whole batch for small images or an uneven split between threads; per image for >= 1024-pixel images that
  // split evenly (conv2d_forward_gemm.cpp explains the rule).
  ContextPtr one = make_context(1), two = make_context(2);
  const cnn_conv2d_params same3{1, 1, 1, 1, 1, 1, 1, 1};
  const cnn::Conv2dGeometry small = geometry(ConvCase{64, 32, 14, 14, 64, 3, 3, same3, true});
  const cnn::Conv2dGeometry large = geometry(ConvCase{8, 16, 32, 32, 16, 3, 3, same3, true});  // 1024 pixels
  const cnn::Conv2dGeometry large_odd = geometry(ConvCase{3, 16, 32, 32, 16, 3, 3, same3, true});
  const cnn::Conv2dGeometry just_under = geometry(ConvCase{8, 16, 31, 33, 16, 3, 3, same3, true});  // 1023
  EXPECT_EQ(cnn::conv_batch_plan(*one, small), cnn::ConvBatchPlan::kWholeBatch);
  EXPECT_EQ(cnn::conv_batch_plan(*two, small), cnn::ConvBatchPlan::kWholeBatch);
  EXPECT_EQ(cnn::conv_batch_plan(*one, large), cnn::ConvBatchPlan::kPerImage);
  EXPECT_EQ(cnn::conv_batch_plan(*two, large), cnn::ConvBatchPlan::kPerImage);
  EXPECT_EQ(cnn::conv_batch_plan(*one, large_odd), cnn::ConvBatchPlan::kPerImage);
  EXPECT_EQ(cnn::conv_batch_plan(*two, large_odd), cnn::ConvBatchPlan::kWholeBatch);
  EXPECT_EQ(cnn::conv_batch_plan(*two, just_under), cnn::ConvBatchPlan::kWholeBatch);
}

TEST(Conv2dForwardGemm, EveryTierAndStrategyMatchesReferenceOnRandomShapes) {
  const std::vector<Tier> tiers = runnable_tiers();
  ContextPtr ctx = make_context(2);
  std::mt19937 shapes(20261122);
  int batched = 0, strided = 0, dilated = 0, asymmetric = 0;
  for (uint32_t i = 0; i < 200; ++i) {
    ConvCase s = random_case(shapes);
    ASSERT_TRUE(matches_everywhere(tiers, *ctx, s, 9000 + i));
    batched += s.n > 1;
    strided += s.p.stride_h > 1 || s.p.stride_w > 1;
    dilated += s.p.dilation_h > 1 || s.p.dilation_w > 1;
    asymmetric += s.p.pad_top != s.p.pad_bottom || s.p.pad_left != s.p.pad_right;
  }
  EXPECT_GT(batched, 50);
  EXPECT_GT(strided, 50);
  EXPECT_GT(dilated, 50);
  EXPECT_GT(asymmetric, 50);
}

TEST(Conv2dForwardGemm, EveryTierAndStrategyMatchesReferenceOnChosenShapes) {
  const std::vector<Tier> tiers = runnable_tiers();
  ContextPtr ctx = make_context(2);
  // n, c, h, w, oc, kh, kw, {stride_h, stride_w, pad_top, pad_bottom, pad_left, pad_right, dilation_h, dilation_w}
  const ConvCase cases[] = {
      {1, 1, 1, 1, 1, 1, 1, {1, 1, 0, 0, 0, 0, 1, 1}, false},     // everything 1
      {3, 5, 7, 11, 3, 1, 1, {1, 1, 0, 0, 0, 0, 1, 1}, true},     // 1x1 stride 1: the image is the col matrix
      {2, 5, 7, 11, 3, 1, 1, {1, 1, 0, 0, 0, 0, 2, 2}, false},    // ... whatever the dilation of a 1x1 kernel
      {5, 3, 1, 3, 7, 1, 1, {1, 1, 0, 0, 0, 0, 1, 1}, true},      // 1x1 with images of 3 pixels (< NR)
      {1, 4, 9, 9, 6, 1, 1, {2, 2, 0, 0, 0, 0, 1, 1}, true},      // 1x1 with stride
      {1, 3, 5, 5, 2, 1, 1, {1, 1, 1, 0, 0, 1, 1, 1}, true},      // 1x1 with asymmetric padding
      {3, 7, 13, 17, 11, 7, 7, {1, 1, 3, 3, 3, 3, 1, 1}, true},   // K = 343 > KC
      {1, 2, 3, 3, 2, 5, 5, {1, 1, 1, 1, 1, 1, 1, 1}, false},     // window equals the padded input
      {4, 3, 2, 37, 5, 1, 3, {1, 1, 0, 0, 0, 2, 1, 1}, true},     // rows wider than a 32-column panel
      {2, 2, 70, 3, 3, 3, 3, {1, 1, 1, 1, 1, 1, 1, 1}, true},     // 3-pixel rows: many segments per panel
      {2, 3, 11, 13, 5, 3, 3, {1, 2, 0, 3, 2, 0, 2, 1}, true},    // strided columns, asymmetric pads, dilation
      {2, 1, 28, 28, 32, 5, 5, {1, 1, 2, 2, 2, 2, 1, 1}, true},   // benchmark L1 (batch 2)
      {2, 32, 14, 14, 64, 5, 5, {1, 1, 2, 2, 2, 2, 1, 1}, true},  // benchmark L2 (batch 2)
      {1, 3, 45, 45, 64, 7, 7, {2, 2, 3, 3, 3, 3, 1, 1}, true},   // benchmark L4's geometry, smaller
      {1, 3, 67, 67, 17, 3, 3, {1, 1, 1, 1, 1, 1, 1, 1}, true},   // more than NC columns
  };
  uint32_t seed = 700;
  for (const ConvCase& s : cases) ASSERT_TRUE(matches_everywhere(tiers, *ctx, s, ++seed));
}

TEST(Conv2dForwardGemm, ThreadsAndStrategiesGiveIdenticalBits) {
  const std::vector<Tier> tiers = runnable_tiers();
  ContextPtr one = make_context(1);
  ContextPtr two = make_context(2);
  const ConvCase cases[] = {
      {3, 1, 28, 28, 32, 5, 5, {1, 1, 2, 2, 2, 2, 1, 1}, true},
      {3, 16, 14, 14, 32, 5, 5, {1, 1, 2, 2, 2, 2, 1, 1}, false},
      {2, 9, 23, 19, 13, 3, 5, {2, 1, 3, 0, 1, 2, 2, 1}, true},
      {4, 8, 6, 6, 20, 1, 1, {1, 1, 0, 0, 0, 0, 1, 1}, true},
  };
  uint32_t seed = 4100;
  for (const ConvCase& s : cases) {
    std::mt19937 rng(++seed);
    const ConvData d = make_conv_data(s, rng);
    for (const Tier& tier : tiers) {
      const std::vector<float> base = run_gemm(tier, *one, s, d, cnn::ConvBatchPlan::kPerImage, true);
      for (cnn::ConvBatchPlan plan : {cnn::ConvBatchPlan::kPerImage, cnn::ConvBatchPlan::kWholeBatch}) {
        for (cnn_context* ctx : {one.get(), two.get()}) {
          const std::vector<float> y = run_gemm(tier, *ctx, s, d, plan, true);
          ASSERT_EQ(std::memcmp(y.data(), base.data(), y.size() * sizeof(float)), 0)
              << describe(s, seed) << " on " << tier.isa << ", " << plan_name(plan) << ", "
              << ctx->threads.load() << " threads";
        }
      }
    }
  }
}

}  // namespace
