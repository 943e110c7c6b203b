// Softmax backward through the C ABI: a hand-worked Jacobian column, central finite differences for ranks
// 2..4 (the classes on axis 1), the active kernel table against the reference kernel, thread counts 1 and 2
// giving identical bits, and every bad-argument path with its status and message.
#include <cnn/cnn.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "kernels/kernels.h"
#include "test_util.h"

namespace {

using namespace cnn_test;

size_t count_of(const std::vector<int64_t>& shape) {
  size_t n = 1;
  for (int64_t d : shape) n *= static_cast<size_t>(d);
  return n;
}

std::vector<float> forward(cnn_context* ctx, const std::vector<int64_t>& shape, const std::vector<float>& x) {
  TensorPtr tx = make_tensor(ctx, shape, x);
  TensorPtr ty = make_tensor(ctx, shape);
  EXPECT_EQ(cnn_softmax_forward(ctx, tx.get(), ty.get()), CNN_OK) << cnn_last_error_message();
  return read_tensor(ty.get());
}

// dx from the forward's output y and dy, through the C ABI.
std::vector<float> backward(cnn_context* ctx, const std::vector<int64_t>& shape, const std::vector<float>& y,
                            const std::vector<float>& dy) {
  TensorPtr ty = make_tensor(ctx, shape, y);
  TensorPtr tdy = make_tensor(ctx, shape, dy);
  TensorPtr tdx = make_tensor(ctx, shape, std::vector<float>(y.size(), std::nanf("")));
  EXPECT_EQ(cnn_softmax_backward(ctx, ty.get(), tdy.get(), tdx.get()), CNN_OK) << cnn_last_error_message();
  return read_tensor(tdx.get());
}

TEST(SoftmaxBackwardTest, KnownJacobianColumns) {
  ContextPtr ctx = make_context();
  // y = (0.2, 0.3, 0.5), dy = e_0: sum dy*y = 0.2, dx = y * (dy - 0.2) = (0.16, -0.06, -0.1), the first
  // column of the Jacobian diag(y) - y y^T. A constant dy gives 0: softmax ignores a shift of x.
  EXPECT_TRUE(all_close(backward(ctx.get(), {1, 3}, {0.2f, 0.3f, 0.5f}, {1, 0, 0}), {0.16f, -0.06f, -0.1f},
                        "first column", 1e-6f));
  EXPECT_TRUE(all_close(backward(ctx.get(), {1, 3}, {0.2f, 0.3f, 0.5f}, {4, 4, 4}), {0, 0, 0}, "constant dy", 1e-6f));
  // Rank 3 [1,2,2]: the classes run along axis 1, so the columns are {y0, y2} and {y1, y3}.
  // Column 0: y = (0.25, 0.75), dy = (1, 0): dot 0.25, dx = (0.25*0.75, 0.75*-0.25) = (0.1875, -0.1875).
  // Column 1: y = (0.5, 0.5), dy = (0, 2): dot 1, dx = (0.5*-1, 0.5*1) = (-0.5, 0.5).
  EXPECT_TRUE(all_close(backward(ctx.get(), {1, 2, 2}, {0.25f, 0.5f, 0.75f, 0.5f}, {1, 0, 0, 2}),
                        {0.1875f, -0.5f, -0.1875f, 0.5f}, "axis 1 of rank 3", 1e-6f));
}

TEST(SoftmaxBackwardTest, GradientMatchesFiniteDifferences) {
  ContextPtr ctx = make_context();
  const unsigned seed = 8;
  std::mt19937 rng(seed);
  for (const std::vector<int64_t>& shape :
       {std::vector<int64_t>{1, 1}, {1, 7}, {4, 10}, {3, 5, 2}, {2, 3, 4, 5}, {1, 17, 1, 3}}) {
    const std::vector<float> x = random_vector(count_of(shape), rng, -3.0f, 3.0f);
    const std::vector<float> r = random_vector(count_of(shape), rng);
    auto fwd = [&](const std::vector<float>& at) { return forward(ctx.get(), shape, at); };
    ASSERT_TRUE(
        check_gradient("seed 8, x " + shape_text(shape), x, r, backward(ctx.get(), shape, fwd(x), r), fwd, rng, 200));
  }
}

TEST(SoftmaxBackwardTest, ActiveKernelMatchesReference) {
  ASSERT_STREQ(cnn_active_isa(), cnn::kernels().isa);
  const bool same = cnn::kernels().softmax_backward == cnn::reference_kernels().softmax_backward;
  std::cout << "[   INFO   ] active ISA " << cnn_active_isa() << ": softmax_backward "
            << (same ? "uses the reference kernel itself (ref vs ref until a faster kernel exists)"
                     : "uses a faster kernel, compared with the reference")
            << "\n";
  ContextPtr ctx = make_context();
  std::mt19937 rng(12);
  for (const std::vector<int64_t>& shape : {std::vector<int64_t>{1, 1}, {3, 7}, {17, 33}, {2, 127, 3}, {5, 10, 7, 7}}) {
    const std::vector<float> y = forward(ctx.get(), shape, random_vector(count_of(shape), rng, -5, 5));
    const std::vector<float> dy = random_vector(count_of(shape), rng);
    int64_t inner = 1;
    for (size_t i = 2; i < shape.size(); ++i) inner *= shape[i];
    std::vector<float> ref(y.size());
    cnn::softmax_backward_ref(*ctx, shape[0], shape[1], inner, y.data(), dy.data(), ref.data());
    ASSERT_TRUE(all_close(backward(ctx.get(), shape, y, dy), ref, "seed 12, x " + shape_text(shape)));
  }
}

TEST(SoftmaxBackwardTest, OneAndTwoThreadsGiveIdenticalResults) {
  ContextPtr one = make_context(1);
  ContextPtr two = make_context(2);
  std::mt19937 rng(6);
  for (const std::vector<int64_t>& shape : {std::vector<int64_t>{512, 100}, {8, 10, 33, 31}}) {
    const std::vector<float> y = forward(one.get(), shape, random_vector(count_of(shape), rng, -5, 5));
    const std::vector<float> dy = random_vector(count_of(shape), rng);
    const std::vector<float> d1 = backward(one.get(), shape, y, dy), d2 = backward(two.get(), shape, y, dy);
    ASSERT_EQ(d1.size(), d2.size());
    EXPECT_EQ(std::memcmp(d1.data(), d2.data(), d1.size() * sizeof(float)), 0) << "x " << shape_text(shape);
  }
}

// ---- bad arguments: the status and the message ---------------------------------------------------

class SoftmaxBackwardArgsTest : public ::testing::Test {
 protected:
  ContextPtr ctx = make_context();
  TensorPtr y = make_tensor(ctx.get(), {2, 6});
  TensorPtr dy = make_tensor(ctx.get(), {2, 6});
  TensorPtr dx = make_tensor(ctx.get(), {2, 6});
  const std::string f = "cnn_softmax_backward: ";

  cnn_status call() { return cnn_softmax_backward(ctx.get(), y.get(), dy.get(), dx.get()); }
};

TEST_F(SoftmaxBackwardArgsTest, NullArgumentsAreRejected) {
  ASSERT_EQ(call(), CNN_OK) << cnn_last_error_message();
  EXPECT_STREQ(cnn_last_error_message(), "");
  EXPECT_TRUE(fails_with(cnn_softmax_backward(nullptr, y.get(), dy.get(), dx.get()), CNN_INVALID_ARGUMENT,
                         f + "context is null"));
  EXPECT_TRUE(
      fails_with(cnn_softmax_backward(ctx.get(), nullptr, dy.get(), dx.get()), CNN_INVALID_ARGUMENT, f + "y is null"));
  EXPECT_TRUE(
      fails_with(cnn_softmax_backward(ctx.get(), y.get(), nullptr, dx.get()), CNN_INVALID_ARGUMENT, f + "dy is null"));
  EXPECT_TRUE(
      fails_with(cnn_softmax_backward(ctx.get(), y.get(), dy.get(), nullptr), CNN_INVALID_ARGUMENT, f + "dx is null"));
}

TEST_F(SoftmaxBackwardArgsTest, RankBelowTwoIsRejected) {
  y = make_tensor(ctx.get(), {12});
  dy = make_tensor(ctx.get(), {12});
  dx = make_tensor(ctx.get(), {12});
  EXPECT_TRUE(fails_with(call(), CNN_SHAPE_MISMATCH,
                         f + "y is [12] (rank 1) but softmax needs rank >= 2 with the classes on axis 1"));
}

TEST_F(SoftmaxBackwardArgsTest, ShapesMustMatchY) {
  dy = make_tensor(ctx.get(), {6, 2});
  EXPECT_TRUE(fails_with(call(), CNN_SHAPE_MISMATCH, f + "y is [2,6] but dy is [6,2]: dy must have the shape of y"));
  dy = make_tensor(ctx.get(), {2, 6});
  dx = make_tensor(ctx.get(), {2, 3, 2});
  EXPECT_TRUE(fails_with(call(), CNN_SHAPE_MISMATCH, f + "y is [2,6] but dx is [2,3,2]: dx must have the shape of y"));
}

TEST_F(SoftmaxBackwardArgsTest, DxMustBeASeparateTensor) {
  EXPECT_TRUE(fails_with(cnn_softmax_backward(ctx.get(), y.get(), dy.get(), y.get()), CNN_INVALID_ARGUMENT,
                         f + "dx [2,6] shares its storage with y [2,6]; the output must be a separate tensor"));
  EXPECT_TRUE(fails_with(cnn_softmax_backward(ctx.get(), y.get(), dy.get(), dy.get()), CNN_INVALID_ARGUMENT,
                         f + "dx [2,6] shares its storage with dy [2,6]"));
}

// No second device exists yet, so the test marks a tensor's storage as foreign by hand.
TEST_F(SoftmaxBackwardArgsTest, TensorsOnAnotherDeviceAreRejected) {
  const char* names[] = {"y", "dy", "dx"};
  cnn_tensor* tensors[] = {y.get(), dy.get(), dx.get()};
  for (int i = 0; i < 3; ++i) {
    tensors[i]->storage->device = static_cast<cnn::DeviceType>(7);
    EXPECT_TRUE(fails_with(call(), CNN_INVALID_ARGUMENT,
                           f + names[i] + " [2,6] is on device 7 but the context is on device 0"));
    tensors[i]->storage->device = cnn::DeviceType::Cpu;
  }
}

}  // namespace
