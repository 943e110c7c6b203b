// Softmax through the C ABI: a hand-worked 3-class example, inputs like 1000 that would overflow a naive
// exp, columns summing to 1 for rank 2..4, axis 1 of higher ranks, in place, the active kernel table
// against the reference kernel, thread counts 1 and 2 giving identical bits, and every bad-argument path.
#include <cnn/cnn.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "core/context.h"
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

std::vector<float> run(cnn_context* ctx, const std::vector<int64_t>& shape, const std::vector<float>& x) {
  TensorPtr tx = make_tensor(ctx, shape, x);
  TensorPtr ty = make_tensor(ctx, shape);
  EXPECT_EQ(cnn_softmax_forward(ctx, tx.get(), ty.get()), CNN_OK) << cnn_last_error_message();
  return read_tensor(ty.get());
}

// e^1 : e^2 : e^3 = 2.7182818 : 7.3890561 : 20.0855369, sum 30.1928748.
const std::vector<float> kThreeClass = {2.7182818f / 30.1928748f, 7.3890561f / 30.1928748f, 20.0855369f / 30.1928748f};

TEST(SoftmaxTest, KnownThreeClassExample) {
  ContextPtr ctx = make_context();
  std::vector<float> y = run(ctx.get(), {1, 3}, {1, 2, 3});
  EXPECT_TRUE(all_close(y, kThreeClass, "softmax [1,2,3]", 1e-6f));
  EXPECT_TRUE(all_close(y, {0.0900305732f, 0.2447284711f, 0.6652409558f}, "softmax [1,2,3] rounded", 1e-6f));
}

TEST(SoftmaxTest, LargeInputsDoNotOverflow) {
  ContextPtr ctx = make_context();
  // Row 0 is row [1,2,3] shifted by 1000: the same answer. Row 1: e^-1000 is 0 next to e^0, so [1,0,0].
  // Row 2: three equal very negative logits share evenly.
  std::vector<float> y = run(ctx.get(), {3, 3}, {1001, 1002, 1003, 1000, 0, -1000, -1000, -1000, -1000});
  for (float v : y) EXPECT_TRUE(std::isfinite(v)) << v;
  EXPECT_TRUE(all_close({y[0], y[1], y[2]}, kThreeClass, "row shifted by 1000", 1e-6f));
  EXPECT_EQ(y[3], 1.0f);
  EXPECT_EQ(y[4], 0.0f);
  EXPECT_EQ(y[5], 0.0f);
  EXPECT_TRUE(all_close({y[6], y[7], y[8]}, {1.0f / 3, 1.0f / 3, 1.0f / 3}, "equal logits", 1e-6f));
}

TEST(SoftmaxTest, RunsOverAxis1OfHigherRanks) {
  ContextPtr ctx = make_context();
  // x [1,2,2]: classes on axis 1, two positions on axis 2. Position 0 has logits {0, ln 3}: 1/4 and 3/4;
  // position 1 has {1, 1}: 1/2 each. Memory order is [class0 pos0, class0 pos1, class1 pos0, class1 pos1].
  EXPECT_TRUE(all_close(run(ctx.get(), {1, 2, 2}, {0, 1, 1.0986122887f, 1}), {0.25f, 0.5f, 0.75f, 0.5f},
                        "softmax over axis 1 of [1,2,2]", 1e-6f));
}

TEST(SoftmaxTest, ColumnsSumToOne) {
  ContextPtr ctx = make_context();
  std::mt19937 rng(17);
  for (const std::vector<int64_t>& shape : {std::vector<int64_t>{7, 13}, {2, 5, 3, 4}, {1, 1}, {3, 2, 5}}) {
    std::vector<float> y = run(ctx.get(), shape, random_vector(count_of(shape), rng, -20, 20));
    const int64_t outer = shape[0], classes = shape[1];
    const int64_t inner = static_cast<int64_t>(count_of(shape)) / (outer * classes);
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t i = 0; i < inner; ++i) {
        double sum = 0;
        for (int64_t k = 0; k < classes; ++k) {
          const float v = y[static_cast<size_t>((o * classes + k) * inner + i)];
          EXPECT_TRUE(v >= 0.0f && v <= 1.0f) << v;
          sum += v;
        }
        EXPECT_NEAR(sum, 1.0, 1e-5) << "shape " << shape_text(shape) << " column " << o << "," << i;
      }
    }
  }
}

TEST(SoftmaxTest, InPlaceMatchesOutOfPlace) {
  ContextPtr ctx = make_context();
  std::mt19937 rng(23);
  const std::vector<int64_t> shape = {4, 10, 3};
  const std::vector<float> x = random_vector(count_of(shape), rng, -6, 6);
  const std::vector<float> expected = run(ctx.get(), shape, x);
  TensorPtr t = make_tensor(ctx.get(), shape, x);
  ASSERT_EQ(cnn_softmax_forward(ctx.get(), t.get(), t.get()), CNN_OK) << cnn_last_error_message();
  EXPECT_TRUE(all_close(read_tensor(t.get()), expected, "in place", 0));
}

TEST(SoftmaxTest, ActiveKernelMatchesReference) {
  ASSERT_STREQ(cnn_active_isa(), cnn::kernels().isa);
  const bool same = cnn::kernels().softmax_forward == cnn::reference_kernels().softmax_forward;
  std::cout << "[   INFO   ] active ISA " << cnn_active_isa() << ": softmax "
            << (same ? "uses the reference kernel itself (ref vs ref until a faster kernel exists)"
                     : "uses a faster kernel, compared with the reference")
            << "\n";
  ContextPtr ctx = make_context();
  const unsigned seed = 29;
  std::mt19937 rng(seed);
  const int64_t sizes[] = {1, 2, 3, 7, 10, 17, 33};
  auto size = [&] { return sizes[std::uniform_int_distribution<int>(0, 6)(rng)]; };
  for (int c = 0; c < 60; ++c) {
    std::vector<int64_t> shape = {size(), size()};
    for (int extra = c % 3; extra > 0; --extra) shape.push_back(size());
    const std::vector<float> x = random_vector(count_of(shape), rng, -30, 30);
    const int64_t inner = static_cast<int64_t>(count_of(shape)) / (shape[0] * shape[1]);
    std::vector<float> ref(x.size());
    cnn::softmax_forward_ref(*ctx, shape[0], shape[1], inner, x.data(), ref.data());
    ASSERT_TRUE(all_close(run(ctx.get(), shape, x), ref,
                          "seed " + std::to_string(seed) + " case " + std::to_string(c) + " x " + shape_text(shape)));
  }
}

TEST(SoftmaxTest, OneAndTwoThreadsGiveIdenticalResults) {
  ContextPtr one = make_context(1);
  ContextPtr two = make_context(2);
  std::mt19937 rng(31);
  for (const std::vector<int64_t>& shape : {std::vector<int64_t>{64, 10, 100}, {4096, 10}, {3, 1000, 17}}) {
    const std::vector<float> x = random_vector(count_of(shape), rng, -10, 10);  // large enough to be split
    const std::vector<float> y1 = run(one.get(), shape, x), y2 = run(two.get(), shape, x);
    ASSERT_EQ(y1.size(), y2.size());
    EXPECT_EQ(std::memcmp(y1.data(), y2.data(), y1.size() * sizeof(float)), 0) << "x " << shape_text(shape);
  }
}

// ---- bad arguments: the status and the message ---------------------------------------------------

class SoftmaxArgsTest : public ::testing::Test {
 protected:
  ContextPtr ctx = make_context();
  TensorPtr x = make_tensor(ctx.get(), {2, 6});
  TensorPtr y = make_tensor(ctx.get(), {2, 6});
  const std::string f = "cnn_softmax_forward: ";

  cnn_status call() { return cnn_softmax_forward(ctx.get(), x.get(), y.get()); }
};

TEST_F(SoftmaxArgsTest, NullArgumentsAreRejected) {
  ASSERT_EQ(call(), CNN_OK) << cnn_last_error_message();
  EXPECT_TRUE(fails_with(cnn_softmax_forward(nullptr, x.get(), y.get()), CNN_INVALID_ARGUMENT, f + "context is null"));
  EXPECT_TRUE(fails_with(cnn_softmax_forward(ctx.get(), nullptr, y.get()), CNN_INVALID_ARGUMENT, f + "x is null"));
  EXPECT_TRUE(fails_with(cnn_softmax_forward(ctx.get(), x.get(), nullptr), CNN_INVALID_ARGUMENT, f + "y is null"));
}

TEST_F(SoftmaxArgsTest, RankBelowTwoIsRejected) {
  x = make_tensor(ctx.get(), {12});
  y = make_tensor(ctx.get(), {12});
  EXPECT_TRUE(fails_with(call(), CNN_SHAPE_MISMATCH,
                         f + "x is [12] (rank 1) but softmax needs rank >= 2 with the classes on axis 1"));
}

TEST_F(SoftmaxArgsTest, ShapeMismatchIsRejectedEvenWithTheSameElementCount) {
  y = make_tensor(ctx.get(), {6, 2});
  EXPECT_TRUE(fails_with(call(), CNN_SHAPE_MISMATCH,
                         f + "x is [2,6] but y is [6,2]: softmax needs y of the same shape as x"));
  y = make_tensor(ctx.get(), {2, 3, 2});
  EXPECT_TRUE(fails_with(call(), CNN_SHAPE_MISMATCH, f + "x is [2,6] but y is [2,3,2]"));
  y = make_tensor(ctx.get(), {2, 7});
  EXPECT_TRUE(fails_with(call(), CNN_SHAPE_MISMATCH, f + "x is [2,6] but y is [2,7]"));
  // A reshape view of x shares its storage but not its shape: still a mismatch, not in place.
  const int64_t shape[] = {3, 4};
  cnn_tensor* view = nullptr;
  ASSERT_EQ(cnn_tensor_reshape(x.get(), shape, 2, &view), CNN_OK);
  y.reset(view);
  EXPECT_TRUE(fails_with(call(), CNN_SHAPE_MISMATCH, f + "x is [2,6] but y is [3,4]"));
}

// No second device exists yet, so the test marks a tensor's storage as foreign by hand.
TEST_F(SoftmaxArgsTest, TensorsOnAnotherDeviceAreRejected) {
  x->storage->device = static_cast<cnn::DeviceType>(7);
  EXPECT_TRUE(fails_with(call(), CNN_INVALID_ARGUMENT, f + "x [2,6] is on device 7 but the context is on device 0"));
  x->storage->device = cnn::DeviceType::Cpu;
  y->storage->device = static_cast<cnn::DeviceType>(7);
  EXPECT_TRUE(fails_with(call(), CNN_INVALID_ARGUMENT, f + "y [2,6] is on device 7 but the context is on device 0"));
  y->storage->device = cnn::DeviceType::Cpu;
}

}  // namespace
