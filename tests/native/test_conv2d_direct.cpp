// The direct forward convolution (kernels/gemm/conv_direct.h): each tile kernel of every tier this build and CPU
// have (AVX2: 6 x 16; AVX-512: 7 x 64, 14 x 32), both strides, with and
// without bias and the fused ReLU, against conv2d_forward_ref on random geometries (sizes 1 and primes, channel
// counts that are not multiples of 16, outputs narrower than a tile and not multiples of it, kernels 1-7,
// paddings 0-3 per side, dilation 1-2, batch 1 and more) and chosen ones (the benchmark layers); identical bits
// for 1 and 2 threads in both threading modes (whole images, rows of one image); which shapes each tier's table
// sends to which kernel; and that the tables' forward convolutions are the ones that ran. The data gradient of a
// stride-1 convolution, a direct forward convolution of dy, against conv2d_backward_data_ref likewise, and the
// filter gradient's tiles against conv2d_backward_filter_ref (and, for batches done in rounds, the GEMM path).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "conv2d_cases.h"
#include "direct_tiers.h"
#include "core/context.h"
#include "kernels/gemm/conv_direct.h"
#include "kernels/gemm/conv_plane.h"
#include "kernels/gemm/conv_winograd.h"
#include "kernels/kernels.h"
#include "test_util.h"

namespace {

using namespace cnn_test;

#if defined(CNN_HAVE_AVX2) || defined(CNN_HAVE_AVX512)

// y starts as NaN, so an element the kernel skips fails the comparison.
std::vector<float> run_direct(const cnn::ConvDirectKernel& k, cnn_context& ctx, const ConvCase& s, const ConvData& d,
                              bool relu) {
  const cnn::Conv2dGeometry g = geometry(s);
  std::vector<float> y(static_cast<size_t>(g.n * g.oc * g.oh * g.ow), std::numeric_limits<float>::quiet_NaN());
  cnn::conv2d_forward_direct(k, ctx, g, d.x.data(), d.w.data(), s.bias ? d.bias.data() : nullptr, relu, y.data());
  return y;
}

// Each tier's table, direct kernels, choice functions and table entries.
struct TierTable {
  const char* name;
  const cnn::KernelTable* table;  // null when the CPU lacks the tier
  std::vector<const cnn::ConvDirectKernel*> kernels;
  const cnn::ConvDirectKernel* (*choose)(const cnn::Conv2dGeometry& g, int threads);
  const cnn::ConvDirectKernel* (*choose_data)(const cnn::Conv2dGeometry& g, int threads);
  const cnn::ConvDirectKernel* (*choose_filter)(const cnn::Conv2dGeometry& g, int threads);
  const cnn::ConvWinogradKernel* (*choose_winograd)(const cnn::Conv2dGeometry& g, int threads);
  const cnn::ConvPlaneKernel* (*choose_plane)(const cnn::Conv2dGeometry& g, int threads);
  cnn::Conv2dForwardFn forward, forward_relu;
  cnn::Conv2dBackwardDataFn backward_data;
  cnn::Conv2dBackwardFilterFn backward_filter;
};

std::vector<TierTable> tier_tables() {
  std::vector<TierTable> tiers;
#if defined(CNN_HAVE_AVX2)
  tiers.push_back({"AVX2", cnn::kernel_table("avx2"), {&cnn::conv_direct_kernel_avx2_6x16()},
                   cnn::conv_direct_choice_avx2, cnn::conv_data_choice_avx2, cnn::conv_filter_choice_avx2,
                   cnn::conv_winograd_choice_avx2, cnn::conv_plane_filter_choice_avx2, cnn::conv2d_forward_avx2,
                   cnn::conv2d_forward_relu_avx2, cnn::conv2d_backward_data_avx2, cnn::conv2d_backward_filter_avx2});
#endif
#if defined(CNN_HAVE_AVX512)
  tiers.push_back({"AVX-512", cnn::kernel_table("avx512"),
                   {&cnn::conv_direct_kernel_avx512_7x64(), &cnn::conv_direct_kernel_avx512_14x32()},
                   cnn::conv_direct_choice_avx512, cnn::conv_data_choice_avx512, cnn::conv_filter_choice_avx512,
                   cnn::conv_winograd_choice_avx512, cnn::conv_plane_filter_choice_avx512, cnn::conv2d_forward_avx512,
                   cnn::conv2d_forward_relu_avx512, cnn::conv2d_backward_data_avx512,
                   cnn::conv2d_backward_filter_avx512});
#endif
  return tiers;
}

std::vector<const cnn::ConvDirectKernel*> all_kernels() { return cnn_test::runnable_kernels(tier_tables()); }

::testing::AssertionResult matches_reference(cnn_context& ctx, const ConvCase& s, uint32_t seed) {
  std::mt19937 rng(seed);
  const ConvData d = make_conv_data(s, rng);
  for (bool relu : {false, true}) {
    const std::vector<float> ref = run_conv_ref(ctx, s, d, relu);
    for (const cnn::ConvDirectKernel* k : all_kernels()) {
      ::testing::AssertionResult r =
          all_close(run_direct(*k, ctx, s, d, relu), ref, describe(s, seed) + " on " + k->name + (relu ? ", ReLU" : ""));
      if (!r) return r;
    }
  }
  return ::testing::AssertionSuccess();
}

TEST(Conv2dDirect, MatchesReferenceOnRandomShapes) {
  const std::vector<const cnn::ConvDirectKernel*> kernels = all_kernels();
  if (kernels.empty()) return;
  ContextPtr ctx = make_context(2);
  std::mt19937 shapes(20261123);
  std::uniform_int_distribution<int64_t> channels(1, 80);
  int batched = 0, strided = 0, dilated = 0, asymmetric = 0, partial_block = 0;
  for (uint32_t i = 0; i < 150; ++i) {
    ConvCase s = random_case(shapes);
    s.p.stride_w = 1 + static_cast<int32_t>(i % 2);  // the strides the tiles have code for
    if (conv_out_size(s.w, s.kw, s.p.stride_w, s.p.pad_left, s.p.pad_right, s.p.dilation_w) < 1) continue;
    s.oc = channels(shapes);
    ASSERT_TRUE(matches_reference(*ctx, s, 5000 + i));
    batched += s.n > 1;
    strided += s.p.stride_h > 1 || s.p.stride_w > 1;
    dilated += s.p.dilation_h > 1 || s.p.dilation_w > 1;
    asymmetric += s.p.pad_top != s.p.pad_bottom || s.p.pad_left != s.p.pad_right;
    partial_block += s.oc % 32 != 0;
  }
  EXPECT_GT(batched, 40);
  EXPECT_GT(strided, 40);
  EXPECT_GT(dilated, 40);
  EXPECT_GT(asymmetric, 40);
  EXPECT_GT(partial_block, 40);
}

TEST(Conv2dDirect, MatchesReferenceOnChosenShapes) {
  const std::vector<const cnn::ConvDirectKernel*> kernels = all_kernels();
  if (kernels.empty()) return;
  ContextPtr ctx = make_context(2);
  // n, c, h, w, oc, kh, kw, {stride_h, stride_w, pad_top, pad_bottom, pad_left, pad_right, dilation_h, dilation_w}
  const ConvCase cases[] = {
      {1, 1, 1, 1, 1, 1, 1, {1, 1, 0, 0, 0, 0, 1, 1}, false},      // everything 1
      {2, 3, 5, 29, 16, 3, 3, {1, 1, 1, 1, 1, 1, 1, 1}, true},     // 29 pixels: 4 x 7 + 1, 2 x 14 + 1
      {1, 2, 9, 13, 65, 3, 3, {1, 1, 0, 0, 0, 0, 1, 1}, true},     // 65 channels: one channel in the last block
      {3, 4, 8, 8, 33, 1, 1, {1, 2, 0, 0, 0, 0, 1, 1}, true},      // 1x1 with stride 2
      {1, 2, 3, 3, 17, 5, 5, {1, 1, 1, 1, 1, 1, 1, 1}, false},     // window equals the padded input
      {2, 5, 12, 31, 40, 3, 5, {2, 2, 0, 3, 2, 0, 2, 2}, true},    // strided, asymmetric pads, dilated
      {2, 3, 6, 40, 24, 1, 7, {1, 1, 0, 0, 3, 3, 1, 1}, true},     // padding wider than the image's edge tiles
      {2, 1, 28, 28, 32, 5, 5, {1, 1, 2, 2, 2, 2, 1, 1}, true},    // benchmark L1 (batch 2)
      {2, 32, 14, 14, 64, 5, 5, {1, 1, 2, 2, 2, 2, 1, 1}, true},   // benchmark L2 (batch 2)
      {1, 64, 20, 20, 64, 3, 3, {1, 1, 1, 1, 1, 1, 1, 1}, true},   // benchmark L3's geometry, smaller
      {1, 3, 45, 45, 64, 7, 7, {2, 2, 3, 3, 3, 3, 1, 1}, true},    // benchmark L4's geometry, smaller
  };
  uint32_t seed = 800;
  for (const ConvCase& s : cases) ASSERT_TRUE(matches_reference(*ctx, s, ++seed));
}

TEST(Conv2dDirect, ThreadCountsGiveIdenticalBits) {
  const std::vector<const cnn::ConvDirectKernel*> kernels = all_kernels();
  if (kernels.empty()) return;
  ContextPtr one = make_context(1);
  ContextPtr two = make_context(2);
  ContextPtr three = make_context(3);
  // Rows split between threads: each thread packs the weights of the blocks whose first row is its own, so
  // blocks that start inside a thread's run, and threads with no block to pack, both occur below.
  const ConvCase cases[] = {
      {1, 8, 14, 14, 64, 5, 5, {1, 1, 2, 2, 2, 2, 1, 1}, true},    // one image: rows split between threads
      {3, 16, 14, 14, 40, 3, 3, {1, 1, 1, 1, 1, 1, 1, 1}, true},   // 3 images on 2 threads: rows again
      {1, 16, 13, 17, 80, 3, 3, {1, 1, 1, 1, 1, 1, 1, 1}, false},  // 80 channels: 2-3 blocks over 13 rows
      {2, 24, 15, 9, 112, 3, 3, {1, 2, 1, 1, 0, 2, 1, 1}, true},   // stride 2 columns, 2-4 blocks, 15 rows
      {4, 6, 23, 19, 48, 3, 5, {2, 1, 3, 0, 1, 2, 2, 1}, false},   // 4 images: whole images per thread
  };
  uint32_t seed = 4200;
  for (const ConvCase& s : cases) {
    ++seed;
    ASSERT_TRUE(matches_reference(*three, s, seed));
    std::mt19937 rng(seed);
    const ConvData d = make_conv_data(s, rng);
    for (const cnn::ConvDirectKernel* k : kernels) {
      const std::vector<float> a = run_direct(*k, *one, s, d, true);
      for (cnn_context* ctx : {two.get(), three.get()}) {
        const std::vector<float> b = run_direct(*k, *ctx, s, d, true);
        ASSERT_EQ(0, std::memcmp(a.data(), b.data(), a.size() * sizeof(float)))
            << describe(s, seed) << " " << k->name << " on " << ctx->threads.load() << " threads";
      }
    }
  }
}

#if defined(CNN_HAVE_AVX512)
TEST(Conv2dDirect, Avx512TableChoosesByShape) {
  auto direct = [](const ConvCase& c, int threads) { return cnn::conv_direct_choice_avx512(geometry(c), threads); };
  auto data = [](const ConvCase& c, int threads) { return cnn::conv_data_choice_avx512(geometry(c), threads); };
  auto filter = [](const ConvCase& c, int threads) { return cnn::conv_filter_choice_avx512(geometry(c), threads); };
  const cnn_conv2d_params same5{1, 1, 2, 2, 2, 2, 1, 1};
  const cnn::ConvDirectKernel* k7 = &cnn::conv_direct_kernel_avx512_7x64();
  const cnn::ConvDirectKernel* k14 = &cnn::conv_direct_kernel_avx512_14x32();
  // The benchmark layers: 64 channels on 14-pixel rows -> 7 x 64; 32 channels -> 14 x 32; wide rows -> 14 x 32.
  EXPECT_EQ(direct(ConvCase{64, 32, 14, 14, 64, 5, 5, same5, true}, 1), k7);
  EXPECT_EQ(direct(ConvCase{64, 1, 28, 28, 32, 5, 5, same5, true}, 1), k14);
  EXPECT_EQ(direct(ConvCase{8, 64, 56, 56, 64, 3, 3, {1, 1, 1, 1, 1, 1, 1, 1}, true}, 1), k14);
  EXPECT_EQ(direct(ConvCase{8, 3, 224, 224, 64, 7, 7, {2, 2, 3, 3, 3, 3, 1, 1}, true}, 1), k14);
  // L2 at batch 1 (and 3): 2 threads share each image's rows, and 14 x 32's two blocks give each its own
  // weights; on 1 thread, or with whole images per thread (batch 64, 2), or 3 threads (no even share of 2
  // blocks), 7 x 64 as above.
  const ConvCase l2_single{1, 32, 14, 14, 64, 5, 5, same5, true};
  EXPECT_EQ(direct(l2_single, 2), k14);
  EXPECT_EQ(direct(ConvCase{3, 32, 14, 14, 64, 5, 5, same5, true}, 2), k14);
  EXPECT_EQ(direct(l2_single, 1), k7);
  EXPECT_EQ(direct(l2_single, 3), k7);
  EXPECT_EQ(direct(ConvCase{64, 32, 14, 14, 64, 5, 5, same5, true}, 2), k7);
  EXPECT_EQ(direct(ConvCase{2, 32, 14, 14, 64, 5, 5, same5, true}, 2), k7);
  EXPECT_EQ(data(l2_single, 2), k14);
  // The GEMM path: 1x1 stride 1 unpadded (straight to GEMM), stride 3, fewer than 16 channels, 1-pixel rows.
  EXPECT_EQ(direct(ConvCase{2, 16, 7, 7, 32, 1, 1, {1, 1, 0, 0, 0, 0, 1, 1}, true}, 1), nullptr);
  EXPECT_EQ(direct(ConvCase{2, 3, 30, 30, 32, 3, 3, {3, 3, 0, 0, 0, 0, 1, 1}, true}, 1), nullptr);
  EXPECT_EQ(direct(ConvCase{2, 3, 14, 14, 10, 5, 5, same5, true}, 1), nullptr);
  EXPECT_EQ(direct(ConvCase{2, 64, 1, 1, 64, 1, 1, {1, 1, 0, 0, 1, 1, 1, 1}, true}, 1), nullptr);
  // The filter gradient: the tile whose taps and channels pad the least.
  EXPECT_EQ(filter(ConvCase{3, 1, 28, 28, 32, 5, 5, same5, false}, 1), k14);  // 25 taps
  EXPECT_EQ(filter(ConvCase{8, 32, 14, 14, 64, 5, 5, same5, true}, 1), k7);
  EXPECT_EQ(filter(ConvCase{2, 3, 30, 30, 32, 3, 3, {3, 3, 0, 0, 0, 0, 1, 1}, true}, 1), nullptr);  // stride 3
  EXPECT_EQ(filter(ConvCase{2, 3, 14, 14, 10, 5, 5, same5, true}, 1), nullptr);  // 10 channels
}
#endif

#if defined(CNN_HAVE_AVX2)
TEST(Conv2dDirect, Avx2TableChoosesByShape) {
  auto direct = [](const ConvCase& c, int threads) { return cnn::conv_direct_choice_avx2(geometry(c), threads); };
  auto data = [](const ConvCase& c, int threads) { return cnn::conv_data_choice_avx2(geometry(c), threads); };
  auto filter = [](const ConvCase& c, int threads) { return cnn::conv_filter_choice_avx2(geometry(c), threads); };
  const cnn_conv2d_params same5{1, 1, 2, 2, 2, 2, 1, 1};
  const cnn::ConvDirectKernel* k6 = &cnn::conv_direct_kernel_avx2_6x16();
  const cnn_conv2d_params same3{1, 1, 1, 1, 1, 1, 1, 1};
  // The benchmark layers.
  EXPECT_EQ(direct(ConvCase{64, 1, 28, 28, 32, 5, 5, same5, true}, 1), k6);
  // L2's 14-pixel rows: 6-pixel tiles compute 18, and L2 measured faster on the GEMM; its data gradient (dy's
  // 14-pixel rows again) measured faster direct.
  EXPECT_EQ(direct(ConvCase{64, 32, 14, 14, 64, 5, 5, same5, true}, 1), nullptr);
  EXPECT_EQ(data(ConvCase{64, 64, 14, 14, 32, 5, 5, same5, true}, 1), k6);
  EXPECT_EQ(direct(ConvCase{8, 64, 56, 56, 64, 3, 3, same3, true}, 1), k6);
  EXPECT_EQ(direct(ConvCase{8, 3, 224, 224, 64, 7, 7, {2, 2, 3, 3, 3, 3, 1, 1}, true}, 1), k6);
  // The GEMM path: 1x1 stride 1 unpadded, stride 3, fewer than 16 channels.
  EXPECT_EQ(direct(ConvCase{2, 16, 7, 7, 32, 1, 1, {1, 1, 0, 0, 0, 0, 1, 1}, true}, 1), nullptr);
  EXPECT_EQ(direct(ConvCase{2, 3, 30, 30, 32, 3, 3, {3, 3, 0, 0, 0, 0, 1, 1}, true}, 1), nullptr);
  EXPECT_EQ(direct(ConvCase{2, 3, 14, 14, 10, 5, 5, same5, true}, 1), nullptr);
  // The filter gradient.
  EXPECT_EQ(filter(ConvCase{64, 1, 28, 28, 32, 5, 5, same5, true}, 1), k6);
  EXPECT_EQ(filter(ConvCase{64, 32, 14, 14, 64, 5, 5, same5, true}, 1), k6);
  EXPECT_EQ(filter(ConvCase{2, 3, 30, 30, 32, 3, 3, {3, 3, 0, 0, 0, 0, 1, 1}, true}, 1), nullptr);  // stride 3
  EXPECT_EQ(filter(ConvCase{2, 3, 14, 14, 10, 5, 5, same5, true}, 1), nullptr);
}
#endif

// Each tier's table holds its own direct entries (not the generic tier's im2col + GEMM ones).
TEST(Conv2dDirect, TablesHoldTheDirectEntries) {
  for (const TierTable& t : runnable(tier_tables())) {
    EXPECT_EQ(t.table->conv2d_forward, t.forward) << t.name;
    EXPECT_EQ(t.table->conv2d_forward_relu, t.forward_relu) << t.name;
    EXPECT_EQ(t.table->conv2d_backward_data, t.backward_data) << t.name;
    EXPECT_EQ(t.table->conv2d_backward_filter, t.backward_filter) << t.name;
    EXPECT_NE(t.table->conv2d_forward, cnn::generic_kernels().conv2d_forward) << t.name;
  }
}

// Each table's forward convolution runs the direct kernel its tier chose: its results equal the chosen kernel's
// bit for bit (with and without ReLU) and differ somewhere from im2col + GEMM's (which sums the taps in depth
// blocks).
TEST(Conv2dDirect, TableRunsTheChosenKernel) {
  ContextPtr ctx = make_context(2);
  // One image on two threads: the Winograd path (conv_winograd.cpp) wants an image per thread, so the direct kernel
  // runs it.
  const ConvCase s{1, 32, 12, 30, 64, 3, 3, {1, 1, 1, 1, 1, 1, 1, 1}, true};
  std::mt19937 rng(77);
  const ConvData d = make_conv_data(s, rng);
  const cnn::Conv2dGeometry g = geometry(s);
  std::vector<float> table(static_cast<size_t>(g.n * g.oc * g.oh * g.ow)), gemm(table.size());
  cnn::conv2d_forward_gemm(*ctx, g, d.x.data(), d.w.data(), d.bias.data(), gemm.data());
  for (const TierTable& t : runnable(tier_tables())) {
    const cnn::ConvDirectKernel* k = t.choose(g, ctx->threads.load());
    ASSERT_NE(k, nullptr) << t.name << " must run this shape directly";
    t.table->conv2d_forward(*ctx, g, d.x.data(), d.w.data(), d.bias.data(), table.data());
    const std::vector<float> direct = run_direct(*k, *ctx, s, d, false);
    EXPECT_EQ(0, std::memcmp(table.data(), direct.data(), table.size() * sizeof(float))) << t.name;
    EXPECT_NE(0, std::memcmp(table.data(), gemm.data(), table.size() * sizeof(float))) << t.name;
    t.table->conv2d_forward_relu(*ctx, g, d.x.data(), d.w.data(), d.bias.data(), table.data());
    const std::vector<float> direct_relu = run_direct(*k, *ctx, s, d, true);
    EXPECT_EQ(0, std::memcmp(table.data(), direct_relu.data(), table.size() * sizeof(float))) << t.name << " ReLU";
  }
}

// ReLU keeps NaN (as the GEMM epilogue and activation_forward do): a NaN input reaches exactly the outputs
// whose windows cover it; every other output is >= 0.
TEST(Conv2dDirect, ReluKeepsNaN) {
  const std::vector<const cnn::ConvDirectKernel*> kernels = all_kernels();
  if (kernels.empty()) return;
  ContextPtr ctx = make_context(1);
  const ConvCase s{1, 1, 5, 9, 16, 3, 3, {1, 1, 1, 1, 1, 1, 1, 1}, false};
  std::mt19937 rng(3);
  ConvData d = make_conv_data(s, rng);
  d.x[2 * 9 + 4] = std::numeric_limits<float>::quiet_NaN();  // row 2, column 4
  for (const cnn::ConvDirectKernel* k : kernels) {
    const std::vector<float> y = run_direct(*k, *ctx, s, d, true);
    for (int64_t o = 0; o < 16; ++o) {
      for (int64_t r = 0; r < 5; ++r) {
        for (int64_t c = 0; c < 9; ++c) {
          const bool covered = r >= 1 && r <= 3 && c >= 3 && c <= 5;
          const float v = y[static_cast<size_t>((o * 5 + r) * 9 + c)];
          EXPECT_EQ(covered, std::isnan(v)) << k->name << " channel " << o << " pixel " << r << "," << c;
          if (!covered) {
            EXPECT_GE(v, 0.0f);
          }
        }
      }
    }
  }
}

// The data gradient as a direct forward convolution of dy (stride 1): each kernel against
// conv2d_backward_data_ref on random stride-1 geometries, with paddings up to the dilated window.
TEST(Conv2dDirect, BackwardDataMatchesReference) {
  const std::vector<const cnn::ConvDirectKernel*> kernels = all_kernels();
  if (kernels.empty()) return;
  ContextPtr ctx = make_context(2);
  std::mt19937 shapes(20261124);
  std::uniform_int_distribution<int64_t> channels(1, 70);
  int checked = 0, dilated = 0, asymmetric = 0;
  for (uint32_t i = 0; i < 300 && checked < 100; ++i) {
    ConvCase s = random_case(shapes);
    s.p.stride_h = s.p.stride_w = 1;
    s.c = channels(shapes);
    s.oc = channels(shapes);
    const cnn::Conv2dGeometry g = geometry(s);
    if (!cnn::conv_backward_data_as_forward(g)) continue;  // padded by more than the window: the GEMM's
    std::mt19937 rng(6000 + i);
    const std::vector<float> w = random_vector(static_cast<size_t>(g.oc * g.c * g.kh * g.kw), rng);
    const std::vector<float> dy = random_vector(static_cast<size_t>(g.n * g.oc * g.oh * g.ow), rng);
    std::vector<float> ref(static_cast<size_t>(g.n * g.c * g.h * g.w));
    cnn::conv2d_backward_data_ref(*ctx, g, w.data(), dy.data(), ref.data());
    for (const cnn::ConvDirectKernel* k : kernels) {
      std::vector<float> dx(ref.size(), std::numeric_limits<float>::quiet_NaN());
      cnn::conv2d_backward_data_direct(*k, *ctx, g, w.data(), dy.data(), dx.data());
      ASSERT_TRUE(all_close(dx, ref, "backward data " + describe(s, 6000 + i) + " on " + k->name));
    }
    ++checked;
    dilated += s.p.dilation_h > 1 || s.p.dilation_w > 1;
    asymmetric += s.p.pad_top != s.p.pad_bottom || s.p.pad_left != s.p.pad_right;
  }
  EXPECT_EQ(checked, 100);
  EXPECT_GT(dilated, 30);
  EXPECT_GT(asymmetric, 30);
}

TEST(Conv2dDirect, BackwardDataGeometry) {
  // L2: 32 -> 64 channels, 5x5, pad 2 -> dy [64 channels, 14x14] convolved into dx [32, 14x14], pad 4 - 2 = 2.
  const cnn::Conv2dGeometry l2 = geometry(ConvCase{8, 32, 14, 14, 64, 5, 5, {1, 1, 2, 2, 2, 2, 1, 1}, true});
  const std::optional<cnn::Conv2dGeometry> t = cnn::conv_backward_data_as_forward(l2);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->c, 64);
  EXPECT_EQ(t->oc, 32);
  EXPECT_EQ(t->h, 14);
  EXPECT_EQ(t->oh, 14);
  EXPECT_EQ(t->pad_top, 2);
  // Valid padding (0) becomes full padding (K - 1) * dilation; strides and over-padding have no such form.
  const cnn::Conv2dGeometry valid = geometry(ConvCase{1, 3, 9, 9, 4, 3, 3, {1, 1, 0, 0, 0, 0, 2, 2}, false});
  EXPECT_EQ(cnn::conv_backward_data_as_forward(valid)->pad_left, 4);
  EXPECT_FALSE(cnn::conv_backward_data_as_forward(
      geometry(ConvCase{1, 3, 9, 9, 4, 3, 3, {2, 1, 1, 1, 1, 1, 1, 1}, false})));
  EXPECT_FALSE(cnn::conv_backward_data_as_forward(
      geometry(ConvCase{1, 3, 9, 9, 4, 3, 3, {1, 1, 3, 3, 0, 0, 1, 1}, false})));
  // Each table's data gradient for L2 is bit for bit what its tier's choices say: the Winograd kernel (flipped) or
  // the direct kernel they pick for the equivalent forward convolution, or the GEMM + col2im path.
  ContextPtr ctx = make_context(2);
  std::mt19937 rng(91);
  const std::vector<float> w = random_vector(static_cast<size_t>(64 * 32 * 25), rng);
  const std::vector<float> dy = random_vector(static_cast<size_t>(8 * 64 * 14 * 14), rng);
  std::vector<float> table(static_cast<size_t>(8 * 32 * 14 * 14)), expected(table.size());
  for (const TierTable& tier : runnable(tier_tables())) {
    tier.table->conv2d_backward_data(*ctx, l2, w.data(), dy.data(), table.data());
    if (const cnn::ConvWinogradKernel* wk = tier.choose_winograd(*t, ctx->threads.load())) {
      cnn::conv2d_forward_winograd(*wk, *ctx, *t, dy.data(), w.data(), true, nullptr, false, expected.data());
    } else if (const cnn::ConvDirectKernel* k = tier.choose_data(*t, ctx->threads.load())) {
      cnn::conv2d_backward_data_direct(*k, *ctx, l2, w.data(), dy.data(), expected.data());
    } else {
      cnn::conv2d_backward_data_gemm(*ctx, l2, w.data(), dy.data(), expected.data());
    }
    EXPECT_EQ(0, std::memcmp(table.data(), expected.data(), table.size() * sizeof(float)))
        << "the " << tier.name << " table's data gradient for L2";
  }
}

// The filter gradient's tiles (taps x channels, summed over the batch's pixels) against
// conv2d_backward_filter_ref on random geometries with stride_w 1 and 2.
TEST(Conv2dDirect, BackwardFilterMatchesReference) {
  const std::vector<const cnn::ConvDirectKernel*> kernels = all_kernels();
  if (kernels.empty()) return;
  ContextPtr ctx = make_context(2);
  std::mt19937 shapes(20261125);
  std::uniform_int_distribution<int64_t> channels(1, 70);
  int checked = 0, strided = 0, dilated = 0, partial_group = 0, chunked = 0;
  for (uint32_t i = 0; i < 300 && checked < 100; ++i) {
    ConvCase s = random_case(shapes);
    s.p.stride_w = 1 + static_cast<int32_t>(i % 2);
    if (conv_out_size(s.w, s.kw, s.p.stride_w, s.p.pad_left, s.p.pad_right, s.p.dilation_w) < 1) continue;
    s.oc = channels(shapes);
    s.n = 1 + static_cast<int64_t>(i % 6);  // from 4 images on, the batch is summed in chunks
    const cnn::Conv2dGeometry g = geometry(s);
    std::mt19937 rng(7000 + i);
    const std::vector<float> x = random_vector(static_cast<size_t>(g.n * g.c * g.h * g.w), rng);
    const std::vector<float> dy = random_vector(static_cast<size_t>(g.n * g.oc * g.oh * g.ow), rng);
    std::vector<float> ref(static_cast<size_t>(g.oc * g.c * g.kh * g.kw));
    cnn::conv2d_backward_filter_ref(*ctx, g, x.data(), dy.data(), ref.data());
    for (const cnn::ConvDirectKernel* k : kernels) {
      std::vector<float> dw(ref.size(), std::numeric_limits<float>::quiet_NaN());
      cnn::conv2d_backward_filter_direct(*k, *ctx, g, x.data(), dy.data(), dw.data());
      ASSERT_TRUE(all_close(dw, ref, "backward filter " + describe(s, 7000 + i) + " on " + k->name, 2e-4f));
    }
    ++checked;
    strided += s.p.stride_h > 1 || s.p.stride_w > 1;
    dilated += s.p.dilation_h > 1 || s.p.dilation_w > 1;
    partial_group += (s.c * s.kh * s.kw) % 7 != 0;
    chunked += s.n >= 4;
  }
  EXPECT_EQ(checked, 100);
  EXPECT_GT(chunked, 30);
  EXPECT_GT(strided, 40);
  EXPECT_GT(dilated, 30);
  EXPECT_GT(partial_group, 30);
}

// Every element within rel * max |ref|: for sums of thousands of products, where an element near 0 is the
// cancellation of large terms and carries their rounding error.
::testing::AssertionResult close_to_scale(const std::vector<float>& got, const std::vector<float>& ref,
                                          const std::string& what, float rel) {
  float scale = 0.0f;
  for (float v : ref) scale = std::max(scale, std::fabs(v));
  for (size_t i = 0; i < ref.size(); ++i) {
    if (!(std::fabs(got[i] - ref[i]) <= rel * scale))
      return ::testing::AssertionFailure() << what << ": element " << i << " is " << got[i] << ", expected " << ref[i]
                                           << " (largest |expected| " << scale << ")";
  }
  return ::testing::AssertionSuccess();
}

// Both ways of sharing the work (chunks of images from 4 images on; below that, rounds of prepared images whose
// taps the threads split), against the GEMM path (itself checked against the reference in
// test_conv2d_backward.cpp), and 1 vs 2 threads bit for bit.
TEST(Conv2dDirect, BackwardFilterInRoundsAndThreads) {
  const std::vector<const cnn::ConvDirectKernel*> kernels = all_kernels();
  if (kernels.empty()) return;
  ContextPtr one = make_context(1), two = make_context(2);
  const ConvCase cases[] = {
      {10, 512, 40, 40, 64, 3, 3, {1, 1, 1, 1, 1, 1, 1, 1}, false},   // chunks of 2 images, a thread each
      {9, 1, 28, 28, 32, 5, 5, {1, 1, 2, 2, 2, 2, 1, 1}, false},      // benchmark L1: 5 chunks, the last of 1
      {3, 256, 128, 128, 64, 1, 3, {1, 1, 0, 0, 1, 1, 1, 1}, false},  // ~5.3M floats per image: 1 per round
      {3, 2, 28, 28, 32, 5, 5, {1, 1, 2, 2, 2, 2, 1, 1}, false},      // 3 images: threads split the taps
      {2, 3, 45, 45, 64, 7, 7, {2, 2, 3, 3, 3, 3, 1, 1}, false},      // benchmark L4's geometry, smaller
  };
  uint32_t seed = 300;
  for (const ConvCase& s : cases) {
    const cnn::Conv2dGeometry g = geometry(s);
    std::mt19937 rng(++seed);
    const std::vector<float> x = random_vector(static_cast<size_t>(g.n * g.c * g.h * g.w), rng);
    const std::vector<float> dy = random_vector(static_cast<size_t>(g.n * g.oc * g.oh * g.ow), rng);
    std::vector<float> gemm(static_cast<size_t>(g.oc * g.c * g.kh * g.kw));
    cnn::conv2d_backward_filter_gemm(*two, g, x.data(), dy.data(), gemm.data());
    for (const cnn::ConvDirectKernel* k : kernels) {
      std::vector<float> a(gemm.size()), b(gemm.size());
      cnn::conv2d_backward_filter_direct(*k, *one, g, x.data(), dy.data(), a.data());
      cnn::conv2d_backward_filter_direct(*k, *two, g, x.data(), dy.data(), b.data());
      ASSERT_TRUE(close_to_scale(a, gemm, "backward filter " + describe(s, seed) + " on " + k->name, 1e-4f));
      ASSERT_EQ(0, std::memcmp(a.data(), b.data(), a.size() * sizeof(float))) << describe(s, seed) << " " << k->name;
    }
  }
  // Each table's filter gradient is bit for bit what its tier's choices say (plane, direct, or im2col + GEMM).
  const cnn::Conv2dGeometry l1 = geometry(cases[1]);
  std::mt19937 rng(302);
  const std::vector<float> x = random_vector(static_cast<size_t>(l1.n * l1.c * l1.h * l1.w), rng);
  const std::vector<float> dy = random_vector(static_cast<size_t>(l1.n * l1.oc * l1.oh * l1.ow), rng);
  std::vector<float> table(static_cast<size_t>(l1.oc * l1.c * l1.kh * l1.kw)), expected(table.size());
  for (const TierTable& t : runnable(tier_tables())) {
    t.table->conv2d_backward_filter(*two, l1, x.data(), dy.data(), table.data());
    if (const cnn::ConvPlaneKernel* p = t.choose_plane(l1, two->threads.load())) {
      cnn::conv2d_backward_filter_plane(*p, *two, l1, x.data(), dy.data(), expected.data());
    } else if (const cnn::ConvDirectKernel* k = t.choose_filter(l1, two->threads.load())) {
      cnn::conv2d_backward_filter_direct(*k, *two, l1, x.data(), dy.data(), expected.data());
    } else {
      cnn::conv2d_backward_filter_gemm(*two, l1, x.data(), dy.data(), expected.data());
    }
    EXPECT_EQ(0, std::memcmp(table.data(), expected.data(), table.size() * sizeof(float))) << t.name;
  }
}

#else

TEST(Conv2dDirect, NotBuilt) { std::cout << "skipped: build lacks AVX2 and AVX-512 (no direct convolution)\n"; }

#endif

}  // namespace
