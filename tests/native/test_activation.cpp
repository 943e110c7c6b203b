// Activations through the C ABI: each function at hand-worked points (large |x| included), in place,
// the active kernel table against the reference kernel, thread counts 1 and 2 giving identical bits,
// and every bad-argument path with its status and message.
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

#include "core/context.h"
#include "core/tensor.h"
#include "kernels/kernels.h"
#include "test_util.h"

namespace {

using namespace cnn_test;

const cnn_activation kAll[] = {CNN_ACTIVATION_IDENTITY, CNN_ACTIVATION_RELU,    CNN_ACTIVATION_LEAKY_RELU,
                               CNN_ACTIVATION_ELU,      CNN_ACTIVATION_SIGMOID, CNN_ACTIVATION_TANH};

// y = f(x) through the C ABI on a fresh [count] tensor pair.
std::vector<float> run(cnn_context* ctx, cnn_activation a, float alpha, const std::vector<float>& x) {
  const std::vector<int64_t> shape = {static_cast<int64_t>(x.size())};
  TensorPtr tx = make_tensor(ctx, shape, x);
  TensorPtr ty = make_tensor(ctx, shape);
  EXPECT_EQ(cnn_activation_forward(ctx, a, alpha, tx.get(), ty.get()), CNN_OK) << cnn_last_error_message();
  return read_tensor(ty.get());
}

// -1000 and 1000 would overflow a naive exp; -30 and 30 sit where sigmoid is nearly 0 or 1.
const std::vector<float> kPoints = {-1000, -30, -2, -0.5f, 0, 0.5f, 2, 30, 1000};

TEST(ActivationTest, IdentityAndReluKnownPoints) {
  ContextPtr ctx = make_context();
  EXPECT_TRUE(all_close(run(ctx.get(), CNN_ACTIVATION_IDENTITY, 0, kPoints), kPoints, "identity", 0));
  EXPECT_TRUE(all_close(run(ctx.get(), CNN_ACTIVATION_RELU, 0, kPoints), {0, 0, 0, 0, 0, 0.5f, 2, 30, 1000}, "relu",
                        0));
}

TEST(ActivationTest, LeakyReluKnownPoints) {
  ContextPtr ctx = make_context();
  // alpha 0.1 scales the negatives only.
  EXPECT_TRUE(all_close(run(ctx.get(), CNN_ACTIVATION_LEAKY_RELU, 0.1f, kPoints),
                        {-100, -3, -0.2f, -0.05f, 0, 0.5f, 2, 30, 1000}, "leaky relu", 1e-6f));
}

TEST(ActivationTest, EluKnownPoints) {
  ContextPtr ctx = make_context();
  // alpha 1.5: 1.5*(e^-2 - 1) = 1.5*(-0.8646647168) = -1.2969970751; 1.5*(e^-0.5 - 1) = 1.5*(-0.3934693403);
  // e^-30 and e^-1000 vanish next to 1, so the far negatives give -alpha.
  std::vector<float> y = run(ctx.get(), CNN_ACTIVATION_ELU, 1.5f, kPoints);
  EXPECT_TRUE(all_close(y, {-1.5f, -1.5f, -1.2969970751f, -0.5902040104f, 0, 0.5f, 2, 30, 1000}, "elu", 1e-6f));
  EXPECT_EQ(y[0], -1.5f);
}

TEST(ActivationTest, SigmoidKnownPointsWithoutOverflow) {
  ContextPtr ctx = make_context();
  // 1/(1+e^2) = 0.1192029220, 1/(1+e^0.5) = 0.3775406688, and the mirror images 1 - those.
  std::vector<float> y = run(ctx.get(), CNN_ACTIVATION_SIGMOID, 0, kPoints);
  EXPECT_TRUE(all_close(
      y, {0, 0, 0.1192029220f, 0.3775406688f, 0.5f, 0.6224593312f, 0.8807970780f, 1, 1}, "sigmoid", 1e-6f));
  EXPECT_EQ(y[0], 0.0f);  // e^1000 would be inf; no NaN from inf/inf
  EXPECT_EQ(y[8], 1.0f);
  // sigmoid(-30) = e^-30 / (1 + e^-30) = 9.3576229688e-14, kept to float precision, not flushed to 0.
  EXPECT_NEAR(y[1], 9.3576229688e-14f, 1e-19f);
  for (float v : y) EXPECT_TRUE(std::isfinite(v)) << v;
}

TEST(ActivationTest, TanhKnownPoints) {
  ContextPtr ctx = make_context();
  // tanh(0.5) = 0.4621171573, tanh(2) = 0.9640275801, odd function, saturating at +-1.
  std::vector<float> y = run(ctx.get(), CNN_ACTIVATION_TANH, 0, kPoints);
  EXPECT_TRUE(all_close(y, {-1, -1, -0.9640275801f, -0.4621171573f, 0, 0.4621171573f, 0.9640275801f, 1, 1}, "tanh",
                        1e-6f));
  EXPECT_EQ(y[0], -1.0f);
  EXPECT_EQ(y[8], 1.0f);
}

TEST(ActivationTest, MatchesDoublePrecisionFormulasOnASweep) {
  ContextPtr ctx = make_context();
  std::vector<float> x;
  for (int i = -400; i <= 400; ++i) x.push_back(static_cast<float>(i) * 0.25f);  // -100 .. 100
  const float alpha = 0.3f;
  auto formula = [&](cnn_activation a, double v) -> double {
    switch (a) {
      case CNN_ACTIVATION_IDENTITY: return v;
      case CNN_ACTIVATION_RELU: return v > 0 ? v : 0;
      case CNN_ACTIVATION_LEAKY_RELU: return v > 0 ? v : alpha * v;
      case CNN_ACTIVATION_ELU: return v > 0 ? v : alpha * (std::exp(v) - 1);
      case CNN_ACTIVATION_SIGMOID: return 1 / (1 + std::exp(-v));
      case CNN_ACTIVATION_TANH: return std::tanh(v);
    }
    return std::nan("");
  };
  for (cnn_activation a : kAll) {
    std::vector<float> expected;
    for (float v : x) expected.push_back(static_cast<float>(formula(a, v)));
    EXPECT_TRUE(all_close(run(ctx.get(), a, alpha, x), expected, "activation " + std::to_string(a), 1e-6f));
  }
}

TEST(ActivationTest, InPlaceMatchesOutOfPlaceAndAlphaIsIgnoredWhereUnused) {
  ContextPtr ctx = make_context();
  std::mt19937 rng(3);
  const std::vector<float> x = random_vector(257, rng, -5, 5);
  for (cnn_activation a : kAll) {
    const std::vector<float> expected = run(ctx.get(), a, 0.2f, x);
    TensorPtr t = make_tensor(ctx.get(), {257}, x);
    ASSERT_EQ(cnn_activation_forward(ctx.get(), a, 0.2f, t.get(), t.get()), CNN_OK) << cnn_last_error_message();
    EXPECT_TRUE(all_close(read_tensor(t.get()), expected, "in place, activation " + std::to_string(a), 0));
  }
  // ReLU, sigmoid, tanh and identity accept any alpha, even NaN, and do not use it.
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (cnn_activation a : {CNN_ACTIVATION_IDENTITY, CNN_ACTIVATION_RELU, CNN_ACTIVATION_SIGMOID, CNN_ACTIVATION_TANH})
    EXPECT_TRUE(all_close(run(ctx.get(), a, nan, x), run(ctx.get(), a, 0.2f, x), "alpha ignored", 0));
}

TEST(ActivationTest, ActiveKernelMatchesReference) {
  ASSERT_STREQ(cnn_active_isa(), cnn::kernels().isa);
  const bool same = cnn::kernels().activation_forward == cnn::reference_kernels().activation_forward;
  std::cout << "[   INFO   ] active ISA " << cnn_active_isa() << ": activation "
            << (same ? "uses the reference kernel itself (ref vs ref until a faster kernel exists)"
                     : "uses a faster kernel, compared with the reference")
            << "\n";
  ContextPtr ctx = make_context();
  std::mt19937 rng(11);
  for (int64_t count : {1, 3, 7, 17, 33, 127, 1000, 70001}) {
    const std::vector<float> x = random_vector(static_cast<size_t>(count), rng, -8, 8);
    for (cnn_activation a : kAll) {
      std::vector<float> ref(x.size());
      cnn::activation_forward_ref(*ctx, a, 0.25f, count, x.data(), ref.data());
      ASSERT_TRUE(all_close(run(ctx.get(), a, 0.25f, x), ref,
                            "seed 11, count " + std::to_string(count) + ", activation " + std::to_string(a)));
    }
  }
}

TEST(ActivationTest, OneAndTwoThreadsGiveIdenticalResults) {
  ContextPtr one = make_context(1);
  ContextPtr two = make_context(2);
  std::mt19937 rng(5);
  const std::vector<float> x = random_vector(100003, rng, -10, 10);  // large enough to be split
  for (cnn_activation a : kAll) {
    const std::vector<float> y1 = run(one.get(), a, 0.1f, x), y2 = run(two.get(), a, 0.1f, x);
    ASSERT_EQ(y1.size(), y2.size());
    EXPECT_EQ(std::memcmp(y1.data(), y2.data(), y1.size() * sizeof(float)), 0) << "activation " << a;
  }
}

// ---- bad arguments: the status and the message ---------------------------------------------------

class ActivationArgsTest : public ::testing::Test {
 protected:
  ContextPtr ctx = make_context();
  TensorPtr x = make_tensor(ctx.get(), {2, 3});
  TensorPtr y = make_tensor(ctx.get(), {2, 3});
  const std::string f = "cnn_activation_forward: ";

  cnn_status call(cnn_activation a = CNN_ACTIVATION_RELU, float alpha = 0.1f) {
    return cnn_activation_forward(ctx.get(), a, alpha, x.get(), y.get());
  }
};

TEST_F(ActivationArgsTest, NullArgumentsAreRejected) {
  ASSERT_EQ(call(), CNN_OK) << cnn_last_error_message();
  EXPECT_TRUE(fails_with(cnn_activation_forward(nullptr, CNN_ACTIVATION_RELU, 0, x.get(), y.get()),
                         CNN_INVALID_ARGUMENT, f + "context is null"));
  EXPECT_TRUE(fails_with(cnn_activation_forward(ctx.get(), CNN_ACTIVATION_RELU, 0, nullptr, y.get()),
                         CNN_INVALID_ARGUMENT, f + "x is null"));
  EXPECT_TRUE(fails_with(cnn_activation_forward(ctx.get(), CNN_ACTIVATION_RELU, 0, x.get(), nullptr),
                         CNN_INVALID_ARGUMENT, f + "y is null"));
}

TEST_F(ActivationArgsTest, UnknownActivationIsRejected) {
  // 6 and 7 are outside the enumerators but inside the enum's value range, so the casts are defined.
  EXPECT_TRUE(fails_with(call(static_cast<cnn_activation>(6)), CNN_INVALID_ARGUMENT,
                         f + "activation 6 is not a cnn_activation (0..5)"));
  EXPECT_TRUE(fails_with(call(static_cast<cnn_activation>(7)), CNN_INVALID_ARGUMENT,
                         f + "activation 7 is not a cnn_activation (0..5)"));
}

TEST_F(ActivationArgsTest, NonFiniteAlphaIsRejectedWhereUsed) {
  EXPECT_TRUE(fails_with(call(CNN_ACTIVATION_LEAKY_RELU, std::numeric_limits<float>::quiet_NaN()),
                         CNN_INVALID_ARGUMENT, f + "alpha nan must be finite for leaky ReLU"));
  EXPECT_TRUE(fails_with(call(CNN_ACTIVATION_ELU, std::numeric_limits<float>::infinity()), CNN_INVALID_ARGUMENT,
                         f + "alpha inf must be finite for ELU"));
  EXPECT_TRUE(fails_with(call(CNN_ACTIVATION_ELU, -std::numeric_limits<float>::infinity()), CNN_INVALID_ARGUMENT,
                         f + "alpha -inf must be finite for ELU"));
}

TEST_F(ActivationArgsTest, ShapeMismatchIsRejectedEvenWithTheSameElementCount) {
  y = make_tensor(ctx.get(), {3, 2});
  EXPECT_TRUE(fails_with(call(), CNN_SHAPE_MISMATCH,
                         f + "x is [2,3] but y is [3,2]: ReLU needs y of the same shape as x"));
  y = make_tensor(ctx.get(), {6});
  EXPECT_TRUE(fails_with(call(CNN_ACTIVATION_TANH), CNN_SHAPE_MISMATCH,
                         f + "x is [2,3] but y is [6]: tanh needs y of the same shape as x"));
  y = make_tensor(ctx.get(), {2, 4});
  EXPECT_TRUE(fails_with(call(CNN_ACTIVATION_SIGMOID), CNN_SHAPE_MISMATCH,
                         f + "x is [2,3] but y is [2,4]: sigmoid needs y of the same shape as x"));
  // A reshape view of x shares its storage but not its shape: still a mismatch, not in place.
  const int64_t shape[] = {3, 2};
  cnn_tensor* view = nullptr;
  ASSERT_EQ(cnn_tensor_reshape(x.get(), shape, 2, &view), CNN_OK);
  y.reset(view);
  EXPECT_TRUE(fails_with(call(), CNN_SHAPE_MISMATCH, f + "x is [2,3] but y is [3,2]"));
}

// No second device exists yet, so the test marks a tensor's storage as foreign by hand.
TEST_F(ActivationArgsTest, TensorsOnAnotherDeviceAreRejected) {
  x->storage->device = static_cast<cnn::DeviceType>(7);
  EXPECT_TRUE(fails_with(call(), CNN_INVALID_ARGUMENT, f + "x [2,3] is on device 7 but the context is on device 0"));
  x->storage->device = cnn::DeviceType::Cpu;
  y->storage->device = static_cast<cnn::DeviceType>(7);
  EXPECT_TRUE(fails_with(call(), CNN_INVALID_ARGUMENT, f + "y [2,3] is on device 7 but the context is on device 0"));
  y->storage->device = cnn::DeviceType::Cpu;
}

}  // namespace
