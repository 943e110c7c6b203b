// Convolution: a hand-worked answer for conv2d_forward_ref, then the generic tier (GEMM, im2col in its packing) against
// the reference on 240 random shapes (odd and prime sizes, stride 1-3, padding 0-3 per side, kernels 1x1
// to 7x7, dilation 1-2, batch 1 and more, with and without bias), the 1x1 shortcut, a few shapes through
// the C ABI, and thread counts 1 and 2 giving identical bits.
#include <cnn/cnn.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "core/context.h"
#include "kernels/kernels.h"
#include "conv2d_cases.h"
#include "test_util.h"

namespace {

using namespace cnn_test;

// Runs a kernel directly; y starts as NaN so a kernel that skips an element fails.
std::vector<float> run_kernel(cnn::Conv2dForwardFn fn, cnn_context& ctx, const ConvCase& s, const ConvData& d) {
  cnn::Conv2dGeometry g = geometry(s);
  std::vector<float> y(static_cast<size_t>(g.n * g.oc * g.oh * g.ow), std::numeric_limits<float>::quiet_NaN());
  fn(ctx, g, d.x.data(), d.w.data(), s.bias ? d.bias.data() : nullptr, y.data());
  return y;
}

std::vector<float> run_abi(cnn_context* ctx, const ConvCase& s, const ConvData& d) {
  cnn::Conv2dGeometry g = geometry(s);
  TensorPtr x = make_tensor(ctx, {s.n, s.c, s.h, s.w}, d.x);
  TensorPtr w = make_tensor(ctx, {s.oc, s.c, s.kh, s.kw}, d.w);
  TensorPtr b = s.bias ? make_tensor(ctx, {s.oc}, d.bias) : nullptr;
  TensorPtr y = make_tensor(ctx, {g.n, g.oc, g.oh, g.ow});
  EXPECT_EQ(cnn_conv2d_forward(ctx, x.get(), w.get(), b.get(), &s.p, y.get()), CNN_OK) << cnn_last_error_message();
  return read_tensor(y.get());
}

TEST(Conv2d, ReferenceMatchesHandWorkedAnswer) {
  ContextPtr ctx = make_context(1);
  // x = 1..9 in a 3x3 plane, w = [[1,0],[0,-1]] dilated by 2 (taps at (0,0) and (2,2)), pad 1 each side,
  // stride 2, bias 10: output 2x2 with y[oy][ox] = x(2oy-1, 2ox-1) - x(2oy+1, 2ox+1) + 10.
  ConvCase s{1, 1, 3, 3, 1, 2, 2, {2, 2, 1, 1, 1, 1, 2, 2}, true};
  ConvData d{{1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 0, 0, -1}, {10}};
  // (0,0): 0 - x(1,1)=5 -> 5;  (0,1): 0 - x(1,3)=0 -> 10;  (1,0): 0 - x(3,1)=0 -> 10;  (1,1): x(1,1)=5 - 0 -> 15.
  EXPECT_EQ(run_kernel(cnn::conv2d_forward_ref, *ctx, s, d), (std::vector<float>{5, 10, 10, 15}));
}

TEST(Conv2d, TablesNameTheirKernels) {
  EXPECT_EQ(cnn::generic_kernels().conv2d_forward, &cnn::conv2d_forward_gemm);
  EXPECT_EQ(cnn::reference_kernels().conv2d_forward, &cnn::conv2d_forward_ref);
}

TEST(Conv2d, GemmMatchesReferenceOnRandomShapes) {
  ContextPtr ctx = make_context(2);
  std::mt19937 shapes(20240601);
  int with_bias = 0, batched = 0, strided = 0, dilated = 0;
  for (uint32_t i = 0; i < 240; ++i) {
    ConvCase s = random_case(shapes);
    uint32_t seed = 500 + i;
    std::mt19937 rng(seed);
    ConvData d = make_conv_data(s, rng);
    ASSERT_TRUE(all_close(run_kernel(cnn::generic_kernels().conv2d_forward, *ctx, s, d),
                          run_kernel(cnn::reference_kernels().conv2d_forward, *ctx, s, d), describe(s, seed)));
    with_bias += s.bias;
    batched += s.n > 1;
    strided += s.p.stride_h > 1 || s.p.stride_w > 1;
    dilated += s.p.dilation_h > 1 || s.p.dilation_w > 1;
  }
  // The generator really covered the cases it claims to.
  EXPECT_GT(with_bias, 60);
  EXPECT_GT(batched, 60);
  EXPECT_GT(strided, 60);
  EXPECT_GT(dilated, 60);
}

TEST(Conv2d, GemmMatchesReferenceOnChosenShapes) {
  ContextPtr ctx = make_context(2);
  const ConvCase cases[] = {
      {1, 1, 1, 1, 1, 1, 1, {1, 1, 0, 0, 0, 0, 1, 1}, false},     // everything 1
      {2, 5, 7, 11, 3, 1, 1, {1, 1, 0, 0, 0, 0, 1, 1}, true},     // 1x1 shortcut: the image is the col matrix
      {2, 5, 7, 11, 3, 1, 1, {1, 1, 0, 0, 0, 0, 2, 2}, false},    // shortcut ignores dilation of a 1x1 kernel
      {1, 4, 9, 9, 6, 1, 1, {2, 2, 0, 0, 0, 0, 1, 1}, true},      // 1x1 with stride: packed as any kernel
      {1, 3, 5, 5, 2, 1, 1, {1, 1, 1, 0, 0, 1, 1, 1}, true},      // 1x1 with padding: packed as any kernel
      {3, 7, 13, 17, 11, 7, 7, {1, 1, 3, 3, 3, 3, 1, 1}, true},   // K = 343 > KC
      {1, 2, 3, 3, 2, 5, 5, {1, 1, 1, 1, 1, 1, 1, 1}, false},     // window equals the padded input
      {2, 1, 28, 28, 32, 5, 5, {1, 1, 2, 2, 2, 2, 1, 1}, true},   // reference network, layer 1
      {1, 32, 14, 14, 64, 5, 5, {1, 1, 2, 2, 2, 2, 1, 1}, true},  // reference network, layer 2
      {3, 2, 150, 150, 64, 3, 3, {1, 1, 1, 1, 1, 1, 1, 1}, true},  // > 4M output floats, images > 1024 pixels
  };
  uint32_t seed = 77;
  for (const ConvCase& s : cases) {
    std::mt19937 rng(++seed);
    ConvData d = make_conv_data(s, rng);
    ASSERT_TRUE(all_close(run_kernel(cnn::conv2d_forward_gemm, *ctx, s, d),
                          run_kernel(cnn::conv2d_forward_ref, *ctx, s, d), describe(s, seed)));
  }
}

TEST(Conv2d, Im2colLaysOutPaddedColumns) {
  // x = [[1,2],[3,4]], 2x2 kernel, pad 1 all round, stride 1 -> 3x3 output; row (ky,kx) holds x(oy-1+ky, ox-1+kx).
  cnn::Conv2dGeometry g{1, 1, 2, 2, 1, 2, 2, 3, 3, 1, 1, 1, 1, 1, 1};
  std::vector<float> x{1, 2, 3, 4}, col(4 * 9, -1.0f);
  cnn::im2col(g, x.data(), col.data());
  EXPECT_EQ(col, (std::vector<float>{0, 0, 0, 0, 1, 2, 0, 3, 4,    // tap (0,0)
                                     0, 0, 0, 1, 2, 0, 3, 4, 0,    // tap (0,1)
                                     0, 1, 2, 0, 3, 4, 0, 0, 0,    // tap (1,0)
                                     1, 2, 0, 3, 4, 0, 0, 0, 0})); // tap (1,1)
}

TEST(Conv2d, ThroughTheAbiMatchesReference) {
  ContextPtr ctx = make_context(2);
  std::mt19937 shapes(99);
  for (uint32_t i = 0; i < 12; ++i) {
    ConvCase s = random_case(shapes);
    if (i == 0) s = {2, 1, 28, 28, 8, 5, 5, {1, 1, 2, 2, 2, 2, 1, 1}, true};
    uint32_t seed = 1300 + i;
    std::mt19937 rng(seed);
    ConvData d = make_conv_data(s, rng);
    ASSERT_TRUE(all_close(run_abi(ctx.get(), s, d), run_kernel(cnn::conv2d_forward_ref, *ctx, s, d),
                          describe(s, seed) + " (active isa " + cnn_active_isa() + ")"));
  }
}

TEST(Conv2d, ThreadCountsGiveIdenticalBits) {
  ContextPtr one = make_context(1);
  ContextPtr two = make_context(2);
  const ConvCase cases[] = {
      {4, 1, 28, 28, 32, 5, 5, {1, 1, 2, 2, 2, 2, 1, 1}, true},
      {2, 16, 14, 14, 32, 5, 5, {1, 1, 2, 2, 2, 2, 1, 1}, false},
      {1, 9, 23, 19, 13, 3, 5, {2, 1, 3, 0, 1, 2, 2, 1}, true},
  };
  uint32_t seed = 4000;
  for (const ConvCase& s : cases) {
    std::mt19937 rng(++seed);
    ConvData d = make_conv_data(s, rng);
    std::vector<float> y1 = run_abi(one.get(), s, d);
    std::vector<float> y2 = run_abi(two.get(), s, d);
    ASSERT_EQ(y1.size(), y2.size());
    ASSERT_EQ(std::memcmp(y1.data(), y2.data(), y1.size() * sizeof(float)), 0) << describe(s, seed);
  }
}

}  // namespace
