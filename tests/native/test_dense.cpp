// Dense (fully connected): a hand-worked answer for dense_forward_ref, then the generic tier (GEMM with
// trans_b, bias in the write-back) against the reference on random and awkward shapes, directly and
// through the C ABI, and thread counts 1 and 2 giving identical bits.
#include <cnn/cnn.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/context.h"
#include "kernels/kernels.h"
#include "test_util.h"

namespace {

using namespace cnn_test;

struct DenseCase {
  int64_t n, in, out;
  bool bias;
};

std::string describe(const DenseCase& s, uint32_t seed) {
  std::ostringstream t;
  t << "seed " << seed << " x [" << s.n << "," << s.in << "] w [" << s.out << "," << s.in << "]"
    << (s.bias ? " with bias" : " no bias");
  return t.str();
}

struct DenseData {
  std::vector<float> x, w, bias;
};

DenseData make_data(const DenseCase& s, std::mt19937& rng) {
  DenseData d;
  d.x = random_vector(static_cast<size_t>(s.n * s.in), rng);
  d.w = random_vector(static_cast<size_t>(s.out * s.in), rng);
  if (s.bias) d.bias = random_vector(static_cast<size_t>(s.out), rng);
  return d;
}

std::vector<float> run_kernel(cnn::DenseForwardFn fn, cnn_context& ctx, const DenseCase& s, const DenseData& d) {
  std::vector<float> y(static_cast<size_t>(s.n * s.out), std::numeric_limits<float>::quiet_NaN());
  fn(ctx, s.n, s.in, s.out, d.x.data(), d.w.data(), s.bias ? d.bias.data() : nullptr, y.data());
  return y;
}

std::vector<float> run_abi(cnn_context* ctx, const DenseCase& s, const DenseData& d) {
  TensorPtr x = make_tensor(ctx, {s.n, s.in}, d.x);
  TensorPtr w = make_tensor(ctx, {s.out, s.in}, d.w);
  TensorPtr b = s.bias ? make_tensor(ctx, {s.out}, d.bias) : nullptr;
  TensorPtr y = make_tensor(ctx, {s.n, s.out});
  EXPECT_EQ(cnn_dense_forward(ctx, x.get(), w.get(), b.get(), y.get()), CNN_OK) << cnn_last_error_message();
  return read_tensor(y.get());
}

TEST(Dense, ReferenceMatchesHandWorkedAnswer) {
  ContextPtr ctx = make_context(1);
  // x = [[1,2],[3,4]], w = [[1,1],[2,-1],[0,3]], bias = [1,2,3]: y = x w^T + bias.
  DenseCase s{2, 2, 3, true};
  DenseData d{{1, 2, 3, 4}, {1, 1, 2, -1, 0, 3}, {1, 2, 3}};
  EXPECT_EQ(run_kernel(cnn::dense_forward_ref, *ctx, s, d), (std::vector<float>{4, 2, 9, 8, 4, 15}));
}

TEST(Dense, TablesNameTheirKernels) {
  EXPECT_EQ(cnn::generic_kernels().dense_forward, &cnn::dense_forward_gemm);
  EXPECT_EQ(cnn::reference_kernels().dense_forward, &cnn::dense_forward_ref);
}

TEST(Dense, GemmMatchesReferenceOnAwkwardShapes) {
  ContextPtr ctx = make_context(2);
  uint32_t seed = 200;
  for (int64_t n : {1, 3, 17, 64})
    for (int64_t in : {1, 7, 33, 127, 300})
      for (int64_t out : {1, 3, 10, 33}) {
        DenseCase s{n, in, out, (n + in + out) % 2 == 0};
        std::mt19937 rng(++seed);
        DenseData d = make_data(s, rng);
        ASSERT_TRUE(all_close(run_kernel(cnn::generic_kernels().dense_forward, *ctx, s, d),
                              run_kernel(cnn::reference_kernels().dense_forward, *ctx, s, d), describe(s, seed)));
      }
}

TEST(Dense, GemmMatchesReferenceOnRandomShapes) {
  ContextPtr ctx = make_context(2);
  std::mt19937 shapes(31337);
  std::uniform_int_distribution<int64_t> size(1, 200);
  for (uint32_t i = 0; i < 50; ++i) {
    DenseCase s{size(shapes), size(shapes) * 3, size(shapes), shapes() % 2 == 0};
    uint32_t seed = 2100 + i;
    std::mt19937 rng(seed);
    DenseData d = make_data(s, rng);
    ASSERT_TRUE(all_close(run_kernel(cnn::dense_forward_gemm, *ctx, s, d),
                          run_kernel(cnn::dense_forward_ref, *ctx, s, d), describe(s, seed)));
  }
}

TEST(Dense, ThroughTheAbiMatchesReference) {
  ContextPtr ctx = make_context(2);
  const DenseCase cases[] = {{1, 1, 1, true}, {64, 3136, 10, true}, {7, 33, 127, false}, {3, 784, 17, true}};
  uint32_t seed = 2500;
  for (const DenseCase& s : cases) {
    std::mt19937 rng(++seed);
    DenseData d = make_data(s, rng);
    ASSERT_TRUE(all_close(run_abi(ctx.get(), s, d), run_kernel(cnn::dense_forward_ref, *ctx, s, d),
                          describe(s, seed) + " (active isa " + cnn_active_isa() + ")"));
  }
}

TEST(Dense, ThreadCountsGiveIdenticalBits) {
  ContextPtr one = make_context(1);
  ContextPtr two = make_context(2);
  const DenseCase cases[] = {{64, 3136, 128, true}, {129, 500, 67, false}};
  uint32_t seed = 2600;
  for (const DenseCase& s : cases) {
    std::mt19937 rng(++seed);
    DenseData d = make_data(s, rng);
    std::vector<float> y1 = run_abi(one.get(), s, d);
    std::vector<float> y2 = run_abi(two.get(), s, d);
    ASSERT_EQ(y1.size(), y2.size());
    ASSERT_EQ(std::memcmp(y1.data(), y2.data(), y1.size() * sizeof(float)), 0) << describe(s, seed);
  }
}

}  // namespace
