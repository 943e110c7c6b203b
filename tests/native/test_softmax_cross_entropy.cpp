// Fused softmax cross-entropy through the C ABI: a 2-class loss, its gradient and the correct count worked
// out by hand, label smoothing by hand, logits of +-1000 staying finite, ties in the correct count, the
// gradient against finite differences of the loss itself, the active kernel table against the reference,
// thread counts 1 and 2 giving identical bits, and every bad-argument path with its status and message.
#include <cnn/cnn.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <limits>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"
#include "kernels/kernels.h"
#include "test_util.h"

namespace {

using namespace cnn_test;

struct LossResult {
  float loss = std::nanf("");
  int64_t correct = -1;
  std::vector<float> dlogits;
};

// One call through the C ABI on logits [n, k]; with_gradient false passes dlogits = NULL.
LossResult run(cnn_context* ctx, int64_t n, int64_t k, const std::vector<float>& logits,
               const std::vector<int32_t>& labels, float smoothing, bool with_gradient = true) {
  TensorPtr tl = make_tensor(ctx, {n, k}, logits);
  TensorPtr td = make_tensor(ctx, {n, k}, std::vector<float>(logits.size(), std::nanf("")));
  LossResult r;
  EXPECT_EQ(cnn_softmax_cross_entropy(ctx, tl.get(), labels.data(), labels.size(), smoothing,
                                      with_gradient ? td.get() : nullptr, &r.loss, &r.correct),
            CNN_OK)
      << cnn_last_error_message();
  if (with_gradient) r.dlogits = read_tensor(td.get());
  return r;
}

// ---- known answers, worked out by hand ------------------------------------------------------

// Row 0 = (1, 2): lse = 1 + log(1 + e) = 2.3132616875, softmax (0.2689414214, 0.7310585786).
// Row 1 = (3, 1): lse = 3 + log(1 + e^-2) = 3.1269280110, softmax (0.8807970780, 0.1192029220).
const std::vector<float> kTwoClass = {1, 2, 3, 1};

TEST(SoftmaxCrossEntropyTest, TwoClassLossGradientAndCorrectCountByHand) {
  ContextPtr ctx = make_context();
  // Labels (1, 0): row losses lse - l_label = 0.3132616875 and 0.1269280110, mean 0.2200948493;
  // both rows' largest logit is the label. dlogits = (softmax - onehot) / 2.
  LossResult r = run(ctx.get(), 2, 2, kTwoClass, {1, 0}, 0.0f);
  EXPECT_NEAR(r.loss, 0.2200948493f, 1e-6f);
  EXPECT_EQ(r.correct, 2);
  EXPECT_TRUE(all_close(r.dlogits, {0.1344707107f, -0.1344707107f, -0.0596014610f, 0.0596014610f}, "dlogits", 1e-6f));
  // Labels (1, 1): row 1 now costs 3.1269280110 - 1 = 2.1269280110, mean 1.2200948493, one correct.
  r = run(ctx.get(), 2, 2, kTwoClass, {1, 1}, 0.0f);
  EXPECT_NEAR(r.loss, 1.2200948493f, 1e-6f);
  EXPECT_EQ(r.correct, 1);
  EXPECT_TRUE(all_close(r.dlogits, {0.1344707107f, -0.1344707107f, 0.4403985390f, -0.4403985390f}, "dlogits", 1e-6f));
}

TEST(SoftmaxCrossEntropyTest, LabelSmoothingByHand) {
  ContextPtr ctx = make_context();
  // s = 0.2, K = 2: targets 0.9 on the label and 0.1 on the other class.
  // Row 0 (label 1): 0.9 * 0.3132616875 + 0.1 * 1.3132616875 = 0.4132616875.
  // Row 1 (label 0): 0.9 * 0.1269280110 + 0.1 * 2.1269280110 = 0.3269280110. Mean 0.3700948493.
  LossResult r = run(ctx.get(), 2, 2, kTwoClass, {1, 0}, 0.2f);
  EXPECT_NEAR(r.loss, 0.3700948493f, 1e-6f);
  EXPECT_EQ(r.correct, 2);  // smoothing does not change which rows are right
  // dlogits = (softmax - target) / 2: row 0 (0.2689414214 - 0.1, 0.7310585786 - 0.9) / 2.
  EXPECT_TRUE(all_close(r.dlogits, {0.0844707107f, -0.0844707107f, -0.0096014610f, 0.0096014610f}, "dlogits", 1e-6f));
}

TEST(SoftmaxCrossEntropyTest, LogitsOfPlusMinus1000StayFinite) {
  ContextPtr ctx = make_context();
  // Each row (1000, -1000, 0): lse = 1000 exactly in double (e^-1000 and e^-2000 vanish next to 1).
  // Labels 0, 1, 2 cost 0, 2000 and 1000: mean 1000; only row 0 is correct.
  const std::vector<float> row = {1000, -1000, 0};
  std::vector<float> logits;
  for (int i = 0; i < 3; ++i) logits.insert(logits.end(), row.begin(), row.end());
  LossResult r = run(ctx.get(), 3, 3, logits, {0, 1, 2}, 0.0f);
  EXPECT_EQ(r.loss, 1000.0f);
  EXPECT_EQ(r.correct, 1);
  const float third = 1.0f / 3;
  EXPECT_TRUE(all_close(r.dlogits, {0, 0, 0, third, -third, 0, third, 0, -third}, "dlogits", 1e-6f));
  // With smoothing 0.1 the loss is still finite: row 0 costs (0.1 / 3) * (0 + 2000 + 1000) = 100 and
  // every row adds 100 to (0.9 times) its unsmoothed cost: mean 0.9 * 1000 + 100 = 1000.
  r = run(ctx.get(), 3, 3, logits, {0, 1, 2}, 0.1f);
  EXPECT_NEAR(r.loss, 1000.0f, 1e-3f);
  for (float d : r.dlogits) EXPECT_TRUE(std::isfinite(d)) << d;
}

TEST(SoftmaxCrossEntropyTest, CorrectCountUsesTheFirstLargestLogit) {
  ContextPtr ctx = make_context();
  // Row (2, 2, 1): the first largest logit is class 0, so label 0 counts as correct and label 1 does not.
  EXPECT_EQ(run(ctx.get(), 1, 3, {2, 2, 1}, {0}, 0.0f).correct, 1);
  EXPECT_EQ(run(ctx.get(), 1, 3, {2, 2, 1}, {1}, 0.0f).correct, 0);
}

TEST(SoftmaxCrossEntropyTest, NullGradientGivesTheSameLoss) {
  ContextPtr ctx = make_context();
  std::mt19937 rng(2);
  const std::vector<float> logits = random_vector(5 * 7, rng, -4, 4);
  const std::vector<int32_t> labels = {0, 6, 3, 3, 1};
  const LossResult with = run(ctx.get(), 5, 7, logits, labels, 0.05f);
  const LossResult without = run(ctx.get(), 5, 7, logits, labels, 0.05f, false);
  EXPECT_EQ(with.loss, without.loss);
  EXPECT_EQ(with.correct, without.correct);
}

// ---- the gradient against finite differences of the loss itself ----------------------------------

TEST(SoftmaxCrossEntropyTest, GradientMatchesFiniteDifferencesOfTheLoss) {
  ContextPtr ctx = make_context();
  const unsigned seed = 21;
  std::mt19937 rng(seed);
  for (auto [n, k] : {std::pair<int64_t, int64_t>{1, 2}, {4, 10}, {7, 3}, {3, 17}}) {
    std::vector<int32_t> labels(static_cast<size_t>(n));
    for (int32_t& l : labels) l = std::uniform_int_distribution<int32_t>(0, static_cast<int32_t>(k) - 1)(rng);
    const std::vector<float> logits = random_vector(static_cast<size_t>(n * k), rng, -3, 3);
    // The gradient is O(1/n), so the tolerance is tighter than the default; eps 1e-2 keeps the rounding of
    // the float loss (about 1e-7) small next to the difference quotient.
    for (float s : {0.0f, 0.3f}) {
      auto loss = [&](const std::vector<float>& at) {
        return std::vector<float>{run(ctx.get(), n, k, at, labels, s).loss};
      };
      ASSERT_TRUE(check_gradient(
          "seed 21, logits [" + std::to_string(n) + "," + std::to_string(k) + "], smoothing " + std::to_string(s),
          logits, {1.0f}, run(ctx.get(), n, k, logits, labels, s).dlogits, loss, rng, 100, 1e-2f, 1e-3f));
    }
  }
}

// ---- the active table against the reference, and thread counts ------------------------------------

TEST(SoftmaxCrossEntropyTest, ActiveKernelMatchesReference) {
  ASSERT_STREQ(cnn_active_isa(), cnn::kernels().isa);
  const bool same = cnn::kernels().softmax_cross_entropy == cnn::reference_kernels().softmax_cross_entropy;
  std::cout << "[   INFO   ] active ISA " << cnn_active_isa() << ": softmax_cross_entropy "
            << (same ? "uses the reference kernel itself (ref vs ref until a faster kernel exists)"
                     : "uses a faster kernel, compared with the reference")
            << "\n";
  ContextPtr ctx = make_context();
  std::mt19937 rng(13);
  for (auto [n, k] : {std::pair<int64_t, int64_t>{1, 1}, {1, 3}, {7, 10}, {33, 17}, {128, 127}}) {
    std::vector<int32_t> labels(static_cast<size_t>(n));
    for (int32_t& l : labels) l = std::uniform_int_distribution<int32_t>(0, static_cast<int32_t>(k) - 1)(rng);
    const std::vector<float> logits = random_vector(static_cast<size_t>(n * k), rng, -6, 6);
    std::vector<float> ref(logits.size());
    float ref_loss = 0;
    int64_t ref_correct = 0;
    cnn::softmax_cross_entropy_ref(*ctx, n, k, logits.data(), labels.data(), 0.1f, ref.data(), &ref_loss, &ref_correct);
    const LossResult r = run(ctx.get(), n, k, logits, labels, 0.1f);
    const std::string what = "seed 13, logits [" + std::to_string(n) + "," + std::to_string(k) + "]";
    ASSERT_TRUE(all_close(r.dlogits, ref, what));
    ASSERT_TRUE(all_close({r.loss}, {ref_loss}, what + " loss"));
    ASSERT_EQ(r.correct, ref_correct) << what;
  }
}

TEST(SoftmaxCrossEntropyTest, OneAndTwoThreadsGiveIdenticalResults) {
  ContextPtr one = make_context(1);
  ContextPtr two = make_context(2);
  std::mt19937 rng(4);
  const int64_t n = 512, k = 100;  // large enough that the rows are split over threads
  std::vector<int32_t> labels(static_cast<size_t>(n));
  for (int32_t& l : labels) l = std::uniform_int_distribution<int32_t>(0, static_cast<int32_t>(k) - 1)(rng);
  const std::vector<float> logits = random_vector(static_cast<size_t>(n * k), rng, -6, 6);
  const LossResult a = run(one.get(), n, k, logits, labels, 0.1f), b = run(two.get(), n, k, logits, labels, 0.1f);
  EXPECT_EQ(std::memcmp(&a.loss, &b.loss, sizeof(float)), 0) << a.loss << " vs " << b.loss;
  EXPECT_EQ(a.correct, b.correct);
  ASSERT_EQ(a.dlogits.size(), b.dlogits.size());
  EXPECT_EQ(std::memcmp(a.dlogits.data(), b.dlogits.data(), a.dlogits.size() * sizeof(float)), 0);
}

// ---- bad arguments: the status and the message ---------------------------------------------------

class SoftmaxCrossEntropyArgsTest : public ::testing::Test {
 protected:
  ContextPtr ctx = make_context();
  TensorPtr logits = make_tensor(ctx.get(), {4, 10});
  TensorPtr dlogits = make_tensor(ctx.get(), {4, 10});
  std::vector<int32_t> labels = {0, 9, 3, 5};
  float loss = 0;
  int64_t correct = 0;
  const std::string f = "cnn_softmax_cross_entropy: ";

  cnn_status call(float smoothing = 0.0f) {
    return cnn_softmax_cross_entropy(ctx.get(), logits.get(), labels.data(), labels.size(), smoothing, dlogits.get(),
                                     &loss, &correct);
  }
};

TEST_F(SoftmaxCrossEntropyArgsTest, ValidCallSucceedsWithOrWithoutGradient) {
  ASSERT_EQ(call(), CNN_OK) << cnn_last_error_message();
  EXPECT_STREQ(cnn_last_error_message(), "");
  EXPECT_EQ(cnn_softmax_cross_entropy(ctx.get(), logits.get(), labels.data(), 4, 0.0f, nullptr, &loss, &correct),
            CNN_OK)
      << cnn_last_error_message();
}

TEST_F(SoftmaxCrossEntropyArgsTest, NullArgumentsAreRejected) {
  const int32_t* l = labels.data();
  EXPECT_TRUE(fails_with(cnn_softmax_cross_entropy(nullptr, logits.get(), l, 4, 0, dlogits.get(), &loss, &correct),
                         CNN_INVALID_ARGUMENT, f + "context is null"));
  EXPECT_TRUE(fails_with(cnn_softmax_cross_entropy(ctx.get(), nullptr, l, 4, 0, dlogits.get(), &loss, &correct),
                         CNN_INVALID_ARGUMENT, f + "logits is null"));
  EXPECT_TRUE(
      fails_with(cnn_softmax_cross_entropy(ctx.get(), logits.get(), nullptr, 4, 0, dlogits.get(), &loss, &correct),
                 CNN_INVALID_ARGUMENT, f + "labels is null"));
  EXPECT_TRUE(fails_with(cnn_softmax_cross_entropy(ctx.get(), logits.get(), l, 4, 0, dlogits.get(), nullptr, &correct),
                         CNN_INVALID_ARGUMENT, f + "out_loss is null"));
  EXPECT_TRUE(fails_with(cnn_softmax_cross_entropy(ctx.get(), logits.get(), l, 4, 0, dlogits.get(), &loss, nullptr),
                         CNN_INVALID_ARGUMENT, f + "out_correct is null"));
}

TEST_F(SoftmaxCrossEntropyArgsTest, LogitsMustHaveRank2) {
  logits = make_tensor(ctx.get(), {4, 10, 1});
  EXPECT_TRUE(fails_with(call(), CNN_SHAPE_MISMATCH, f + "logits is [4,10,1] (rank 3) but must have rank 2"));
  logits = make_tensor(ctx.get(), {40});
  EXPECT_TRUE(fails_with(call(), CNN_SHAPE_MISMATCH, f + "logits is [40] (rank 1) but must have rank 2"));
}

TEST_F(SoftmaxCrossEntropyArgsTest, LabelsAreChecked) {
  EXPECT_TRUE(fails_with(
      cnn_softmax_cross_entropy(ctx.get(), logits.get(), labels.data(), 3, 0, dlogits.get(), &loss, &correct),
      CNN_INVALID_ARGUMENT, f + "label_count 3 must equal the batch size 4 of logits [4,10]"));
  labels[3] = 12;
  EXPECT_TRUE(fails_with(call(), CNN_INVALID_ARGUMENT, f + "labels[3] = 12 is outside [0, 10)"));
  labels[3] = 10;
  EXPECT_TRUE(fails_with(call(), CNN_INVALID_ARGUMENT, f + "labels[3] = 10 is outside [0, 10)"));
  labels[3] = 5;
  labels[1] = -1;
  EXPECT_TRUE(fails_with(call(), CNN_INVALID_ARGUMENT, f + "labels[1] = -1 is outside [0, 10)"));
}

TEST_F(SoftmaxCrossEntropyArgsTest, LabelSmoothingMustBeInZeroToOne) {
  EXPECT_TRUE(fails_with(call(-0.1f), CNN_INVALID_ARGUMENT, f + "label_smoothing -0.100000 must be in [0, 1)"));
  EXPECT_TRUE(fails_with(call(1.0f), CNN_INVALID_ARGUMENT, f + "label_smoothing 1.000000 must be in [0, 1)"));
  EXPECT_TRUE(fails_with(call(std::numeric_limits<float>::quiet_NaN()), CNN_INVALID_ARGUMENT,
                         f + "label_smoothing nan must be in [0, 1)"));
  EXPECT_EQ(call(0.999f), CNN_OK) << cnn_last_error_message();
}

TEST_F(SoftmaxCrossEntropyArgsTest, DlogitsMustHaveTheShapeOfLogitsAndItsOwnStorage) {
  dlogits = make_tensor(ctx.get(), {10, 4});
  EXPECT_TRUE(fails_with(call(), CNN_SHAPE_MISMATCH,
                         f + "logits is [4,10] but dlogits is [10,4]: dlogits must have the shape of logits"));
  EXPECT_TRUE(
      fails_with(cnn_softmax_cross_entropy(ctx.get(), logits.get(), labels.data(), 4, 0, logits.get(), &loss, &correct),
                 CNN_INVALID_ARGUMENT,
                 f + "dlogits [4,10] shares its storage with logits [4,10]; the output must be a separate tensor"));
}

// No second device exists yet, so the test marks a tensor's storage as foreign by hand.
TEST_F(SoftmaxCrossEntropyArgsTest, TensorsOnAnotherDeviceAreRejected) {
  logits->storage->device = static_cast<cnn::DeviceType>(7);
  EXPECT_TRUE(
      fails_with(call(), CNN_INVALID_ARGUMENT, f + "logits [4,10] is on device 7 but the context is on device 0"));
  logits->storage->device = cnn::DeviceType::Cpu;
  dlogits->storage->device = static_cast<cnn::DeviceType>(7);
  EXPECT_TRUE(
      fails_with(call(), CNN_INVALID_ARGUMENT, f + "dlogits [4,10] is on device 7 but the context is on device 0"));
  dlogits->storage->device = cnn::DeviceType::Cpu;
}

}  // namespace
