// Element-wise and per-row ops on an OpenCL context against the CPU reference kernels: every activation forward
// and backward, softmax forward and backward, the fused softmax cross-entropy (with and without smoothing and
// dlogits), dropout (the mask must be the CPU's bit for bit), batch norm (training, inference, backward) and the
// SGD and Adam updates, on odd sizes. Tolerances, relative as |device - ref| <= tol * (1 + |ref|): 1e-5 for
// element-wise math, 1e-4 where a float sum over a channel replaces the reference's double one.
#include <cnn/cnn.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "kernels/kernels.h"
#include "test_opencl_util.h"
#include "test_util.h"

namespace {

using namespace cnn_test;

TEST(OpenCLActivation, EveryKindMatchesTheReferenceKernels) {
  ContextPtr cpu = make_context(), ocl = make_opencl_context();
  const cnn_activation kinds[] = {CNN_ACTIVATION_IDENTITY, CNN_ACTIVATION_RELU,    CNN_ACTIVATION_LEAKY_RELU,
                                  CNN_ACTIVATION_ELU,      CNN_ACTIVATION_SIGMOID, CNN_ACTIVATION_TANH};
  std::mt19937 rng(61);
  for (cnn_activation kind : kinds)
    for (int64_t count : {1, 7, 1001}) {
      const float alpha = kind == CNN_ACTIVATION_ELU ? 1.3f : 0.1f;
      const std::string what =
          "seed 61: activation " + std::to_string(static_cast<int>(kind)) + ", count " + std::to_string(count);
      // Wide range: sigmoid and tanh saturate, ELU reaches -alpha, and exact zeros test the kinks.
      std::vector<float> x = random_vector(static_cast<size_t>(count), rng, -30.0f, 30.0f);
      x[0] = 0.0f;
      std::vector<float> dy = random_vector(x.size(), rng), y(x.size()), dx(x.size());
      cnn::activation_forward_ref(*cpu, kind, alpha, count, x.data(), y.data());
      cnn::activation_backward_ref(*cpu, kind, alpha, count, x.data(), dy.data(), dx.data());
      TensorPtr xt = make_tensor(ocl.get(), {count}, x), dyt = make_tensor(ocl.get(), {count}, dy);
      TensorPtr yt = make_tensor(ocl.get(), {count}), dxt = make_tensor(ocl.get(), {count});
      ASSERT_EQ(cnn_activation_forward(ocl.get(), kind, alpha, xt.get(), yt.get()), CNN_OK) << cnn_last_error_message();
      ASSERT_EQ(cnn_activation_backward(ocl.get(), kind, alpha, xt.get(), dyt.get(), dxt.get()), CNN_OK)
          << cnn_last_error_message();
      EXPECT_TRUE(all_close(read_tensor(yt.get()), y, what + ": forward", 1e-5f));
      EXPECT_TRUE(all_close(read_tensor(dxt.get()), dx, what + ": backward", 1e-5f));
      // In place, as the ABI allows: y = f(y) and dx = f'(x) * dx.
      ASSERT_EQ(cnn_activation_forward(ocl.get(), kind, alpha, xt.get(), xt.get()), CNN_OK) << cnn_last_error_message();
      EXPECT_TRUE(all_close(read_tensor(xt.get()), y, what + ": forward in place", 1e-5f));
    }
}

TEST(OpenCLSoftmax, ForwardAndBackwardMatchTheReferenceKernels) {
  ContextPtr cpu = make_context(), ocl = make_opencl_context();
  const std::vector<std::vector<int64_t>> shapes = {{1, 1}, {3, 7}, {64, 10}, {2, 5, 3, 3}, {1, 13, 1, 7}};
  std::mt19937 rng(67);
  for (const auto& shape : shapes) {
    int64_t inner = 1;
    for (size_t i = 2; i < shape.size(); ++i) inner *= shape[i];
    const int64_t outer = shape[0], classes = shape[1];
    const std::string what = "seed 67: " + shape_text(shape);
    std::vector<float> x = random_vector(static_cast<size_t>(outer * classes * inner), rng, -20.0f, 20.0f);
    std::vector<float> dy = random_vector(x.size(), rng), y(x.size()), dx(x.size());
    cnn::softmax_forward_ref(*cpu, outer, classes, inner, x.data(), y.data());
    cnn::softmax_backward_ref(*cpu, outer, classes, inner, y.data(), dy.data(), dx.data());
    TensorPtr xt = make_tensor(ocl.get(), shape, x), yt = make_tensor(ocl.get(), shape);
    TensorPtr dyt = make_tensor(ocl.get(), shape, dy), dxt = make_tensor(ocl.get(), shape);
    ASSERT_EQ(cnn_softmax_forward(ocl.get(), xt.get(), yt.get()), CNN_OK) << cnn_last_error_message();
    EXPECT_TRUE(all_close(read_tensor(yt.get()), y, what + ": forward", 1e-5f));
    ASSERT_EQ(cnn_softmax_backward(ocl.get(), yt.get(), dyt.get(), dxt.get()), CNN_OK) << cnn_last_error_message();
    EXPECT_TRUE(all_close(read_tensor(dxt.get()), dx, what + ": backward", 1e-5f));
  }
}

TEST(OpenCLSoftmaxCrossEntropy, LossCorrectCountAndGradientMatchTheReference) {
  ContextPtr cpu = make_context(), ocl = make_opencl_context();
  const int64_t shapes[][2] = {{1, 1}, {1, 10}, {7, 3}, {64, 10}, {33, 127}};
  std::mt19937 rng(71);
  for (const auto& s : shapes)
    for (float smoothing : {0.0f, 0.1f}) {
      const int64_t n = s[0], classes = s[1];
      const std::string what = "seed 71: logits [" + std::to_string(n) + "," + std::to_string(classes) +
                               "] smoothing " + std::to_string(smoothing);
      std::vector<float> logits = random_vector(static_cast<size_t>(n * classes), rng, -8.0f, 8.0f);
      std::uniform_int_distribution<int32_t> label(0, static_cast<int32_t>(classes - 1));
      std::vector<int32_t> labels(static_cast<size_t>(n));
      for (int32_t& l : labels) l = label(rng);
      std::vector<float> dlogits(logits.size());
      float ref_loss = 0;
      int64_t ref_correct = 0;
      cnn::softmax_cross_entropy_ref(*cpu, n, classes, logits.data(), labels.data(), smoothing, dlogits.data(),
                                     &ref_loss, &ref_correct);
      TensorPtr lt = make_tensor(ocl.get(), {n, classes}, logits), dt = make_tensor(ocl.get(), {n, classes});
      float loss = -1;
      int64_t correct = -1;
      ASSERT_EQ(cnn_softmax_cross_entropy(ocl.get(), lt.get(), labels.data(), labels.size(), smoothing, dt.get(), &loss,
                                          &correct),
                CNN_OK)
          << what << ": " << cnn_last_error_message();
      EXPECT_NEAR(loss, ref_loss, 1e-5f * (1.0f + std::fabs(ref_loss))) << what;
      EXPECT_EQ(correct, ref_correct) << what;
      EXPECT_TRUE(all_close(read_tensor(dt.get()), dlogits, what + ": dlogits", 1e-5f));
      // Without dlogits: the same loss.
      float loss_only = -1;
      ASSERT_EQ(cnn_softmax_cross_entropy(ocl.get(), lt.get(), labels.data(), labels.size(), smoothing, nullptr,
                                          &loss_only, &correct),
                CNN_OK)
          << cnn_last_error_message();
      EXPECT_EQ(loss_only, loss) << what;
    }
}

TEST(OpenCLDropout, MaskIsTheCpusBitForBit) {
  ContextPtr cpu = make_context(), ocl = make_opencl_context();
  std::mt19937 rng(73);
  for (int64_t count : {1, 3, 4, 5, 1001, 70001})
    for (float rate : {0.0f, 0.5f, 0.9f})
      for (uint64_t seed : {uint64_t{0}, uint64_t{42}, uint64_t{0xDEADBEEF12345678}}) {
        const std::string what =
            "count " + std::to_string(count) + " rate " + std::to_string(rate) + " seed " + std::to_string(seed);
        std::vector<float> x = random_vector(static_cast<size_t>(count), rng), y(x.size());
        cnn::dropout_ref(*cpu, count, rate, seed, x.data(), y.data());
        TensorPtr xt = make_tensor(ocl.get(), {count}, x), yt = make_tensor(ocl.get(), {count});
        ASSERT_EQ(cnn_dropout_forward(ocl.get(), xt.get(), rate, seed, yt.get()), CNN_OK) << cnn_last_error_message();
        std::vector<float> got = read_tensor(yt.get());
        ASSERT_EQ(std::memcmp(got.data(), y.data(), y.size() * sizeof(float)), 0) << what << ": forward differs";
        // Backward in place (dx == dy), with the same seed: the same elements dropped, the same scale.
        ASSERT_EQ(cnn_dropout_backward(ocl.get(), xt.get(), rate, seed, xt.get()), CNN_OK) << cnn_last_error_message();
        got = read_tensor(xt.get());
        ASSERT_EQ(std::memcmp(got.data(), y.data(), y.size() * sizeof(float)), 0) << what << ": backward differs";
      }
  // The mask really is cnn::dropout_keep's: spot-check it element by element.
  std::vector<float> ones(1001, 1.0f);
  TensorPtr t = make_tensor(ocl.get(), {1001}, ones);
  ASSERT_EQ(cnn_dropout_forward(ocl.get(), t.get(), 0.3f, 7, t.get()), CNN_OK) << cnn_last_error_message();
  const std::vector<float> masked = read_tensor(t.get());
  for (uint64_t i = 0; i < masked.size(); ++i)
    ASSERT_EQ(masked[i] != 0.0f, cnn::dropout_keep(7, i, 0.3f)) << "element " << i;
}

TEST(OpenCLBatchNorm2d, TrainingInferenceAndBackwardMatchTheReference) {
  ContextPtr cpu = make_context(), ocl = make_opencl_context();
  const int64_t shapes[][4] = {{1, 1, 1, 1}, {2, 3, 5, 7}, {7, 1, 3, 3}, {4, 17, 2, 2}, {8, 4, 14, 14}};
  std::mt19937 rng(79);
  for (const auto& sh : shapes) {
    const std::vector<int64_t> x_shape{sh[0], sh[1], sh[2], sh[3]};
    const cnn::BatchNormShape s{sh[0], sh[1], sh[2] * sh[3]};
    const size_t count = static_cast<size_t>(s.n * s.c * s.plane), c = static_cast<size_t>(s.c);
    const std::string what = "seed 79: x " + shape_text(x_shape);
    // An offset mean, so that the two-pass variance matters.
    std::vector<float> x = random_vector(count, rng, 2.0f, 5.0f), dy = random_vector(count, rng);
    std::vector<float> gamma = random_vector(c, rng, 0.5f, 1.5f), beta = random_vector(c, rng);
    std::vector<float> rm = random_vector(c, rng), rv = random_vector(c, rng, 0.5f, 2.0f);
    std::vector<float> y(count), sm(c), si(c), dx(count), dg(c), db(c), yi(count);
    std::vector<float> rm_ref = rm, rv_ref = rv;
    const float momentum = 0.1f, epsilon = 1e-5f;
    cnn::batchnorm2d_forward_training_ref(*cpu, s, x.data(), gamma.data(), beta.data(), momentum, epsilon,
                                          rm_ref.data(), rv_ref.data(), sm.data(), si.data(), y.data());
    cnn::batchnorm2d_backward_ref(*cpu, s, x.data(), gamma.data(), sm.data(), si.data(), dy.data(), dx.data(),
                                  dg.data(), db.data());
    cnn::batchnorm2d_forward_inference_ref(*cpu, s, x.data(), gamma.data(), beta.data(), rm.data(), rv.data(), epsilon,
                                           yi.data());

    const std::vector<int64_t> per_channel{s.c};
    TensorPtr xt = make_tensor(ocl.get(), x_shape, x), dyt = make_tensor(ocl.get(), x_shape, dy);
    TensorPtr gt = make_tensor(ocl.get(), per_channel, gamma), bt = make_tensor(ocl.get(), per_channel, beta);
    TensorPtr rmt = make_tensor(ocl.get(), per_channel, rm), rvt = make_tensor(ocl.get(), per_channel, rv);
    TensorPtr smt = make_tensor(ocl.get(), per_channel), sit = make_tensor(ocl.get(), per_channel);
    TensorPtr yt = make_tensor(ocl.get(), x_shape), dxt = make_tensor(ocl.get(), x_shape);
    TensorPtr dgt = make_tensor(ocl.get(), per_channel), dbt = make_tensor(ocl.get(), per_channel);

    ASSERT_EQ(cnn_batchnorm2d_forward_inference(ocl.get(), xt.get(), gt.get(), bt.get(), rmt.get(), rvt.get(), epsilon,
                                                yt.get()),
              CNN_OK)
        << cnn_last_error_message();
    EXPECT_TRUE(all_close(read_tensor(yt.get()), yi, what + ": inference y", 1e-5f));

    ASSERT_EQ(cnn_batchnorm2d_forward_training(ocl.get(), xt.get(), gt.get(), bt.get(), momentum, epsilon, rmt.get(),
                                               rvt.get(), smt.get(), sit.get(), yt.get()),
              CNN_OK)
        << cnn_last_error_message();
    EXPECT_TRUE(all_close(read_tensor(yt.get()), y, what + ": training y", 1e-4f));
    EXPECT_TRUE(all_close(read_tensor(rmt.get()), rm_ref, what + ": running mean", 1e-5f));
    EXPECT_TRUE(all_close(read_tensor(rvt.get()), rv_ref, what + ": running var", 1e-4f));
    EXPECT_TRUE(all_close(read_tensor(smt.get()), sm, what + ": saved mean", 1e-5f));
    // 1/sqrt(epsilon) = 316 for the one-element channel: relative 1e-5 of it.
    EXPECT_TRUE(all_close(read_tensor(sit.get()), si, what + ": saved inv std", 1e-4f));

    ASSERT_EQ(cnn_batchnorm2d_backward(ocl.get(), xt.get(), gt.get(), smt.get(), sit.get(), dyt.get(), dxt.get(),
                                       dgt.get(), dbt.get()),
              CNN_OK)
        << cnn_last_error_message();
    EXPECT_TRUE(all_close(read_tensor(dxt.get()), dx, what + ": dx", 1e-4f));
    EXPECT_TRUE(all_close(read_tensor(dgt.get()), dg, what + ": dgamma", 1e-4f));
    EXPECT_TRUE(all_close(read_tensor(dbt.get()), db, what + ": dbeta", 1e-4f));
    // dgamma and dbeta are optional.
    ASSERT_EQ(cnn_batchnorm2d_backward(ocl.get(), xt.get(), gt.get(), smt.get(), sit.get(), dyt.get(), dxt.get(),
                                       nullptr, nullptr),
              CNN_OK)
        << cnn_last_error_message();
    EXPECT_TRUE(all_close(read_tensor(dxt.get()), dx, what + ": dx alone", 1e-4f));
  }
}

TEST(OpenCLOptimizers, SgdAndAdamMatchTheReferenceKernels) {
  ContextPtr cpu = make_context(), ocl = make_opencl_context();
  std::mt19937 rng(83);
  const cnn_sgd_params sgds[] = {{0.1f, 0.0f, 0.0f, 0}, {0.05f, 0.9f, 1e-4f, 0}, {0.05f, 0.9f, 1e-3f, 1}};
  const cnn_adam_params adams[] = {{1, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.0f, 0},
                                   {10, 1e-2f, 0.8f, 0.99f, 1e-6f, 1e-2f, 1},
                                   {3, 1e-3f, 0.9f, 0.999f, 1e-8f, 1e-3f, 0}};
  for (int64_t count : {1, 7, 1001}) {
    const size_t n = static_cast<size_t>(count);
    for (const cnn_sgd_params& p : sgds) {
      const std::string what = "SGD lr " + std::to_string(p.learning_rate) + " momentum " + std::to_string(p.momentum) +
                               " nesterov " + std::to_string(p.nesterov) + " count " + std::to_string(count);
      std::vector<float> w = random_vector(n, rng), g = random_vector(n, rng), v = random_vector(n, rng);
      TensorPtr wt = make_tensor(ocl.get(), {count}, w), gt = make_tensor(ocl.get(), {count}, g);
      TensorPtr vt = make_tensor(ocl.get(), {count}, v);
      const bool with_velocity = p.momentum != 0.0f;
      cnn::sgd_update_ref(*cpu, p, count, w.data(), g.data(), with_velocity ? v.data() : nullptr);
      ASSERT_EQ(cnn_sgd_update(ocl.get(), &p, wt.get(), gt.get(), with_velocity ? vt.get() : nullptr), CNN_OK)
          << cnn_last_error_message();
      EXPECT_TRUE(all_close(read_tensor(wt.get()), w, what + ": param", 1e-6f));
      EXPECT_TRUE(all_close(read_tensor(vt.get()), v, what + ": velocity", 1e-6f));
    }
    for (const cnn_adam_params& p : adams) {
      const std::string what = "Adam step " + std::to_string(p.step) + " decoupled " +
                               std::to_string(p.decoupled_weight_decay) + " count " + std::to_string(count);
      std::vector<float> w = random_vector(n, rng), g = random_vector(n, rng);
      std::vector<float> m = random_vector(n, rng, -0.1f, 0.1f), v = random_vector(n, rng, 0.0f, 0.01f);
      TensorPtr wt = make_tensor(ocl.get(), {count}, w), gt = make_tensor(ocl.get(), {count}, g);
      TensorPtr mt = make_tensor(ocl.get(), {count}, m), vt = make_tensor(ocl.get(), {count}, v);
      cnn::adam_update_ref(*cpu, p, count, w.data(), g.data(), m.data(), v.data());
      ASSERT_EQ(cnn_adam_update(ocl.get(), &p, wt.get(), gt.get(), mt.get(), vt.get()), CNN_OK)
          << cnn_last_error_message();
      EXPECT_TRUE(all_close(read_tensor(wt.get()), w, what + ": param", 1e-5f));
      EXPECT_TRUE(all_close(read_tensor(mt.get()), m, what + ": m", 1e-6f));
      EXPECT_TRUE(all_close(read_tensor(vt.get()), v, what + ": v", 1e-6f));
    }
  }
}

}  // namespace
