// Batch-norm argument checks through the C ABI: every bad-argument path of cnn_batchnorm2d_forward_training,
// cnn_batchnorm2d_forward_inference and cnn_batchnorm2d_backward, asserting the status and the message text.
#include <cnn/cnn.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "test_util.h"

namespace {

using namespace cnn_test;

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

// A reshape view: a new handle over t's storage.
TensorPtr view(cnn_tensor* t, std::vector<int64_t> shape) {
  cnn_tensor* v = nullptr;
  EXPECT_EQ(cnn_tensor_reshape(t, shape.data(), shape.size(), &v), CNN_OK) << cnn_last_error_message();
  return TensorPtr(v);
}

class BatchNorm2dArgsTest : public ::testing::Test {
 protected:
  ContextPtr ctx = make_context();
  TensorPtr x = make_tensor(ctx.get(), {2, 3, 4, 4});
  TensorPtr y = make_tensor(ctx.get(), {2, 3, 4, 4});
  TensorPtr gamma = make_tensor(ctx.get(), {3}, {1, 1, 1});
  TensorPtr beta = make_tensor(ctx.get(), {3});
  TensorPtr rm = make_tensor(ctx.get(), {3});
  TensorPtr rv = make_tensor(ctx.get(), {3}, {1, 1, 1});
  TensorPtr sm = make_tensor(ctx.get(), {3});
  TensorPtr si = make_tensor(ctx.get(), {3}, {1, 1, 1});
  TensorPtr dy = make_tensor(ctx.get(), {2, 3, 4, 4});
  TensorPtr dx = make_tensor(ctx.get(), {2, 3, 4, 4});
  TensorPtr dg = make_tensor(ctx.get(), {3});
  TensorPtr db = make_tensor(ctx.get(), {3});
  float momentum = 0.1f;
  float epsilon = 1e-5f;

  cnn_status training() {
    return cnn_batchnorm2d_forward_training(ctx.get(), x.get(), gamma.get(), beta.get(), momentum, epsilon, rm.get(),
                                            rv.get(), sm.get(), si.get(), y.get());
  }
  cnn_status inference() {
    return cnn_batchnorm2d_forward_inference(ctx.get(), x.get(), gamma.get(), beta.get(), rm.get(), rv.get(), epsilon,
                                             y.get());
  }
  cnn_status backward() {
    return cnn_batchnorm2d_backward(ctx.get(), x.get(), gamma.get(), sm.get(), si.get(), dy.get(), dx.get(), dg.get(),
                                    db.get());
  }
  // All three calls fail with `status` and "<function>: <needle>".
  ::testing::AssertionResult all_fail(cnn_status status, const std::string& needle) {
    ::testing::AssertionResult r = fails_with(training(), status, "cnn_batchnorm2d_forward_training: " + needle);
    if (!r) return r;
    r = fails_with(inference(), status, "cnn_batchnorm2d_forward_inference: " + needle);
    if (!r) return r;
    return fails_with(backward(), status, "cnn_batchnorm2d_backward: " + needle);
  }
};

const std::string kTrain = "cnn_batchnorm2d_forward_training: ";
const std::string kInfer = "cnn_batchnorm2d_forward_inference: ";
const std::string kBack = "cnn_batchnorm2d_backward: ";

TEST_F(BatchNorm2dArgsTest, ValidCallsSucceed) {
  ASSERT_EQ(training(), CNN_OK) << cnn_last_error_message();
  ASSERT_EQ(inference(), CNN_OK) << cnn_last_error_message();
  ASSERT_EQ(backward(), CNN_OK) << cnn_last_error_message();
  EXPECT_EQ(cnn_batchnorm2d_backward(ctx.get(), x.get(), gamma.get(), sm.get(), si.get(), dy.get(), dx.get(), nullptr,
                                     nullptr),
            CNN_OK)
      << cnn_last_error_message();
}

TEST_F(BatchNorm2dArgsTest, NullArgumentsAreRejected) {
  auto* c = ctx.get();
  EXPECT_TRUE(fails_with(cnn_batchnorm2d_forward_training(nullptr, x.get(), gamma.get(), beta.get(), momentum, epsilon,
                                                          rm.get(), rv.get(), sm.get(), si.get(), y.get()),
                         CNN_INVALID_ARGUMENT, kTrain + "context is null"));
  EXPECT_TRUE(fails_with(cnn_batchnorm2d_forward_inference(nullptr, x.get(), gamma.get(), beta.get(), rm.get(),
                                                           rv.get(), epsilon, y.get()),
                         CNN_INVALID_ARGUMENT, kInfer + "context is null"));
  EXPECT_TRUE(fails_with(cnn_batchnorm2d_backward(nullptr, x.get(), gamma.get(), sm.get(), si.get(), dy.get(), dx.get(),
                                                  dg.get(), db.get()),
                         CNN_INVALID_ARGUMENT, kBack + "context is null"));
  x.reset();
  EXPECT_TRUE(all_fail(CNN_INVALID_ARGUMENT, "x is null"));
  x = make_tensor(c, {2, 3, 4, 4});
  gamma.reset();
  EXPECT_TRUE(all_fail(CNN_INVALID_ARGUMENT, "gamma is null"));
  gamma = make_tensor(c, {3});
  beta.reset();
  EXPECT_TRUE(fails_with(training(), CNN_INVALID_ARGUMENT, kTrain + "beta is null"));
  EXPECT_TRUE(fails_with(inference(), CNN_INVALID_ARGUMENT, kInfer + "beta is null"));
  beta = make_tensor(c, {3});
  rm.reset();
  EXPECT_TRUE(fails_with(training(), CNN_INVALID_ARGUMENT, kTrain + "running_mean is null"));
  EXPECT_TRUE(fails_with(inference(), CNN_INVALID_ARGUMENT, kInfer + "running_mean is null"));
  rm = make_tensor(c, {3});
  rv.reset();
  EXPECT_TRUE(fails_with(training(), CNN_INVALID_ARGUMENT, kTrain + "running_var is null"));
  EXPECT_TRUE(fails_with(inference(), CNN_INVALID_ARGUMENT, kInfer + "running_var is null"));
  rv = make_tensor(c, {3});
  sm.reset();
  EXPECT_TRUE(fails_with(training(), CNN_INVALID_ARGUMENT, kTrain + "saved_mean is null"));
  EXPECT_TRUE(fails_with(backward(), CNN_INVALID_ARGUMENT, kBack + "saved_mean is null"));
  sm = make_tensor(c, {3});
  si.reset();
  EXPECT_TRUE(fails_with(training(), CNN_INVALID_ARGUMENT, kTrain + "saved_inv_std is null"));
  EXPECT_TRUE(fails_with(backward(), CNN_INVALID_ARGUMENT, kBack + "saved_inv_std is null"));
  si = make_tensor(c, {3});
  y.reset();
  EXPECT_TRUE(fails_with(training(), CNN_INVALID_ARGUMENT, kTrain + "y is null"));
  EXPECT_TRUE(fails_with(inference(), CNN_INVALID_ARGUMENT, kInfer + "y is null"));
  dy.reset();
  EXPECT_TRUE(fails_with(backward(), CNN_INVALID_ARGUMENT, kBack + "dy is null"));
  dy = make_tensor(c, {2, 3, 4, 4});
  dx.reset();
  EXPECT_TRUE(fails_with(backward(), CNN_INVALID_ARGUMENT, kBack + "dx is null"));
}

TEST_F(BatchNorm2dArgsTest, XMustHaveRankFour) {
  x = make_tensor(ctx.get(), {2, 3, 16});
  EXPECT_TRUE(all_fail(CNN_SHAPE_MISMATCH, "x is [2,3,16] (rank 3) but must have rank 4"));
}

TEST_F(BatchNorm2dArgsTest, PerChannelTensorsMustBeC) {
  const std::string tail = " but x is [2,3,4,4]: ";
  gamma = make_tensor(ctx.get(), {4});
  EXPECT_TRUE(all_fail(CNN_SHAPE_MISMATCH, "gamma is [4]" + tail + "gamma must be [3] (one value per channel)"));
  gamma = make_tensor(ctx.get(), {3, 1});  // the right count in the wrong rank
  EXPECT_TRUE(all_fail(CNN_SHAPE_MISMATCH, "gamma is [3,1]" + tail + "gamma must be [3]"));
  gamma = make_tensor(ctx.get(), {3});
  beta = make_tensor(ctx.get(), {2});
  EXPECT_TRUE(fails_with(training(), CNN_SHAPE_MISMATCH, kTrain + "beta is [2]" + tail + "beta must be [3]"));
  EXPECT_TRUE(fails_with(inference(), CNN_SHAPE_MISMATCH, kInfer + "beta is [2]" + tail + "beta must be [3]"));
  beta = make_tensor(ctx.get(), {3});
  rm = make_tensor(ctx.get(), {1});
  EXPECT_TRUE(fails_with(training(), CNN_SHAPE_MISMATCH, kTrain + "running_mean is [1]" + tail));
  EXPECT_TRUE(fails_with(inference(), CNN_SHAPE_MISMATCH, kInfer + "running_mean is [1]" + tail));
  rm = make_tensor(ctx.get(), {3});
  rv = make_tensor(ctx.get(), {6});
  EXPECT_TRUE(fails_with(training(), CNN_SHAPE_MISMATCH, kTrain + "running_var is [6]" + tail));
  EXPECT_TRUE(fails_with(inference(), CNN_SHAPE_MISMATCH, kInfer + "running_var is [6]" + tail));
  rv = make_tensor(ctx.get(), {3});
  sm = make_tensor(ctx.get(), {1, 3});
  EXPECT_TRUE(fails_with(training(), CNN_SHAPE_MISMATCH, kTrain + "saved_mean is [1,3]" + tail));
  EXPECT_TRUE(fails_with(backward(), CNN_SHAPE_MISMATCH, kBack + "saved_mean is [1,3]" + tail));
  sm = make_tensor(ctx.get(), {3});
  si = make_tensor(ctx.get(), {2});
  EXPECT_TRUE(fails_with(training(), CNN_SHAPE_MISMATCH, kTrain + "saved_inv_std is [2]" + tail));
  EXPECT_TRUE(fails_with(backward(), CNN_SHAPE_MISMATCH, kBack + "saved_inv_std is [2]" + tail));
  si = make_tensor(ctx.get(), {3});
  dg = make_tensor(ctx.get(), {4});
  EXPECT_TRUE(fails_with(backward(), CNN_SHAPE_MISMATCH, kBack + "dgamma is [4]" + tail + "dgamma must be [3]"));
  dg = make_tensor(ctx.get(), {3});
  db = make_tensor(ctx.get(), {3, 3});
  EXPECT_TRUE(fails_with(backward(), CNN_SHAPE_MISMATCH, kBack + "dbeta is [3,3]" + tail + "dbeta must be [3]"));
}

TEST_F(BatchNorm2dArgsTest, ImageTensorsMustHaveTheShapeOfX) {
  const std::string tail = " but x is [2,3,4,4]: ";
  y = make_tensor(ctx.get(), {2, 3, 4, 5});
  EXPECT_TRUE(fails_with(training(), CNN_SHAPE_MISMATCH, kTrain + "y is [2,3,4,5]" + tail + "y must have the shape"));
  EXPECT_TRUE(fails_with(inference(), CNN_SHAPE_MISMATCH, kInfer + "y is [2,3,4,5]" + tail));
  y = make_tensor(ctx.get(), {2, 3, 16});  // same count, other shape
  EXPECT_TRUE(fails_with(training(), CNN_SHAPE_MISMATCH, kTrain + "y is [2,3,16]" + tail));
  dy = make_tensor(ctx.get(), {1, 3, 4, 4});
  EXPECT_TRUE(fails_with(backward(), CNN_SHAPE_MISMATCH, kBack + "dy is [1,3,4,4]" + tail + "dy must have the shape"));
  dy = make_tensor(ctx.get(), {2, 3, 4, 4});
  dx = make_tensor(ctx.get(), {2, 3, 4, 4, 1});
  EXPECT_TRUE(fails_with(backward(), CNN_SHAPE_MISMATCH, kBack + "dx is [2,3,4,4,1]" + tail + "dx must have"));
}

TEST_F(BatchNorm2dArgsTest, MomentumMustBeInTheUnitInterval) {
  for (float bad : {-0.1f, 1.5f, kNaN, kInf}) {
    momentum = bad;
    EXPECT_TRUE(fails_with(training(), CNN_INVALID_ARGUMENT, kTrain + "momentum is ")) << bad;
    EXPECT_TRUE(fails_with(training(), CNN_INVALID_ARGUMENT, "but must be in [0, 1]")) << bad;
  }
  momentum = 1.5f;
  EXPECT_TRUE(fails_with(training(), CNN_INVALID_ARGUMENT, kTrain + "momentum is 1.5 but must be in [0, 1]"));
  momentum = 0.0f;
  EXPECT_EQ(training(), CNN_OK) << cnn_last_error_message();
  momentum = 1.0f;
  EXPECT_EQ(training(), CNN_OK) << cnn_last_error_message();
}

TEST_F(BatchNorm2dArgsTest, EpsilonMustBePositiveAndFinite) {
  for (float bad : {0.0f, -1e-5f, kNaN, kInf}) {
    epsilon = bad;
    EXPECT_TRUE(fails_with(training(), CNN_INVALID_ARGUMENT, kTrain + "epsilon is ")) << bad;
    EXPECT_TRUE(fails_with(inference(), CNN_INVALID_ARGUMENT, "but must be finite and > 0")) << bad;
  }
  epsilon = 0.0f;
  EXPECT_TRUE(fails_with(inference(), CNN_INVALID_ARGUMENT, kInfer + "epsilon is 0 but must be finite and > 0"));
  epsilon = kInf;
  EXPECT_TRUE(fails_with(training(), CNN_INVALID_ARGUMENT, kTrain + "epsilon is inf but must be finite and > 0"));
}

TEST_F(BatchNorm2dArgsTest, OutputsMustNotAlias) {
  TensorPtr keep_y = std::move(y);
  y = view(x.get(), {2, 3, 4, 4});
  EXPECT_TRUE(fails_with(training(), CNN_INVALID_ARGUMENT,
                         kTrain + "y [2,3,4,4] shares its storage with x [2,3,4,4]; the output must be a separate"));
  EXPECT_TRUE(fails_with(inference(), CNN_INVALID_ARGUMENT, kInfer + "y [2,3,4,4] shares its storage with x"));
  y = std::move(keep_y);
  TensorPtr keep_rv = std::move(rv);
  rv = view(rm.get(), {3});
  EXPECT_TRUE(fails_with(training(), CNN_INVALID_ARGUMENT,
                         kTrain + "running_mean [3] shares its storage with running_var [3]"));
  rv = std::move(keep_rv);
  TensorPtr keep_sm = std::move(sm);
  sm = view(gamma.get(), {3});
  EXPECT_TRUE(
      fails_with(training(), CNN_INVALID_ARGUMENT, kTrain + "saved_mean [3] shares its storage with gamma [3]"));
  sm = std::move(keep_sm);
  TensorPtr keep_si = std::move(si);
  si = view(sm.get(), {3});
  EXPECT_TRUE(fails_with(training(), CNN_INVALID_ARGUMENT,
                         kTrain + "saved_mean [3] shares its storage with saved_inv_std [3]"));
  si = std::move(keep_si);
  ASSERT_EQ(training(), CNN_OK) << cnn_last_error_message();

  TensorPtr keep_dx = std::move(dx);
  dx = view(dy.get(), {2, 3, 4, 4});
  EXPECT_TRUE(
      fails_with(backward(), CNN_INVALID_ARGUMENT, kBack + "dx [2,3,4,4] shares its storage with dy [2,3,4,4]"));
  dx = view(x.get(), {2, 3, 4, 4});
  EXPECT_TRUE(fails_with(backward(), CNN_INVALID_ARGUMENT, kBack + "dx [2,3,4,4] shares its storage with x [2,3,4,4]"));
  dx = std::move(keep_dx);
  TensorPtr keep_db = std::move(db);
  db = view(dg.get(), {3});
  EXPECT_TRUE(fails_with(backward(), CNN_INVALID_ARGUMENT, kBack + "dgamma [3] shares its storage with dbeta [3]"));
  db = view(si.get(), {3});
  EXPECT_TRUE(fails_with(backward(), CNN_INVALID_ARGUMENT, kBack + "dbeta [3] shares its storage with saved_inv_std"));
  db = std::move(keep_db);
  dg = view(gamma.get(), {3});
  EXPECT_TRUE(fails_with(backward(), CNN_INVALID_ARGUMENT, kBack + "dgamma [3] shares its storage with gamma [3]"));
}

TEST_F(BatchNorm2dArgsTest, TensorsMustBeOnTheContextsDevice) {
  x->storage->device = static_cast<cnn::DeviceType>(1);
  EXPECT_TRUE(all_fail(CNN_INVALID_ARGUMENT, "x [2,3,4,4] is on device 1 but the context is on device 0"));
  x->storage->device = cnn::DeviceType::Cpu;
  rv->storage->device = static_cast<cnn::DeviceType>(1);
  EXPECT_TRUE(fails_with(training(), CNN_INVALID_ARGUMENT, kTrain + "running_var [3] is on device 1"));
  EXPECT_TRUE(fails_with(inference(), CNN_INVALID_ARGUMENT, kInfer + "running_var [3] is on device 1"));
  rv->storage->device = cnn::DeviceType::Cpu;
  db->storage->device = static_cast<cnn::DeviceType>(1);
  EXPECT_TRUE(fails_with(backward(), CNN_INVALID_ARGUMENT, kBack + "dbeta [3] is on device 1"));
  db->storage->device = cnn::DeviceType::Cpu;
  EXPECT_EQ(backward(), CNN_OK) << cnn_last_error_message();
}

}  // namespace
