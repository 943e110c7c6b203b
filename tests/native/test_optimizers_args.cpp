// Optimizer argument checks through the C ABI: every bad-argument path of cnn_sgd_update and cnn_adam_update,
// asserting the status and the message text.
#include <cnn/cnn.h>
#include <gtest/gtest.h>

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

TensorPtr view(cnn_tensor* t, std::vector<int64_t> shape) {
  cnn_tensor* v = nullptr;
  EXPECT_EQ(cnn_tensor_reshape(t, shape.data(), shape.size(), &v), CNN_OK) << cnn_last_error_message();
  return TensorPtr(v);
}

class OptimizerArgsTest : public ::testing::Test {
 protected:
  ContextPtr ctx = make_context();
  TensorPtr param = make_tensor(ctx.get(), {4, 3});
  TensorPtr grad = make_tensor(ctx.get(), {4, 3});
  TensorPtr velocity = make_tensor(ctx.get(), {4, 3});
  TensorPtr m = make_tensor(ctx.get(), {4, 3});
  TensorPtr v = make_tensor(ctx.get(), {4, 3});
  cnn_sgd_params sp{0.1f, 0.9f, 0.0f, 0};
  cnn_adam_params ap{1, 0.001f, 0.9f, 0.999f, 1e-8f, 0.0f, 0};
  const std::string kSgd = "cnn_sgd_update: ";
  const std::string kAdam = "cnn_adam_update: ";

  cnn_status sgd() { return cnn_sgd_update(ctx.get(), &sp, param.get(), grad.get(), velocity.get()); }
  cnn_status adam() { return cnn_adam_update(ctx.get(), &ap, param.get(), grad.get(), m.get(), v.get()); }
};

TEST_F(OptimizerArgsTest, ValidCallsSucceed) {
  EXPECT_EQ(sgd(), CNN_OK) << cnn_last_error_message();
  EXPECT_EQ(adam(), CNN_OK) << cnn_last_error_message();
  sp.momentum = 0.0f;  // no momentum: the velocity may be left out
  EXPECT_EQ(cnn_sgd_update(ctx.get(), &sp, param.get(), grad.get(), nullptr), CNN_OK) << cnn_last_error_message();
}

TEST_F(OptimizerArgsTest, NullArgumentsAreRejected) {
  EXPECT_TRUE(fails_with(cnn_sgd_update(nullptr, &sp, param.get(), grad.get(), velocity.get()), CNN_INVALID_ARGUMENT,
                         kSgd + "context is null"));
  EXPECT_TRUE(fails_with(cnn_sgd_update(ctx.get(), nullptr, param.get(), grad.get(), velocity.get()),
                         CNN_INVALID_ARGUMENT, kSgd + "params is null"));
  EXPECT_TRUE(fails_with(cnn_sgd_update(ctx.get(), &sp, nullptr, grad.get(), velocity.get()), CNN_INVALID_ARGUMENT,
                         kSgd + "param is null"));
  EXPECT_TRUE(fails_with(cnn_sgd_update(ctx.get(), &sp, param.get(), nullptr, velocity.get()), CNN_INVALID_ARGUMENT,
                         kSgd + "grad is null"));
  EXPECT_TRUE(fails_with(cnn_sgd_update(ctx.get(), &sp, param.get(), grad.get(), nullptr), CNN_INVALID_ARGUMENT,
                         kSgd + "velocity is null but params->momentum is 0.9; momentum needs a velocity tensor"));
  EXPECT_TRUE(fails_with(cnn_adam_update(nullptr, &ap, param.get(), grad.get(), m.get(), v.get()), CNN_INVALID_ARGUMENT,
                         kAdam + "context is null"));
  EXPECT_TRUE(fails_with(cnn_adam_update(ctx.get(), nullptr, param.get(), grad.get(), m.get(), v.get()),
                         CNN_INVALID_ARGUMENT, kAdam + "params is null"));
  EXPECT_TRUE(fails_with(cnn_adam_update(ctx.get(), &ap, nullptr, grad.get(), m.get(), v.get()), CNN_INVALID_ARGUMENT,
                         kAdam + "param is null"));
  EXPECT_TRUE(fails_with(cnn_adam_update(ctx.get(), &ap, param.get(), nullptr, m.get(), v.get()), CNN_INVALID_ARGUMENT,
                         kAdam + "grad is null"));
  EXPECT_TRUE(fails_with(cnn_adam_update(ctx.get(), &ap, param.get(), grad.get(), nullptr, v.get()),
                         CNN_INVALID_ARGUMENT, kAdam + "m is null"));
  EXPECT_TRUE(fails_with(cnn_adam_update(ctx.get(), &ap, param.get(), grad.get(), m.get(), nullptr),
                         CNN_INVALID_ARGUMENT, kAdam + "v is null"));
}

TEST_F(OptimizerArgsTest, StateMustHaveParamsShape) {
  grad = make_tensor(ctx.get(), {3, 4});  // same count, other shape: refused
  EXPECT_TRUE(fails_with(sgd(), CNN_SHAPE_MISMATCH, kSgd + "grad [3,4] does not match param [4,3]; it must have"));
  EXPECT_TRUE(fails_with(adam(), CNN_SHAPE_MISMATCH, kAdam + "grad [3,4] does not match param [4,3]"));
  grad = make_tensor(ctx.get(), {12});
  EXPECT_TRUE(fails_with(sgd(), CNN_SHAPE_MISMATCH, kSgd + "grad [12] does not match param [4,3]"));
  grad = make_tensor(ctx.get(), {4, 3});
  velocity = make_tensor(ctx.get(), {4, 4});
  EXPECT_TRUE(fails_with(sgd(), CNN_SHAPE_MISMATCH, kSgd + "velocity [4,4] does not match param [4,3]"));
  m = make_tensor(ctx.get(), {4, 3, 1});
  EXPECT_TRUE(fails_with(adam(), CNN_SHAPE_MISMATCH, kAdam + "m [4,3,1] does not match param [4,3]"));
  m = make_tensor(ctx.get(), {4, 3});
  v = make_tensor(ctx.get(), {2});
  EXPECT_TRUE(fails_with(adam(), CNN_SHAPE_MISMATCH, kAdam + "v [2] does not match param [4,3]"));
}

TEST_F(OptimizerArgsTest, SgdHyperParametersAreChecked) {
  for (float bad : {-0.1f, kNaN, kInf}) {
    sp.learning_rate = bad;
    EXPECT_TRUE(fails_with(sgd(), CNN_INVALID_ARGUMENT, kSgd + "params->learning_rate is ")) << bad;
    EXPECT_TRUE(fails_with(sgd(), CNN_INVALID_ARGUMENT, "but must be finite and >= 0")) << bad;
  }
  sp.learning_rate = -0.5f;
  EXPECT_TRUE(fails_with(sgd(), CNN_INVALID_ARGUMENT, kSgd + "params->learning_rate is -0.5 but must be finite"));
  sp.learning_rate = 0.1f;
  for (float bad : {-0.1f, 1.0f, 1.5f, kNaN}) {
    sp.momentum = bad;
    EXPECT_TRUE(fails_with(sgd(), CNN_INVALID_ARGUMENT, kSgd + "params->momentum is ")) << bad;
    EXPECT_TRUE(fails_with(sgd(), CNN_INVALID_ARGUMENT, "but must be in [0, 1)")) << bad;
  }
  sp.momentum = 1.0f;
  EXPECT_TRUE(fails_with(sgd(), CNN_INVALID_ARGUMENT, kSgd + "params->momentum is 1 but must be in [0, 1)"));
  sp.momentum = 0.9f;
  for (float bad : {-1e-4f, kInf, kNaN}) {
    sp.weight_decay = bad;
    EXPECT_TRUE(fails_with(sgd(), CNN_INVALID_ARGUMENT, kSgd + "params->weight_decay is ")) << bad;
  }
  sp.weight_decay = kInf;
  EXPECT_TRUE(
      fails_with(sgd(), CNN_INVALID_ARGUMENT, kSgd + "params->weight_decay is inf but must be finite and >= 0"));
  sp.weight_decay = 0.0f;
  sp.nesterov = 2;
  EXPECT_TRUE(fails_with(sgd(), CNN_INVALID_ARGUMENT, kSgd + "params->nesterov is 2 but must be 0 or 1"));
  sp.nesterov = -1;
  EXPECT_TRUE(fails_with(sgd(), CNN_INVALID_ARGUMENT, kSgd + "params->nesterov is -1 but must be 0 or 1"));
  sp.nesterov = 1;
  sp.momentum = 0.0f;
  EXPECT_TRUE(fails_with(sgd(), CNN_INVALID_ARGUMENT,
                         kSgd + "params->nesterov is 1 but params->momentum is 0; Nesterov needs momentum > 0"));
  sp.momentum = 0.5f;
  EXPECT_EQ(sgd(), CNN_OK) << cnn_last_error_message();
}

TEST_F(OptimizerArgsTest, AdamHyperParametersAreChecked) {
  for (int64_t bad : {int64_t{0}, int64_t{-3}}) {
    ap.step = bad;
    EXPECT_TRUE(
        fails_with(adam(), CNN_INVALID_ARGUMENT,
                   kAdam + "params->step is " + std::to_string(bad) + " but must be >= 1 (steps count from 1)"));
  }
  ap.step = 1;
  ap.learning_rate = kNaN;
  EXPECT_TRUE(fails_with(adam(), CNN_INVALID_ARGUMENT, kAdam + "params->learning_rate is nan but must be finite"));
  ap.learning_rate = 0.001f;
  for (float bad : {-0.1f, 1.0f, kNaN}) {
    ap.beta1 = bad;
    EXPECT_TRUE(fails_with(adam(), CNN_INVALID_ARGUMENT, kAdam + "params->beta1 is ")) << bad;
    EXPECT_TRUE(fails_with(adam(), CNN_INVALID_ARGUMENT, "but must be in [0, 1)")) << bad;
  }
  ap.beta1 = 0.9f;
  ap.beta2 = 1.0f;
  EXPECT_TRUE(fails_with(adam(), CNN_INVALID_ARGUMENT, kAdam + "params->beta2 is 1 but must be in [0, 1)"));
  ap.beta2 = -0.5f;
  EXPECT_TRUE(fails_with(adam(), CNN_INVALID_ARGUMENT, kAdam + "params->beta2 is -0.5 but must be in [0, 1)"));
  ap.beta2 = 0.999f;
  for (float bad : {0.0f, -1e-8f, kInf, kNaN}) {
    ap.epsilon = bad;
    EXPECT_TRUE(fails_with(adam(), CNN_INVALID_ARGUMENT, kAdam + "params->epsilon is ")) << bad;
    EXPECT_TRUE(fails_with(adam(), CNN_INVALID_ARGUMENT, "but must be finite and > 0")) << bad;
  }
  ap.epsilon = 1e-8f;
  ap.weight_decay = -0.01f;
  EXPECT_TRUE(fails_with(adam(), CNN_INVALID_ARGUMENT, kAdam + "params->weight_decay is -0.01 but must be finite"));
  ap.weight_decay = 0.01f;
  ap.decoupled_weight_decay = 3;
  EXPECT_TRUE(
      fails_with(adam(), CNN_INVALID_ARGUMENT, kAdam + "params->decoupled_weight_decay is 3 but must be 0 or 1"));
  ap.decoupled_weight_decay = 1;
  ap.beta1 = 0.0f;  // the edges of the ranges are accepted
  ap.learning_rate = 0.0f;
  EXPECT_EQ(adam(), CNN_OK) << cnn_last_error_message();
}

TEST_F(OptimizerArgsTest, TensorsMustNotShareStorage) {
  TensorPtr keep = std::move(grad);
  grad = view(param.get(), {4, 3});
  EXPECT_TRUE(fails_with(sgd(), CNN_INVALID_ARGUMENT,
                         kSgd + "param [4,3] shares its storage with grad [4,3]; the output must be a separate"));
  EXPECT_TRUE(fails_with(adam(), CNN_INVALID_ARGUMENT, kAdam + "param [4,3] shares its storage with grad [4,3]"));
  grad = std::move(keep);
  velocity = view(grad.get(), {4, 3});
  EXPECT_TRUE(fails_with(sgd(), CNN_INVALID_ARGUMENT, kSgd + "velocity [4,3] shares its storage with grad [4,3]"));
  v = view(m.get(), {4, 3});
  EXPECT_TRUE(fails_with(adam(), CNN_INVALID_ARGUMENT, kAdam + "m [4,3] shares its storage with v [4,3]"));
  v = view(param.get(), {4, 3});
  EXPECT_TRUE(fails_with(adam(), CNN_INVALID_ARGUMENT, kAdam + "param [4,3] shares its storage with v [4,3]"));
}

TEST_F(OptimizerArgsTest, TensorsMustBeOnTheContextsDevice) {
  velocity->storage->device = static_cast<cnn::DeviceType>(1);
  EXPECT_TRUE(
      fails_with(sgd(), CNN_INVALID_ARGUMENT, kSgd + "velocity [4,3] is on device 1 but the context is on device 0"));
  velocity->storage->device = cnn::DeviceType::Cpu;
  m->storage->device = static_cast<cnn::DeviceType>(1);
  EXPECT_TRUE(fails_with(adam(), CNN_INVALID_ARGUMENT, kAdam + "m [4,3] is on device 1"));
  m->storage->device = cnn::DeviceType::Cpu;
  param->storage->device = static_cast<cnn::DeviceType>(1);
  EXPECT_TRUE(fails_with(sgd(), CNN_INVALID_ARGUMENT, kSgd + "param [4,3] is on device 1"));
  EXPECT_TRUE(fails_with(adam(), CNN_INVALID_ARGUMENT, kAdam + "param [4,3] is on device 1"));
  param->storage->device = cnn::DeviceType::Cpu;
}

}  // namespace
