// A short training run on OpenCL beside the CPU: conv -> ReLU -> max-pool -> dropout -> dense -> softmax
// cross-entropy, trained by SGD from the same weights on the same batch through the same C ABI calls on both
// devices. The losses must agree step by step (relative 1e-4: float sums in other orders, amplified a little by
// each step) and fall; the trained weights must agree too.
#include <cnn/cnn.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "test_opencl_util.h"
#include "test_util.h"

namespace {

using namespace cnn_test;

constexpr int64_t kBatch = 8, kChannels = 4, kSize = 9, kPooled = 4, kClasses = 3;
constexpr int64_t kFeatures = kChannels * kPooled * kPooled;

struct InitialState {
  std::vector<float> x, conv_w, conv_b, dense_w, dense_b;
  std::vector<int32_t> labels;
};

InitialState make_state() {
  std::mt19937 rng(97);
  InitialState s;
  s.x = random_vector(kBatch * kSize * kSize, rng);
  s.conv_w = random_vector(kChannels * 9, rng, -0.5f, 0.5f);
  s.conv_b = random_vector(kChannels, rng, -0.1f, 0.1f);
  s.dense_w = random_vector(kClasses * kFeatures, rng, -0.2f, 0.2f);
  s.dense_b = std::vector<float>(kClasses, 0.0f);
  std::uniform_int_distribution<int32_t> label(0, kClasses - 1);
  for (int64_t i = 0; i < kBatch; ++i) s.labels.push_back(label(rng));
  return s;
}

// The network's tensors on one context; step() runs forward, backward and the SGD update.
class Network {
 public:
  Network(cnn_context* ctx, const InitialState& s) : ctx_(ctx), labels_(s.labels) {
    x_ = make_tensor(ctx, {kBatch, 1, kSize, kSize}, s.x);
    conv_w_ = make_tensor(ctx, {kChannels, 1, 3, 3}, s.conv_w);
    conv_b_ = make_tensor(ctx, {kChannels}, s.conv_b);
    dense_w_ = make_tensor(ctx, {kClasses, kFeatures}, s.dense_w);
    dense_b_ = make_tensor(ctx, {kClasses}, s.dense_b);
    conv_y_ = make_tensor(ctx, {kBatch, kChannels, kSize, kSize});
    relu_y_ = make_tensor(ctx, {kBatch, kChannels, kSize, kSize});
    pool_y_ = make_tensor(ctx, {kBatch, kChannels, kPooled, kPooled});
    drop_y_ = make_tensor(ctx, {kBatch, kChannels, kPooled, kPooled});
    logits_ = make_tensor(ctx, {kBatch, kClasses});
    dlogits_ = make_tensor(ctx, {kBatch, kClasses});
    d_features_ = make_tensor(ctx, {kBatch, kFeatures});
    d_pool_ = make_tensor(ctx, {kBatch, kChannels, kPooled, kPooled});
    d_relu_ = make_tensor(ctx, {kBatch, kChannels, kSize, kSize});
    d_conv_ = make_tensor(ctx, {kBatch, kChannels, kSize, kSize});
    g_conv_w_ = make_tensor(ctx, {kChannels, 1, 3, 3});
    g_conv_b_ = make_tensor(ctx, {kChannels});
    g_dense_w_ = make_tensor(ctx, {kClasses, kFeatures});
    g_dense_b_ = make_tensor(ctx, {kClasses});
    const int64_t flat[] = {kBatch, kFeatures}, image[] = {kBatch, kChannels, kPooled, kPooled};
    cnn_tensor* view = nullptr;
    EXPECT_EQ(cnn_tensor_reshape(drop_y_.get(), flat, 2, &view), CNN_OK);
    features_.reset(view);
    EXPECT_EQ(cnn_tensor_reshape(d_features_.get(), image, 4, &view), CNN_OK);
    d_drop_.reset(view);
  }

  float step(uint64_t seed) {
    const cnn_conv2d_params conv{1, 1, 1, 1, 1, 1, 1, 1};
    const cnn_pool2d_params pool{2, 2, 2, 2, 0, 0, 0, 0, 0};
    const cnn_sgd_params sgd{0.2f, 0.0f, 0.0f, 0};
    const float rate = 0.25f;
    float loss = 0;
    int64_t correct = 0;
    cnn_context* c = ctx_;
    EXPECT_EQ(cnn_conv2d_forward(c, x_.get(), conv_w_.get(), conv_b_.get(), &conv, conv_y_.get()), CNN_OK);
    EXPECT_EQ(cnn_activation_forward(c, CNN_ACTIVATION_RELU, 0, conv_y_.get(), relu_y_.get()), CNN_OK);
    EXPECT_EQ(cnn_maxpool2d_forward(c, relu_y_.get(), &pool, pool_y_.get()), CNN_OK);
    EXPECT_EQ(cnn_dropout_forward(c, pool_y_.get(), rate, seed, drop_y_.get()), CNN_OK);
    EXPECT_EQ(cnn_dense_forward(c, features_.get(), dense_w_.get(), dense_b_.get(), logits_.get()), CNN_OK);
    EXPECT_EQ(cnn_softmax_cross_entropy(c, logits_.get(), labels_.data(), labels_.size(), 0.0f, dlogits_.get(), &loss,
                                        &correct),
              CNN_OK);
    EXPECT_EQ(cnn_dense_backward(c, features_.get(), dense_w_.get(), dlogits_.get(), d_features_.get(),
                                 g_dense_w_.get(), g_dense_b_.get()),
              CNN_OK);
    EXPECT_EQ(cnn_dropout_backward(c, d_drop_.get(), rate, seed, d_pool_.get()), CNN_OK);
    EXPECT_EQ(cnn_maxpool2d_backward(c, relu_y_.get(), d_pool_.get(), &pool, d_relu_.get()), CNN_OK);
    EXPECT_EQ(cnn_activation_backward(c, CNN_ACTIVATION_RELU, 0, conv_y_.get(), d_relu_.get(), d_conv_.get()), CNN_OK);
    EXPECT_EQ(cnn_conv2d_backward(c, x_.get(), conv_w_.get(), d_conv_.get(), &conv, nullptr, g_conv_w_.get(),
                                  g_conv_b_.get()),
              CNN_OK);
    EXPECT_EQ(cnn_sgd_update(c, &sgd, conv_w_.get(), g_conv_w_.get(), nullptr), CNN_OK);
    EXPECT_EQ(cnn_sgd_update(c, &sgd, conv_b_.get(), g_conv_b_.get(), nullptr), CNN_OK);
    EXPECT_EQ(cnn_sgd_update(c, &sgd, dense_w_.get(), g_dense_w_.get(), nullptr), CNN_OK);
    EXPECT_EQ(cnn_sgd_update(c, &sgd, dense_b_.get(), g_dense_b_.get(), nullptr), CNN_OK) << cnn_last_error_message();
    return loss;
  }

  std::vector<float> conv_weights() const { return read_tensor(conv_w_.get()); }
  std::vector<float> dense_weights() const { return read_tensor(dense_w_.get()); }

 private:
  cnn_context* ctx_;
  std::vector<int32_t> labels_;
  TensorPtr x_, conv_w_, conv_b_, dense_w_, dense_b_, conv_y_, relu_y_, pool_y_, drop_y_, features_, logits_, dlogits_;
  TensorPtr d_features_, d_drop_, d_pool_, d_relu_, d_conv_, g_conv_w_, g_conv_b_, g_dense_w_, g_dense_b_;
};

TEST(OpenCLTraining, SgdStepsTrackTheCpuAndTheLossFalls) {
  ContextPtr cpu = make_context(), ocl = make_opencl_context();
  const InitialState state = make_state();
  Network on_cpu(cpu.get(), state), on_device(ocl.get(), state);
  std::vector<float> cpu_losses, device_losses;
  for (uint64_t step = 0; step < 8; ++step) {
    cpu_losses.push_back(on_cpu.step(1000 + step));
    device_losses.push_back(on_device.step(1000 + step));
    EXPECT_NEAR(device_losses.back(), cpu_losses.back(), 1e-4f * (1.0f + cpu_losses.back())) << "step " << step;
  }
  std::cout << "[ losses   ] CPU " << cpu_losses.front() << " -> " << cpu_losses.back() << ", OpenCL "
            << device_losses.front() << " -> " << device_losses.back() << "\n";
  EXPECT_LT(device_losses.back(), 0.8f * device_losses.front()) << "the loss on OpenCL did not fall";
  EXPECT_TRUE(all_close(on_device.conv_weights(), on_cpu.conv_weights(), "trained conv weights", 1e-4f));
  EXPECT_TRUE(all_close(on_device.dense_weights(), on_cpu.dense_weights(), "trained dense weights", 1e-4f));
}

}  // namespace
