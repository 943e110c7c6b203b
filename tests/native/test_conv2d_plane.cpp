// The plane kernels (kernels/gemm/conv_plane.h), AVX-512 where this build and CPU have it.
// Filter gradient: against conv2d_backward_filter_ref on random stride-1 geometries (1-3 input channels, kernels 1-5
// and not square, paddings 0-4 per side, images 1 to 40 pixels a side, output channels that are not multiples of
// the 4-channel tile, batches of 1 to 17 images: one chunk or many, the last one short); bits identical on 1 and 2
// threads; an infinite input that reaches only the taps whose windows cover it (the masked tail of a plane adds 0,
// never 0 * inf); which shapes each tier's choice sends to it; and that the table's filter gradient is the one that
// ran.
// Forward: against conv2d_forward_ref on the same kind of geometries, with and without bias and ReLU, and bit for bit
// against the direct tiles (both sum each output's taps in order from zero); 1 and 2 threads in both threading modes
// (whole images, one image's tiles); ReLU keeping NaN; which shapes the choice sends to it, and that the table runs
// it.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "conv2d_cases.h"
#include "core/context.h"
#include "kernels/gemm/conv_direct.h"
#include "kernels/gemm/conv_plane.h"
#include "kernels/kernels.h"
#include "test_util.h"

namespace {

using namespace cnn_test;

#if defined(CNN_HAVE_AVX512)

// The AVX-512 plane kernel, or null (said out loud) when this CPU lacks AVX-512.
const cnn::ConvPlaneKernel* plane_kernel() {
  if (cnn::kernel_table("avx512") == nullptr) {
    std::cout << "skipped: CPU lacks AVX-512 (the plane filter gradient)\n";
    return nullptr;
  }
  return &cnn::conv_plane_kernel_avx512();
}

// A random stride-1 case the plane kernels take: 1-3 input channels, kernels 1-5 and not square, paddings 0-4 per
// side, images 1 to 40 pixels a side, 16-37 output channels, 1 to max_images images, a bias half the time.
ConvCase random_plane_case(std::mt19937& rng, int64_t max_images) {
  auto pick = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  auto pick32 = [&](int32_t lo, int32_t hi) { return std::uniform_int_distribution<int32_t>(lo, hi)(rng); };
  for (;;) {
    ConvCase s{};
    s.n = pick(1, max_images);
    s.c = pick(1, 3);
    s.h = pick(1, 40);
    s.w = pick(1, 40);
    s.oc = pick(16, 37);
    s.kh = pick(1, 5);
    s.kw = pick(1, 5);
    s.p = {1, 1, pick32(0, 4), pick32(0, 4), pick32(0, 4), pick32(0, 4), 1, 1};
    s.bias = pick(0, 1) == 1;
    if (s.h + s.p.pad_top + s.p.pad_bottom >= s.kh && s.w + s.p.pad_left + s.p.pad_right >= s.kw) return s;
  }
}

struct FilterData {
  std::vector<float> x, dy;
};

FilterData random_data(const cnn::Conv2dGeometry& g, std::mt19937& rng) {
  return {random_vector(static_cast<size_t>(g.n * g.c * g.h * g.w), rng),
          random_vector(static_cast<size_t>(g.n * g.oc * g.oh * g.ow), rng)};
}

std::vector<float> run_plane(const cnn::ConvPlaneKernel& k, cnn_context& ctx, const cnn::Conv2dGeometry& g,
                             const FilterData& d) {
  std::vector<float> dw(static_cast<size_t>(g.oc * g.c * g.kh * g.kw), std::numeric_limits<float>::quiet_NaN());
  cnn::conv2d_backward_filter_plane(k, ctx, g, d.x.data(), d.dy.data(), dw.data());
  return dw;
}

TEST(Conv2dPlane, BackwardFilterMatchesReference) {
  const cnn::ConvPlaneKernel* k = plane_kernel();
  if (k == nullptr) return;
  ContextPtr ctx = make_context(2);
  std::mt19937 shapes(20261122);
  int checked = 0, tail_block = 0, short_tail = 0, several_groups = 0, one_chunk = 0, padded = 0;
  for (uint32_t i = 0; checked < 120; ++i) {
    const ConvCase s = random_plane_case(shapes, 17);
    const cnn::Conv2dGeometry g = geometry(s);
    ASSERT_TRUE(cnn::conv_plane_fits(g)) << describe(s, i);
    std::mt19937 rng(8000 + i);
    const FilterData d = random_data(g, rng);
    std::vector<float> ref(static_cast<size_t>(g.oc * g.c * g.kh * g.kw));
    cnn::conv2d_backward_filter_ref(*ctx, g, d.x.data(), d.dy.data(), ref.data());
    ASSERT_TRUE(all_close(run_plane(*k, *ctx, g, d), ref, "plane filter gradient " + describe(s, 8000 + i), 2e-4f));
    ++checked;
    tail_block += g.oc % k->channels != 0;
    short_tail += (g.oh * g.ow) % k->width != 0;
    several_groups += g.c * g.kh * g.kw > k->max_taps;
    one_chunk += g.n < 8;
    padded += s.p.pad_top != s.p.pad_bottom || s.p.pad_left != s.p.pad_right;
  }
  EXPECT_GT(tail_block, 60);
  EXPECT_GT(short_tail, 80);
  EXPECT_GT(several_groups, 60);
  EXPECT_GT(one_chunk, 30);
  EXPECT_GT(padded, 80);
}

TEST(Conv2dPlane, ThreadCountsGiveIdenticalBits) {
  const cnn::ConvPlaneKernel* k = plane_kernel();
  if (k == nullptr) return;
  ContextPtr one = make_context(1), two = make_context(2);
  const ConvCase cases[] = {
      {64, 1, 28, 28, 32, 5, 5, {1, 1, 2, 2, 2, 2, 1, 1}, false},  // benchmark L1: 8 chunks of 8 images
      {17, 3, 32, 32, 33, 3, 3, {1, 1, 1, 1, 1, 1, 1, 1}, false},  // chunks of 3, the last of 2
      {9, 2, 23, 29, 18, 4, 2, {1, 1, 0, 3, 1, 0, 1, 1}, false},   // odd everything
  };
  uint32_t seed = 500;
  for (const ConvCase& s : cases) {
    const cnn::Conv2dGeometry g = geometry(s);
    std::mt19937 rng(++seed);
    const FilterData d = random_data(g, rng);
    const std::vector<float> a = run_plane(*k, *one, g, d), b = run_plane(*k, *two, g, d);
    std::vector<float> ref(a.size());
    cnn::conv2d_backward_filter_ref(*one, g, d.x.data(), d.dy.data(), ref.data());
    ASSERT_TRUE(all_close(a, ref, "plane filter gradient " + describe(s, seed), 2e-4f));
    EXPECT_EQ(0, std::memcmp(a.data(), b.data(), a.size() * sizeof(float))) << describe(s, seed);
  }
}

// One input pixel is +inf and everything else positive: the taps whose windows cover it (and only they) get +inf,
// in the reference and here; a tail lane or a zero row multiplying the inf would give NaN or spread it.
TEST(Conv2dPlane, InfiniteInputReachesOnlyItsTaps) {
  const cnn::ConvPlaneKernel* k = plane_kernel();
  if (k == nullptr) return;
  ContextPtr ctx = make_context(2);
  const ConvCase s{5, 2, 13, 11, 19, 3, 4, {1, 1, 1, 2, 2, 1, 1, 1}, false};
  const cnn::Conv2dGeometry g = geometry(s);
  std::mt19937 rng(77);
  FilterData d{random_vector(static_cast<size_t>(g.n * g.c * g.h * g.w), rng, 0.5f, 1.0f),
               random_vector(static_cast<size_t>(g.n * g.oc * g.oh * g.ow), rng, 0.5f, 1.0f)};
  d.x[static_cast<size_t>(((3 * g.c + 1) * g.h + g.h - 1) * g.w + g.w - 1)] = std::numeric_limits<float>::infinity();
  std::vector<float> ref(static_cast<size_t>(g.oc * g.c * g.kh * g.kw));
  cnn::conv2d_backward_filter_ref(*ctx, g, d.x.data(), d.dy.data(), ref.data());
  const std::vector<float> dw = run_plane(*k, *ctx, g, d);
  int infinite = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    if (std::isinf(ref[i])) {
      ++infinite;
      EXPECT_EQ(dw[i], ref[i]) << "element " << i;
    } else {
      EXPECT_NEAR(dw[i], ref[i], 2e-4f * (1.0f + std::fabs(ref[i]))) << "element " << i;
    }
  }
  EXPECT_GT(infinite, 0);
  EXPECT_LT(infinite, static_cast<int>(ref.size()) / 2);
}

// Which shapes each choice takes: the filter gradient's rule wants 128 pixels a plane and 4 images, the forward
// pass's does not but turns down 1 x 1 windows; both want at most 32 taps, stride 1, no dilation, 16 output channels
// and shifted planes that fit L2.
TEST(Conv2dPlane, ChoosesByShape) {
  const ConvCase l1{64, 1, 28, 28, 32, 5, 5, {1, 1, 2, 2, 2, 2, 1, 1}, false};
  struct Row {
    const char* what;
    ConvCase s;
    bool filter, forward;  // whether each choice takes it
  };
  std::vector<Row> rows;
  auto add = [&](const char* what, bool filter, bool forward, auto change) {
    ConvCase s = l1;
    change(s);
    rows.push_back({what, s, filter, forward});
  };
  add("benchmark L1", true, true, [](ConvCase&) {});
  add("27 taps", true, true, [](ConvCase& s) {
    s.c = 3, s.kh = 3, s.kw = 3, s.h = 32, s.w = 32, s.p = {1, 1, 1, 1, 1, 1, 1, 1};
  });
  add("64 pixels a plane", false, true, [](ConvCase& s) {
    s.h = 8, s.w = 8, s.kh = 3, s.kw = 3, s.p = {1, 1, 1, 1, 1, 1, 1, 1};
  });
  add("16 pixels a plane", false, true, [](ConvCase& s) {
    s.h = 4, s.w = 4, s.kh = 3, s.kw = 3, s.p = {1, 1, 1, 1, 1, 1, 1, 1};
  });
  add("3 images", false, true, [](ConvCase& s) { s.n = 3; });
  add("1 image", false, true, [](ConvCase& s) { s.n = 1; });
  add("1 x 1 window", true, false, [](ConvCase& s) { s.c = 3, s.kh = 1, s.kw = 1, s.p = {1, 1, 0, 0, 0, 0, 1, 1}; });
  add("75 taps", false, false, [](ConvCase& s) { s.c = 3; });
  add("benchmark L2", false, false, [](ConvCase& s) { s.c = 32, s.h = 14, s.w = 14, s.oc = 64; });
  add("stride 2", false, false, [](ConvCase& s) { s.p.stride_w = 2; });
  add("dilation 2", false, false, [](ConvCase& s) { s.p.dilation_h = 2; });
  add("15 output channels", false, false, [](ConvCase& s) { s.oc = 15; });
  // 5 shifted planes of 228 x 224 floats: more than L2 should hold.
  add("224 x 224", false, false, [](ConvCase& s) { s.h = 224, s.w = 224; });
  const cnn::ConvPlaneKernel* k = &cnn::conv_plane_kernel_avx512();
  for (const Row& r : rows) {
    const cnn::Conv2dGeometry g = geometry(r.s);
    EXPECT_EQ(cnn::conv_plane_filter_choice_avx512(g, 2), r.filter ? k : nullptr) << "filter gradient, " << r.what;
    EXPECT_EQ(cnn::conv_plane_forward_choice_avx512(g, 2), r.forward ? k : nullptr) << "forward, " << r.what;
#if defined(CNN_HAVE_AVX2)
    EXPECT_EQ(cnn::conv_plane_filter_choice_avx2(g, 2), nullptr) << "AVX2 filter gradient, " << r.what;
    EXPECT_EQ(cnn::conv_plane_forward_choice_avx2(g, 2), nullptr) << "AVX2 forward, " << r.what;
#endif
  }
}

TEST(Conv2dPlane, TableRunsThePlaneKernel) {
  const cnn::ConvPlaneKernel* k = plane_kernel();
  if (k == nullptr) return;
  ContextPtr ctx = make_context(2);
  const ConvCase s{9, 1, 28, 28, 32, 5, 5, {1, 1, 2, 2, 2, 2, 1, 1}, false};
  const cnn::Conv2dGeometry g = geometry(s);
  std::mt19937 rng(42);
  const FilterData d = random_data(g, rng);
  std::vector<float> table(static_cast<size_t>(g.oc * g.c * g.kh * g.kw));
  cnn::kernel_table("avx512")->conv2d_backward_filter(*ctx, g, d.x.data(), d.dy.data(), table.data());
  const std::vector<float> plane = run_plane(*k, *ctx, g, d);
  EXPECT_EQ(0, std::memcmp(table.data(), plane.data(), table.size() * sizeof(float)));
}

// y starts as NaN, so an element the kernel skips fails the comparison.
std::vector<float> run_plane_forward(const cnn::ConvPlaneKernel& k, cnn_context& ctx, const ConvCase& s,
                                     const ConvData& d, bool relu) {
  const cnn::Conv2dGeometry g = geometry(s);
  std::vector<float> y(static_cast<size_t>(g.n * g.oc * g.oh * g.ow), std::numeric_limits<float>::quiet_NaN());
  cnn::conv2d_forward_plane(k, ctx, g, d.x.data(), d.w.data(), s.bias ? d.bias.data() : nullptr, relu, y.data());
  return y;
}

std::vector<float> run_direct_forward(cnn_context& ctx, const ConvCase& s, const ConvData& d, bool relu) {
  const cnn::Conv2dGeometry g = geometry(s);
  std::vector<float> y(static_cast<size_t>(g.n * g.oc * g.oh * g.ow));
  cnn::conv2d_forward_direct(cnn::conv_direct_kernel_avx512_14x32(), ctx, g, d.x.data(), d.w.data(),
                             s.bias ? d.bias.data() : nullptr, relu, y.data());
  return y;
}

::testing::AssertionResult same_bits(const std::vector<float>& a, const std::vector<float>& b, const std::string& what) {
  if (a.size() != b.size()) return ::testing::AssertionFailure() << what << ": sizes differ";
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::memcmp(&a[i], &b[i], sizeof(float)) != 0) {
      return ::testing::AssertionFailure() << what << ": element " << i << " is " << a[i] << ", expected " << b[i];
    }
  }
  return ::testing::AssertionSuccess();
}

TEST(Conv2dPlane, ForwardMatchesReferenceAndDirectTiles) {
  const cnn::ConvPlaneKernel* k = plane_kernel();
  if (k == nullptr) return;
  ContextPtr ctx = make_context(2);
  const int64_t run = k->forward_vectors * k->width;
  std::mt19937 shapes(20261123);
  int checked = 0, tail_block = 0, short_vector = 0, several_runs = 0, short_run = 0, one_vector = 0, with_bias = 0;
  for (uint32_t i = 0; checked < 120; ++i) {
    const ConvCase s = random_plane_case(shapes, 5);
    const cnn::Conv2dGeometry g = geometry(s);
    ASSERT_TRUE(cnn::conv_plane_fits(g)) << describe(s, i);
    std::mt19937 rng(9000 + i);
    const ConvData d = make_conv_data(s, rng);
    const bool relu = i % 2 == 1;
    const std::string what = describe(s, 9000 + i) + (relu ? ", ReLU" : "");
    const std::vector<float> y = run_plane_forward(*k, *ctx, s, d, relu);
    ASSERT_TRUE(all_close(y, run_conv_ref(*ctx, s, d, relu), "plane forward " + what));
    ASSERT_TRUE(same_bits(y, run_direct_forward(*ctx, s, d, relu), "plane forward against the direct tiles, " + what));
    ++checked;
    const int64_t pixels = g.oh * g.ow;
    tail_block += g.oc % k->forward_channels != 0;
    short_vector += pixels % k->width != 0;
    several_runs += pixels > run;
    short_run += pixels > run && pixels % run != 0;
    one_vector += pixels <= k->width;
    with_bias += s.bias;
  }
  EXPECT_GT(tail_block, 60);
  EXPECT_GT(short_vector, 80);
  EXPECT_GT(several_runs, 60);
  EXPECT_GT(short_run, 50);
  EXPECT_GT(one_vector, 1);
  EXPECT_GT(with_bias, 40);
}

// The same bits on 1 and 2 threads, whole images per thread or one image's tiles shared.
TEST(Conv2dPlane, ForwardThreadCountsGiveIdenticalBits) {
  const cnn::ConvPlaneKernel* k = plane_kernel();
  if (k == nullptr) return;
  ContextPtr one = make_context(1), two = make_context(2);
  const ConvCase cases[] = {
      {44, 1, 28, 28, 32, 5, 5, {1, 1, 2, 2, 2, 2, 1, 1}, true},    // whole images, 22 a thread
      {3, 3, 61, 47, 35, 3, 3, {1, 1, 1, 0, 2, 1, 1, 1}, true},     // an image's tiles on two threads, odd sizes
      {1, 2, 100, 100, 37, 4, 3, {1, 1, 2, 1, 1, 1, 1, 1}, false},  // one image on two threads
  };
  uint32_t seed = 600;
  for (const ConvCase& s : cases) {
    std::mt19937 rng(++seed);
    const ConvData d = make_conv_data(s, rng);
    const std::string what = describe(s, seed);
    const std::vector<float> a = run_plane_forward(*k, *one, s, d, true);
    ASSERT_TRUE(all_close(a, run_conv_ref(*one, s, d, true), "plane forward " + what));
    EXPECT_TRUE(same_bits(run_plane_forward(*k, *two, s, d, true), a, "2 threads, " + what));
    EXPECT_TRUE(same_bits(run_direct_forward(*two, s, d, true), a, "direct tiles, " + what));
  }
}

// ReLU keeps NaN: a NaN input reaches exactly the outputs whose windows cover it; every other output is >= 0.
TEST(Conv2dPlane, ForwardReluKeepsNaN) {
  const cnn::ConvPlaneKernel* k = plane_kernel();
  if (k == nullptr) return;
  ContextPtr ctx = make_context(1);
  const ConvCase s{1, 1, 5, 9, 18, 3, 3, {1, 1, 1, 1, 1, 1, 1, 1}, false};
  std::mt19937 rng(3);
  ConvData d = make_conv_data(s, rng);
  d.x[2 * 9 + 4] = std::numeric_limits<float>::quiet_NaN();  // row 2, column 4
  const std::vector<float> y = run_plane_forward(*k, *ctx, s, d, true);
  for (int64_t o = 0; o < s.oc; ++o) {
    for (int64_t r = 0; r < 5; ++r) {
      for (int64_t c = 0; c < 9; ++c) {
        const bool covered = r >= 1 && r <= 3 && c >= 3 && c <= 5;
        const float v = y[static_cast<size_t>((o * 5 + r) * 9 + c)];
        EXPECT_EQ(covered, std::isnan(v)) << "channel " << o << " pixel " << r << "," << c;
        if (!covered) {
          EXPECT_GE(v, 0.0f);
        }
      }
    }
  }
}

// The table's forward convolution (with and without ReLU) gives the plane kernel's bits where the choice picks it:
// an output channel count past the last whole block and an output that is not a whole number of vectors.
TEST(Conv2dPlane, TableRunsThePlaneForward) {
  const cnn::ConvPlaneKernel* k = plane_kernel();
  if (k == nullptr) return;
  ContextPtr ctx = make_context(2);
  const ConvCase s{6, 1, 27, 27, 33, 5, 5, {1, 1, 2, 2, 2, 2, 1, 1}, true};
  const cnn::Conv2dGeometry g = geometry(s);
  ASSERT_EQ(cnn::conv_plane_forward_choice_avx512(g, 2), k);
  std::mt19937 rng(43);
  const ConvData d = make_conv_data(s, rng);
  std::vector<float> table(static_cast<size_t>(g.n * g.oc * g.oh * g.ow));
  cnn::kernel_table("avx512")->conv2d_forward(*ctx, g, d.x.data(), d.w.data(), d.bias.data(), table.data());
  EXPECT_TRUE(same_bits(table, run_plane_forward(*k, *ctx, s, d, false), "table forward"));
  cnn::kernel_table("avx512")->conv2d_forward_relu(*ctx, g, d.x.data(), d.w.data(), d.bias.data(), table.data());
  EXPECT_TRUE(same_bits(table, run_plane_forward(*k, *ctx, s, d, true), "table forward with ReLU"));
}

#else

TEST(Conv2dPlane, NotBuilt) { std::cout << "skipped: build lacks AVX-512 (no plane filter gradient)\n"; }

#endif

}  // namespace
