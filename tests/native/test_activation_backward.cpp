// Activation backward through the C ABI: derivatives at hand-worked points (kinks and large |x| included),
// central finite differences for every activation (coordinates near a kink skipped), dx == dy in place,
// the active kernel table against the reference kernel, thread counts 1 and 2 giving identical bits, and
// every bad-argument path with its status and message.
#include <cnn/cnn.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "kernels/kernels.h"
#include "test_util.h"

namespace {

using namespace cnn_test;

const cnn_activation kAll[] = {CNN_ACTIVATION_IDENTITY, CNN_ACTIVATION_RELU,    CNN_ACTIVATION_LEAKY_RELU,
                               CNN_ACTIVATION_ELU,      CNN_ACTIVATION_SIGMOID, CNN_ACTIVATION_TANH};

std::vector<int64_t> shape_of(const std::vector<float>& v) { return {static_cast<int64_t>(v.size())}; }

// dx = f'(x) * dy through the C ABI on fresh tensors.
std::vector<float> backward(cnn_context* ctx, cnn_activation a, float alpha, const std::vector<float>& x,
                            const std::vector<float>& dy) {
  TensorPtr tx = make_tensor(ctx, shape_of(x), x);
  TensorPtr tdy = make_tensor(ctx, shape_of(x), dy);
  TensorPtr tdx = make_tensor(ctx, shape_of(x), std::vector<float>(x.size(), std::nanf("")));
  EXPECT_EQ(cnn_activation_backward(ctx, a, alpha, tx.get(), tdy.get(), tdx.get()), CNN_OK) << cnn_last_error_message();
  return read_tensor(tdx.get());
}

std::vector<float> forward(cnn_context* ctx, cnn_activation a, float alpha, const std::vector<float>& x) {
  TensorPtr tx = make_tensor(ctx, shape_of(x), x);
  TensorPtr ty = make_tensor(ctx, shape_of(x));
  EXPECT_EQ(cnn_activation_forward(ctx, a, alpha, tx.get(), ty.get()), CNN_OK) << cnn_last_error_message();
  return read_tensor(ty.get());
}

// ---- known answers, worked out by hand ------------------------------------------------------

const std::vector<float> kPoints = {-1000, -2, -0.5f, 0, 0.5f, 2, 30, 1000};

TEST(ActivationBackwardTest, PiecewiseLinearDerivativesIncludingTheKink) {
  ContextPtr ctx = make_context();
  const std::vector<float> dy(kPoints.size(), 3.0f);
  EXPECT_TRUE(all_close(backward(ctx.get(), CNN_ACTIVATION_IDENTITY, 0, kPoints, dy), dy, "identity", 0));
  // ReLU: slope 0 left of the kink and at it, 1 right of it.
  EXPECT_TRUE(all_close(backward(ctx.get(), CNN_ACTIVATION_RELU, 0, kPoints, dy), {0, 0, 0, 0, 3, 3, 3, 3}, "relu", 0));
  // Leaky ReLU, alpha 0.1: slope alpha left of the kink and at it.
  EXPECT_TRUE(all_close(backward(ctx.get(), CNN_ACTIVATION_LEAKY_RELU, 0.1f, kPoints, dy),
                        {0.3f, 0.3f, 0.3f, 0.3f, 3, 3, 3, 3}, "leaky relu", 1e-6f));
}

TEST(ActivationBackwardTest, SmoothDerivativesAtKnownPoints) {
  ContextPtr ctx = make_context();
  const std::vector<float> dy(kPoints.size(), 2.0f);
  // ELU, alpha 1.5: d/dx = 1.5 e^x for x <= 0: 1.5 e^-2 = 0.2030029249, 1.5 e^-0.5 = 0.9097959896, 1.5 at 0.
  EXPECT_TRUE(all_close(backward(ctx.get(), CNN_ACTIVATION_ELU, 1.5f, kPoints, dy),
                        {0, 2 * 0.2030029249f, 2 * 0.9097959896f, 3, 2, 2, 2, 2}, "elu", 1e-6f));
  // sigmoid' = s (1 - s): 0.25 at 0; s(2) = 0.8807970780 gives 0.1049935854; s(0.5) = 0.6224593312 gives
  // 0.2350037122; at 30 it is e^-30 / (1 + e^-30)^2 = 9.3576229688e-14, not cancelled to 0; at +-1000, 0.
  std::vector<float> s = backward(ctx.get(), CNN_ACTIVATION_SIGMOID, 0, kPoints, dy);
  EXPECT_TRUE(all_close(s, {0, 2 * 0.1049935854f, 2 * 0.2350037122f, 0.5f, 2 * 0.2350037122f, 2 * 0.1049935854f, 0, 0},
                        "sigmoid", 1e-6f));
  EXPECT_NEAR(s[6], 2 * 9.3576229688e-14f, 1e-19f);
  for (float v : s) EXPECT_TRUE(std::isfinite(v)) << v;
  // tanh' = 1 - tanh^2: tanh(0.5) = 0.4621171573 gives 0.7864477329; tanh(2) = 0.9640275801 gives 0.0706508249.
  EXPECT_TRUE(all_close(backward(ctx.get(), CNN_ACTIVATION_TANH, 0, kPoints, dy),
                        {0, 2 * 0.0706508249f, 2 * 0.7864477329f, 2, 2 * 0.7864477329f, 2 * 0.0706508249f, 0, 0},
                        "tanh", 1e-6f));
}

// ---- finite differences ---------------------------------------------------------------------

TEST(ActivationBackwardTest, GradientsMatchFiniteDifferences) {
  ContextPtr ctx = make_context();
  const unsigned seed = 31;
  std::mt19937 rng(seed);
  const float eps = 1e-3f;
  // ReLU, leaky ReLU and ELU (alpha != 1) have a kink at 0: skip coordinates within 2 eps of it.
  auto near_kink = [&](const std::vector<float>& at, size_t i) { return std::fabs(at[i]) <= 2 * eps; };
  for (size_t count : {1u, 7u, 33u, 300u}) {
    const std::vector<float> x = random_vector(count, rng, -4.0f, 4.0f);
    const std::vector<float> r = random_vector(count, rng);
    for (cnn_activation a : kAll) {
      const float alpha = 0.3f;
      auto fwd = [&](const std::vector<float>& at) { return forward(ctx.get(), a, alpha, at); };
      ASSERT_TRUE(check_gradient("seed 31, count " + std::to_string(count) + ", activation " + std::to_string(a), x, r,
                                 backward(ctx.get(), a, alpha, x, r), fwd, near_kink, rng, 200, eps));
    }
  }
}

TEST(ActivationBackwardTest, InPlaceOnDyMatchesOutOfPlace) {
  ContextPtr ctx = make_context();
  std::mt19937 rng(3);
  const std::vector<float> x = random_vector(257, rng, -5, 5);
  const std::vector<float> dy = random_vector(257, rng);
  for (cnn_activation a : kAll) {
    const std::vector<float> expected = backward(ctx.get(), a, 0.2f, x, dy);
    TensorPtr tx = make_tensor(ctx.get(), {257}, x);
    TensorPtr t = make_tensor(ctx.get(), {257}, dy);
    ASSERT_EQ(cnn_activation_backward(ctx.get(), a, 0.2f, tx.get(), t.get(), t.get()), CNN_OK)
        << cnn_last_error_message();
    EXPECT_TRUE(all_close(read_tensor(t.get()), expected, "in place, activation " + std::to_string(a), 0));
  }
}

// ---- the active table against the reference, and thread counts ------------------------------------

TEST(ActivationBackwardTest, ActiveKernelMatchesReference) {
  ASSERT_STREQ(cnn_active_isa(), cnn::kernels().isa);
  const bool same = cnn::kernels().activation_backward == cnn::reference_kernels().activation_backward;
  std::cout << "[   INFO   ] active ISA " << cnn_active_isa() << ": activation_backward "
            << (same ? "uses the reference kernel itself (ref vs ref until a faster kernel exists)"
                     : "uses a faster kernel, compared with the reference")
            << "\n";
  ContextPtr ctx = make_context();
  std::mt19937 rng(11);
  for (int64_t count : {1, 3, 7, 17, 33, 127, 1000, 70001}) {
    const std::vector<float> x = random_vector(static_cast<size_t>(count), rng, -8, 8);
    const std::vector<float> dy = random_vector(static_cast<size_t>(count), rng);
    for (cnn_activation a : kAll) {
      std::vector<float> ref(x.size());
      cnn::activation_backward_ref(*ctx, a, 0.25f, count, x.data(), dy.data(), ref.data());
      ASSERT_TRUE(all_close(backward(ctx.get(), a, 0.25f, x, dy), ref,
                            "seed 11, count " + std::to_string(count) + ", activation " + std::to_string(a)));
    }
  }
}

TEST(ActivationBackwardTest, OneAndTwoThreadsGiveIdenticalResults) {
  ContextPtr one = make_context(1);
  ContextPtr two = make_context(2);
  std::mt19937 rng(5);
  const std::vector<float> x = random_vector(100003, rng, -10, 10);  // large enough to be split
  const std::vector<float> dy = random_vector(100003, rng);
  for (cnn_activation a : kAll) {
    const std::vector<float> d1 = backward(one.get(), a, 0.1f, x, dy), d2 = backward(two.get(), a, 0.1f, x, dy);
    ASSERT_EQ(d1.size(), d2.size());
    EXPECT_EQ(std::memcmp(d1.data(), d2.data(), d1.size() * sizeof(float)), 0) << "activation " << a;
  }
}

// ---- bad arguments: the status and the message ---------------------------------------------------

class ActivationBackwardArgsTest : public ::testing::Test {
 protected:
  ContextPtr ctx = make_context();
  TensorPtr x = make_tensor(ctx.get(), {2, 3});
  TensorPtr dy = make_tensor(ctx.get(), {2, 3});
  TensorPtr dx = make_tensor(ctx.get(), {2, 3});
  const std::string f = "cnn_activation_backward: ";

  cnn_status call(cnn_activation a = CNN_ACTIVATION_RELU, float alpha = 0.1f) {
    return cnn_activation_backward(ctx.get(), a, alpha, x.get(), dy.get(), dx.get());
  }
};

TEST_F(ActivationBackwardArgsTest, NullArgumentsAreRejected) {
  ASSERT_EQ(call(), CNN_OK) << cnn_last_error_message();
  EXPECT_STREQ(cnn_last_error_message(), "");
  const cnn_activation relu = CNN_ACTIVATION_RELU;
  EXPECT_TRUE(fails_with(cnn_activation_backward(nullptr, relu, 0, x.get(), dy.get(), dx.get()), CNN_INVALID_ARGUMENT,
                         f + "context is null"));
  EXPECT_TRUE(fails_with(cnn_activation_backward(ctx.get(), relu, 0, nullptr, dy.get(), dx.get()), CNN_INVALID_ARGUMENT,
                         f + "x is null"));
  EXPECT_TRUE(fails_with(cnn_activation_backward(ctx.get(), relu, 0, x.get(), nullptr, dx.get()), CNN_INVALID_ARGUMENT,
                         f + "dy is null"));
  EXPECT_TRUE(fails_with(cnn_activation_backward(ctx.get(), relu, 0, x.get(), dy.get(), nullptr), CNN_INVALID_ARGUMENT,
                         f + "dx is null"));
}

TEST_F(ActivationBackwardArgsTest, UnknownActivationAndNonFiniteAlphaAreRejected) {
  EXPECT_TRUE(fails_with(call(static_cast<cnn_activation>(6)), CNN_INVALID_ARGUMENT,
                         f + "activation 6 is not a cnn_activation (0..5)"));
  EXPECT_TRUE(fails_with(call(CNN_ACTIVATION_LEAKY_RELU, std::numeric_limits<float>::quiet_NaN()), CNN_INVALID_ARGUMENT,
                         f + "alpha nan must be finite for leaky ReLU"));
  EXPECT_TRUE(fails_with(call(CNN_ACTIVATION_ELU, -std::numeric_limits<float>::infinity()), CNN_INVALID_ARGUMENT,
                         f + "alpha -inf must be finite for ELU"));
  // Unused alpha is not checked, as in the forward.
  EXPECT_EQ(call(CNN_ACTIVATION_TANH, std::numeric_limits<float>::quiet_NaN()), CNN_OK) << cnn_last_error_message();
}

TEST_F(ActivationBackwardArgsTest, ShapesMustMatchX) {
  dy = make_tensor(ctx.get(), {3, 2});
  EXPECT_TRUE(fails_with(call(), CNN_SHAPE_MISMATCH, f + "x is [2,3] but dy is [3,2]: dy must have the shape of x"));
  dy = make_tensor(ctx.get(), {2, 3});
  dx = make_tensor(ctx.get(), {6});
  EXPECT_TRUE(fails_with(call(), CNN_SHAPE_MISMATCH, f + "x is [2,3] but dx is [6]: dx must have the shape of x"));
  dx = make_tensor(ctx.get(), {2, 4});
  EXPECT_TRUE(fails_with(call(), CNN_SHAPE_MISMATCH, f + "x is [2,3] but dx is [2,4]"));
}

TEST_F(ActivationBackwardArgsTest, DxMayBeDyButNotX) {
  EXPECT_EQ(cnn_activation_backward(ctx.get(), CNN_ACTIVATION_RELU, 0, x.get(), dy.get(), dy.get()), CNN_OK)
      << cnn_last_error_message();
  EXPECT_TRUE(fails_with(cnn_activation_backward(ctx.get(), CNN_ACTIVATION_RELU, 0, x.get(), dy.get(), x.get()),
                         CNN_INVALID_ARGUMENT,
                         f + "dx [2,3] shares its storage with x [2,3]; the output must be a separate tensor"));
}

// No second device exists yet, so the test marks a tensor's storage as foreign by hand.
TEST_F(ActivationBackwardArgsTest, TensorsOnAnotherDeviceAreRejected) {
  const char* names[] = {"x", "dy", "dx"};
  cnn_tensor* tensors[] = {x.get(), dy.get(), dx.get()};
  for (int i = 0; i < 3; ++i) {
    tensors[i]->storage->device = static_cast<cnn::DeviceType>(7);
    EXPECT_TRUE(fails_with(call(), CNN_INVALID_ARGUMENT,
                           f + names[i] + " [2,3] is on device 7 but the context is on device 0"));
    tensors[i]->storage->device = cnn::DeviceType::Cpu;
  }
}

}  // namespace
