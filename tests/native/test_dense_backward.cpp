// Dense backward: a hand-worked answer for dense_backward_ref, the generic tier (two GEMMs) against the
// reference on awkward and random shapes with either gradient skipped, finite differences through the C ABI
// for dx, dw and db, thread counts 1 and 2 giving identical bits, and every bad-argument path of
// cnn_dense_backward (status and message text).
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
#include "core/tensor.h"
#include "kernels/kernels.h"
#include "test_util.h"

namespace {

using namespace cnn_test;

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

struct DenseCase {
  int64_t n, in, out;
};

std::string describe(const DenseCase& s, uint32_t seed) {
  std::ostringstream t;
  t << "seed " << seed << " x [" << s.n << "," << s.in << "] w [" << s.out << "," << s.in << "]";
  return t.str();
}

struct BackwardData {
  std::vector<float> x, w, dy, bias;
};

BackwardData make_data(const DenseCase& s, std::mt19937& rng) {
  BackwardData d;
  d.x = random_vector(static_cast<size_t>(s.n * s.in), rng);
  d.w = random_vector(static_cast<size_t>(s.out * s.in), rng);
  d.dy = random_vector(static_cast<size_t>(s.n * s.out), rng);
  d.bias = random_vector(static_cast<size_t>(s.out), rng);
  return d;
}

struct Grads {
  std::vector<float> dx, dw, db;
};

// One table's kernels, called directly; each requested gradient starts as NaN so a skipped element fails.
Grads run_kernels(const cnn::KernelTable& table, cnn_context& ctx, const DenseCase& s, const BackwardData& d,
                  bool want_dx = true, bool want_dw = true) {
  Grads g;
  if (want_dx) g.dx.assign(d.x.size(), kNaN);
  if (want_dw) g.dw.assign(d.w.size(), kNaN);
  g.db.assign(static_cast<size_t>(s.out), kNaN);
  table.dense_backward(ctx, s.n, s.in, s.out, d.x.data(), d.w.data(), d.dy.data(), want_dx ? g.dx.data() : nullptr,
                       want_dw ? g.dw.data() : nullptr);
  table.bias_backward(ctx, s.n, s.out, 1, d.dy.data(), g.db.data());
  return g;
}

Grads run_abi(cnn_context* ctx, const DenseCase& s, const BackwardData& d) {
  TensorPtr x = make_tensor(ctx, {s.n, s.in}, d.x);
  TensorPtr w = make_tensor(ctx, {s.out, s.in}, d.w);
  TensorPtr dy = make_tensor(ctx, {s.n, s.out}, d.dy);
  TensorPtr dx = make_tensor(ctx, {s.n, s.in});
  TensorPtr dw = make_tensor(ctx, {s.out, s.in});
  TensorPtr db = make_tensor(ctx, {s.out});
  EXPECT_EQ(cnn_dense_backward(ctx, x.get(), w.get(), dy.get(), dx.get(), dw.get(), db.get()), CNN_OK)
      << cnn_last_error_message();
  return {read_tensor(dx.get()), read_tensor(dw.get()), read_tensor(db.get())};
}

std::vector<float> forward_abi(cnn_context* ctx, const DenseCase& s, const std::vector<float>& x,
                               const std::vector<float>& w, const std::vector<float>& bias) {
  TensorPtr xt = make_tensor(ctx, {s.n, s.in}, x);
  TensorPtr wt = make_tensor(ctx, {s.out, s.in}, w);
  TensorPtr bt = make_tensor(ctx, {s.out}, bias);
  TensorPtr yt = make_tensor(ctx, {s.n, s.out});
  EXPECT_EQ(cnn_dense_forward(ctx, xt.get(), wt.get(), bt.get(), yt.get()), CNN_OK) << cnn_last_error_message();
  return read_tensor(yt.get());
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

TEST(DenseBackward, TablesNameTheirKernels) {
  EXPECT_EQ(cnn::generic_kernels().dense_backward, &cnn::dense_backward_gemm);
  EXPECT_EQ(cnn::reference_kernels().dense_backward, &cnn::dense_backward_ref);
}

TEST(DenseBackward, ReferenceMatchesHandWorkedAnswer) {
  ContextPtr ctx = make_context(1);
  // x = [[1,2],[3,4]], w = [[1,1],[2,-1],[0,3]], dy = [[1,0,2],[0,1,-1]].
  // dx = dy w = [[1*[1,1] + 2*[0,3]], [[2,-1] - [0,3]]] = [[1,7],[2,-4]];
  // dw = dy^T x: row o = sum_i dy[i][o] x[i] = [1,2], [3,4], 2*[1,2] - [3,4] = [-1,0]; db = column sums of dy.
  DenseCase s{2, 2, 3};
  BackwardData d{{1, 2, 3, 4}, {1, 1, 2, -1, 0, 3}, {1, 0, 2, 0, 1, -1}, {}};
  Grads g = run_kernels(cnn::reference_kernels(), *ctx, s, d);
  EXPECT_EQ(g.dx, (std::vector<float>{1, 7, 2, -4}));
  EXPECT_EQ(g.dw, (std::vector<float>{1, 2, 3, 4, -1, 0}));
  EXPECT_EQ(g.db, (std::vector<float>{1, 1, 1}));
}

TEST(DenseBackward, GemmMatchesReferenceOnAwkwardShapes) {
  ContextPtr ctx = make_context(2);
  uint32_t seed = 300;
  for (int64_t n : {1, 3, 17, 64})
    for (int64_t in : {1, 7, 33, 127, 300})
      for (int64_t out : {1, 3, 10, 33}) {
        DenseCase s{n, in, out};
        std::mt19937 rng(++seed);
        BackwardData d = make_data(s, rng);
        Grads fast = run_kernels(cnn::generic_kernels(), *ctx, s, d);
        Grads ref = run_kernels(cnn::reference_kernels(), *ctx, s, d);
        ASSERT_TRUE(all_close(fast.dx, ref.dx, describe(s, seed) + " dx"));
        ASSERT_TRUE(all_close(fast.dw, ref.dw, describe(s, seed) + " dw"));
        ASSERT_TRUE(all_close(fast.db, ref.db, describe(s, seed) + " db"));
      }
}

TEST(DenseBackward, GemmMatchesReferenceOnRandomShapesWithEitherGradientSkipped) {
  ContextPtr ctx = make_context(2);
  std::mt19937 shapes(4711);
  std::uniform_int_distribution<int64_t> size(1, 200);
  for (uint32_t i = 0; i < 60; ++i) {
    DenseCase s{size(shapes), size(shapes) * 3, size(shapes)};
    const bool want_dx = i % 3 != 1, want_dw = i % 3 != 2;  // both, dw only, dx only
    uint32_t seed = 3100 + i;
    std::mt19937 rng(seed);
    BackwardData d = make_data(s, rng);
    // dx sums up to 200 products, dw up to 200: well inside 1e-4.
    Grads fast = run_kernels(cnn::generic_kernels(), *ctx, s, d, want_dx, want_dw);
    Grads ref = run_kernels(cnn::reference_kernels(), *ctx, s, d, want_dx, want_dw);
    ASSERT_TRUE(all_close(fast.dx, ref.dx, describe(s, seed) + " dx"));
    ASSERT_TRUE(all_close(fast.dw, ref.dw, describe(s, seed) + " dw"));
    EXPECT_EQ(fast.dx.empty(), !want_dx);
    EXPECT_EQ(fast.dw.empty(), !want_dw);
  }
}

TEST(DenseBackward, FiniteDifferencesThroughTheAbi) {
  ContextPtr ctx = make_context(1);  // hundreds of tiny forward calls: threads would only add overhead
  const DenseCase cases[] = {{1, 1, 1}, {4, 7, 3}, {9, 33, 10}, {2, 300, 5}};
  uint32_t seed = 3300;
  for (const DenseCase& s : cases) {
    std::mt19937 rng(++seed);
    BackwardData d = make_data(s, rng);
    const std::string what = describe(s, seed) + " (active isa " + cnn_active_isa() + ")";
    Grads g = run_abi(ctx.get(), s, d);  // L = sum dy * y, so dL/dy = dy
    ASSERT_TRUE(check_gradient(
        what + " dx", d.x, d.dy, g.dx,
        [&](const std::vector<float>& x) { return forward_abi(ctx.get(), s, x, d.w, d.bias); }, rng));
    ASSERT_TRUE(check_gradient(
        what + " dw", d.w, d.dy, g.dw,
        [&](const std::vector<float>& w) { return forward_abi(ctx.get(), s, d.x, w, d.bias); }, rng));
    ASSERT_TRUE(check_gradient(
        what + " db", d.bias, d.dy, g.db,
        [&](const std::vector<float>& b) { return forward_abi(ctx.get(), s, d.x, d.w, b); }, rng));
  }
}

TEST(DenseBackward, ThreadCountsGiveIdenticalBits) {
  ContextPtr one = make_context(1);
  ContextPtr two = make_context(2);
  const DenseCase cases[] = {{64, 3136, 128}, {129, 500, 67}, {256, 128, 10}};
  uint32_t seed = 3400;
  for (const DenseCase& s : cases) {
    std::mt19937 rng(++seed);
    BackwardData d = make_data(s, rng);
    Grads g1 = run_kernels(cnn::generic_kernels(), *one, s, d);
    Grads g2 = run_kernels(cnn::generic_kernels(), *two, s, d);
    EXPECT_TRUE(same_bits(g1.dx, g2.dx)) << describe(s, seed) << " dx";
    EXPECT_TRUE(same_bits(g1.dw, g2.dw)) << describe(s, seed) << " dw";
    EXPECT_TRUE(same_bits(g1.db, g2.db)) << describe(s, seed) << " db";
  }
}

TEST(DenseBackward, BadArguments) {
  ContextPtr ctx = make_context(1);
  TensorPtr x = make_tensor(ctx.get(), {2, 5});
  TensorPtr w = make_tensor(ctx.get(), {3, 5});
  TensorPtr dy = make_tensor(ctx.get(), {2, 3});
  TensorPtr dx = make_tensor(ctx.get(), {2, 5});
  TensorPtr dw = make_tensor(ctx.get(), {3, 5});
  TensorPtr db = make_tensor(ctx.get(), {3});
  auto run = [&](const cnn_tensor* x_arg, const cnn_tensor* w_arg, const cnn_tensor* dy_arg, cnn_tensor* dx_arg,
                 cnn_tensor* dw_arg, cnn_tensor* db_arg) {
    return cnn_dense_backward(ctx.get(), x_arg, w_arg, dy_arg, dx_arg, dw_arg, db_arg);
  };
  ASSERT_EQ(run(x.get(), w.get(), dy.get(), dx.get(), dw.get(), db.get()), CNN_OK) << cnn_last_error_message();
  EXPECT_EQ(run(x.get(), w.get(), dy.get(), nullptr, nullptr, db.get()), CNN_OK) << cnn_last_error_message();
  // Null arguments and no gradient at all.
  EXPECT_TRUE(fails_with(cnn_dense_backward(nullptr, x.get(), w.get(), dy.get(), dx.get(), dw.get(), db.get()),
                         CNN_INVALID_ARGUMENT, "cnn_dense_backward: context is null"));
  EXPECT_TRUE(fails_with(run(nullptr, w.get(), dy.get(), dx.get(), dw.get(), db.get()), CNN_INVALID_ARGUMENT,
                         "cnn_dense_backward: x is null"));
  EXPECT_TRUE(fails_with(run(x.get(), nullptr, dy.get(), dx.get(), dw.get(), db.get()), CNN_INVALID_ARGUMENT,
                         "cnn_dense_backward: w is null"));
  EXPECT_TRUE(fails_with(run(x.get(), w.get(), nullptr, dx.get(), dw.get(), db.get()), CNN_INVALID_ARGUMENT,
                         "cnn_dense_backward: dy is null"));
  EXPECT_TRUE(fails_with(run(x.get(), w.get(), dy.get(), nullptr, nullptr, nullptr), CNN_INVALID_ARGUMENT,
                         "cnn_dense_backward: dx, dw and db are all null: at least one gradient must be requested"));
  // The forward's checks on x and w, shared.
  TensorPtr x4 = make_tensor(ctx.get(), {2, 5, 1, 1});
  EXPECT_TRUE(fails_with(run(x4.get(), w.get(), dy.get(), nullptr, dw.get(), nullptr), CNN_SHAPE_MISMATCH,
                         "x is [2,5,1,1] (rank 4) but must have rank 2"));
  TensorPtr w4 = make_tensor(ctx.get(), {3, 4});
  EXPECT_TRUE(fails_with(run(x.get(), w4.get(), dy.get(), dx.get(), nullptr, nullptr), CNN_SHAPE_MISMATCH,
                         "cnn_dense_backward: x is [2,5] but w is [3,4]: input features 5 != 4"));
  // dy and the gradients.
  TensorPtr dy_bad = make_tensor(ctx.get(), {2, 4});
  EXPECT_TRUE(fails_with(run(x.get(), w.get(), dy_bad.get(), dx.get(), dw.get(), db.get()), CNN_SHAPE_MISMATCH,
                         "cnn_dense_backward: dy is [2,4] but the output of the forward is [2,3] for x [2,5] and w "
                         "[3,5]"));
  TensorPtr dy_rank = make_tensor(ctx.get(), {6});
  EXPECT_TRUE(fails_with(run(x.get(), w.get(), dy_rank.get(), dx.get(), dw.get(), db.get()), CNN_SHAPE_MISMATCH,
                         "dy is [6] but the output of the forward is [2,3]"));
  TensorPtr dx_bad = make_tensor(ctx.get(), {5, 2});
  EXPECT_TRUE(fails_with(run(x.get(), w.get(), dy.get(), dx_bad.get(), dw.get(), db.get()), CNN_SHAPE_MISMATCH,
                         "dx is [5,2] but must be [2,5], the shape of x"));
  TensorPtr dw_bad = make_tensor(ctx.get(), {3, 5, 1});
  EXPECT_TRUE(fails_with(run(x.get(), w.get(), dy.get(), dx.get(), dw_bad.get(), db.get()), CNN_SHAPE_MISMATCH,
                         "dw is [3,5,1] but must be [3,5], the shape of w"));
  TensorPtr db_bad = make_tensor(ctx.get(), {2});
  EXPECT_TRUE(fails_with(run(x.get(), w.get(), dy.get(), dx.get(), dw.get(), db_bad.get()), CNN_SHAPE_MISMATCH,
                         "db is [2] but must be [3], one value per output feature"));
  // Aliasing: a gradient over an input (directly or through a reshape view) or over another gradient.
  EXPECT_TRUE(fails_with(run(x.get(), w.get(), dy.get(), x.get(), nullptr, nullptr), CNN_INVALID_ARGUMENT,
                         "dx [2,5] shares its storage with x [2,5]; the output must be a separate tensor"));
  const int64_t flat[] = {3, 5};
  cnn_tensor* raw = nullptr;
  ASSERT_EQ(cnn_tensor_reshape(w.get(), flat, 2, &raw), CNN_OK);
  TensorPtr w_view(raw);
  EXPECT_TRUE(fails_with(run(x.get(), w.get(), dy.get(), nullptr, w_view.get(), nullptr), CNN_INVALID_ARGUMENT,
                         "dw [3,5] shares its storage with w [3,5]"));
  TensorPtr x3 = make_tensor(ctx.get(), {3, 3});  // x [3,3], w [3,3]: dy, dx and dw are all [3,3]
  TensorPtr w3 = make_tensor(ctx.get(), {3, 3});
  TensorPtr dy3 = make_tensor(ctx.get(), {3, 3});
  TensorPtr g3 = make_tensor(ctx.get(), {3, 3});
  EXPECT_TRUE(fails_with(run(x3.get(), w3.get(), dy3.get(), dy3.get(), nullptr, nullptr), CNN_INVALID_ARGUMENT,
                         "dx [3,3] shares its storage with dy [3,3]"));
  EXPECT_TRUE(fails_with(run(x3.get(), w3.get(), dy3.get(), g3.get(), g3.get(), nullptr), CNN_INVALID_ARGUMENT,
                         "dw [3,3] shares its storage with dx [3,3]"));
  // Another device.
  TensorPtr foreign = make_tensor(ctx.get(), {3});
  foreign->storage->device = static_cast<cnn::DeviceType>(1);
  EXPECT_TRUE(fails_with(run(x.get(), w.get(), dy.get(), nullptr, nullptr, foreign.get()), CNN_INVALID_ARGUMENT,
                         "db [3] is on device 1 but the context is on device 0"));
}

}  // namespace
