// Tensor utilities through the C ABI: fill, copy (across shapes, onto itself, onto a view), scale and the
// sum of squares with known answers; the sum of squares bit-identical on 1 and 2 threads over 1e6 elements;
// the active kernel table against the reference; every bad-argument path.
#include <cnn/cnn.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
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

TEST(TensorOps, FillSetsEveryElement) {
  ContextPtr ctx = make_context(2);
  TensorPtr t = make_tensor(ctx.get(), {2, 3}, {1, 2, 3, 4, 5, 6});
  ASSERT_EQ(cnn_tensor_fill(ctx.get(), t.get(), -2.5f), CNN_OK) << cnn_last_error_message();
  EXPECT_TRUE(all_close(read_tensor(t.get()), std::vector<float>(6, -2.5f), "fill -2.5", 0));
  TensorPtr big = make_tensor(ctx.get(), {1000, 1001});  // large enough to be split over threads
  ASSERT_EQ(cnn_tensor_fill(ctx.get(), big.get(), 7.0f), CNN_OK);
  EXPECT_TRUE(all_close(read_tensor(big.get()), std::vector<float>(1001000, 7.0f), "fill 7 over 1001000", 0));
}

TEST(TensorOps, CopyAcrossShapesWithTheSameCount) {
  ContextPtr ctx = make_context();
  const std::vector<float> values = {1, -2, 3, -4, 5, -6};
  TensorPtr src = make_tensor(ctx.get(), {2, 3}, values), dst = make_tensor(ctx.get(), {3, 1, 2});
  ASSERT_EQ(cnn_tensor_copy(ctx.get(), src.get(), dst.get()), CNN_OK) << cnn_last_error_message();
  EXPECT_TRUE(all_close(read_tensor(dst.get()), values, "copy [2,3] -> [3,1,2]", 0));
  // The copy is a copy: changing the source afterwards leaves dst alone.
  ASSERT_EQ(cnn_tensor_fill(ctx.get(), src.get(), 0.0f), CNN_OK);
  EXPECT_TRUE(all_close(read_tensor(dst.get()), values, "dst after the source changed", 0));
}

TEST(TensorOps, CopyOntoItselfOrAViewIsANoOp) {
  ContextPtr ctx = make_context();
  const std::vector<float> values = {1, 2, 3, 4};
  TensorPtr t = make_tensor(ctx.get(), {2, 2}, values);
  ASSERT_EQ(cnn_tensor_copy(ctx.get(), t.get(), t.get()), CNN_OK) << cnn_last_error_message();
  EXPECT_TRUE(all_close(read_tensor(t.get()), values, "src == dst", 0));
  const int64_t flat[] = {4};
  cnn_tensor* raw = nullptr;
  ASSERT_EQ(cnn_tensor_reshape(t.get(), flat, 1, &raw), CNN_OK);
  TensorPtr view(raw);
  ASSERT_EQ(cnn_tensor_copy(ctx.get(), view.get(), t.get()), CNN_OK) << cnn_last_error_message();
  EXPECT_TRUE(all_close(read_tensor(t.get()), values, "view -> tensor", 0));
}

TEST(TensorOps, ScaleMultipliesEveryElement) {
  ContextPtr ctx = make_context(2);
  TensorPtr t = make_tensor(ctx.get(), {4}, {1, -2, 0.5f, 0});
  ASSERT_EQ(cnn_tensor_scale(ctx.get(), t.get(), -3.0f), CNN_OK) << cnn_last_error_message();
  EXPECT_TRUE(all_close(read_tensor(t.get()), {-3, 6, -1.5f, 0}, "scale by -3", 0));
  ASSERT_EQ(cnn_tensor_scale(ctx.get(), t.get(), 0.0f), CNN_OK);
  EXPECT_TRUE(all_close(read_tensor(t.get()), {0, 0, 0, 0}, "scale by 0", 0));
  std::mt19937 rng(79);
  const std::vector<float> x = random_vector(300001, rng);
  TensorPtr big = make_tensor(ctx.get(), {300001}, x);
  ASSERT_EQ(cnn_tensor_scale(ctx.get(), big.get(), 0.25f), CNN_OK);
  std::vector<float> expected(x);
  for (float& e : expected) e *= 0.25f;
  EXPECT_TRUE(all_close(read_tensor(big.get()), expected, "scale 300001 elements by 0.25", 0));
}

double sum_squares(cnn_context* ctx, const cnn_tensor* t) {
  double out = -1.0;
  EXPECT_EQ(cnn_tensor_sum_squares(ctx, t, &out), CNN_OK) << cnn_last_error_message();
  return out;
}

TEST(TensorOps, SumSquaresKnownAnswers) {
  ContextPtr ctx = make_context(2);
  TensorPtr t = make_tensor(ctx.get(), {2, 2}, {1, 2, 3, -4});
  EXPECT_EQ(sum_squares(ctx.get(), t.get()), 30.0);
  TensorPtr one = make_tensor(ctx.get(), {1}, {-0.5f});
  EXPECT_EQ(sum_squares(ctx.get(), one.get()), 0.25);
  // 1e6 elements of 0.5: every partial sum is a multiple of 0.25 well inside double's exact range.
  TensorPtr halves = make_tensor(ctx.get(), {1000000});
  ASSERT_EQ(cnn_tensor_fill(ctx.get(), halves.get(), 0.5f), CNN_OK);
  EXPECT_EQ(sum_squares(ctx.get(), halves.get()), 250000.0);
  // Squares accumulate in double: 3e20^2 = 9e40 overflows float but not double.
  TensorPtr huge = make_tensor(ctx.get(), {2}, {3e20f, -3e20f});
  EXPECT_NEAR(sum_squares(ctx.get(), huge.get()) / 1.8e41, 1.0, 1e-6);
}

TEST(TensorOps, SumSquaresIsIdenticalOnOneAndTwoThreads) {
  ContextPtr one = make_context(1), two = make_context(2);
  std::mt19937 rng(83);
  for (int64_t count : {int64_t{1000000}, int64_t{999983}, int64_t{65537}}) {
    const std::vector<float> x = random_vector(static_cast<size_t>(count), rng, -3, 3);
    TensorPtr t1 = make_tensor(one.get(), {count}, x);
    const double s1 = sum_squares(one.get(), t1.get()), s2 = sum_squares(two.get(), t1.get());
    EXPECT_EQ(s1, s2) << "count " << count << ": 1 thread " << s1 << ", 2 threads " << s2 << " (diff " << s1 - s2
                      << ")";
    double expected = 0;
    for (float v : x) expected += static_cast<double>(v) * v;
    EXPECT_NEAR(s1, expected, 1e-9 * expected) << "count " << count;
  }
}

TEST(TensorOps, ActiveKernelsMatchReference) {
  ASSERT_STREQ(cnn_active_isa(), cnn::kernels().isa);
  const cnn::KernelTable& active = cnn::kernels();
  const cnn::KernelTable& ref = cnn::reference_kernels();
  const bool same = active.fill == ref.fill && active.scale == ref.scale && active.sum_squares == ref.sum_squares;
  std::cout << "[   INFO   ] active ISA " << cnn_active_isa() << ": fill/scale/sum_squares "
            << (same ? "use the reference kernels themselves (ref vs ref until a faster kernel exists)"
                     : "use faster kernels, compared with the reference")
            << "\n";
  ContextPtr ctx = make_context(2);
  std::mt19937 rng(89);
  for (int64_t count : {1, 7, 33, 127, 16385, 200003}) {
    const std::vector<float> x = random_vector(static_cast<size_t>(count), rng);
    std::vector<float> a(x), b(x);
    active.scale(*ctx, count, 1.7f, a.data());
    ref.scale(*ctx, count, 1.7f, b.data());
    ASSERT_TRUE(all_close(a, b, "scale count " + std::to_string(count)));
    const double sa = active.sum_squares(*ctx, count, x.data()), sb = ref.sum_squares(*ctx, count, x.data());
    ASSERT_NEAR(sa, sb, 1e-9 * (1 + sb)) << "sum_squares count " << count;
    active.fill(*ctx, count, 0.3f, a.data());
    ref.fill(*ctx, count, 0.3f, b.data());
    ASSERT_TRUE(all_close(a, b, "fill count " + std::to_string(count), 0));
  }
}

// ---- bad arguments -------------------------------------------------------------------------------------

TEST(TensorOpsArgs, NullArgumentsAreRejected) {
  ContextPtr ctx = make_context();
  TensorPtr t = make_tensor(ctx.get(), {3});
  double out = 0;
  EXPECT_TRUE(
      fails_with(cnn_tensor_fill(nullptr, t.get(), 1), CNN_INVALID_ARGUMENT, "cnn_tensor_fill: context is null"));
  EXPECT_TRUE(
      fails_with(cnn_tensor_fill(ctx.get(), nullptr, 1), CNN_INVALID_ARGUMENT, "cnn_tensor_fill: tensor is null"));
  EXPECT_TRUE(
      fails_with(cnn_tensor_copy(nullptr, t.get(), t.get()), CNN_INVALID_ARGUMENT, "cnn_tensor_copy: context is null"));
  EXPECT_TRUE(
      fails_with(cnn_tensor_copy(ctx.get(), nullptr, t.get()), CNN_INVALID_ARGUMENT, "cnn_tensor_copy: src is null"));
  EXPECT_TRUE(
      fails_with(cnn_tensor_copy(ctx.get(), t.get(), nullptr), CNN_INVALID_ARGUMENT, "cnn_tensor_copy: dst is null"));
  EXPECT_TRUE(
      fails_with(cnn_tensor_scale(nullptr, t.get(), 2), CNN_INVALID_ARGUMENT, "cnn_tensor_scale: context is null"));
  EXPECT_TRUE(
      fails_with(cnn_tensor_scale(ctx.get(), nullptr, 2), CNN_INVALID_ARGUMENT, "cnn_tensor_scale: tensor is null"));
  EXPECT_TRUE(fails_with(cnn_tensor_sum_squares(nullptr, t.get(), &out), CNN_INVALID_ARGUMENT,
                         "cnn_tensor_sum_squares: context is null"));
  EXPECT_TRUE(fails_with(cnn_tensor_sum_squares(ctx.get(), nullptr, &out), CNN_INVALID_ARGUMENT,
                         "cnn_tensor_sum_squares: tensor is null"));
  EXPECT_TRUE(fails_with(cnn_tensor_sum_squares(ctx.get(), t.get(), nullptr), CNN_INVALID_ARGUMENT,
                         "cnn_tensor_sum_squares: out is null"));
}

TEST(TensorOpsArgs, CopyNeedsEqualElementCounts) {
  ContextPtr ctx = make_context();
  TensorPtr src = make_tensor(ctx.get(), {2, 3}, {1, 2, 3, 4, 5, 6}), dst = make_tensor(ctx.get(), {7});
  EXPECT_TRUE(fails_with(cnn_tensor_copy(ctx.get(), src.get(), dst.get()), CNN_SHAPE_MISMATCH,
                         "cnn_tensor_copy: src [2,3] has 6 elements but dst [7] has 7 elements; a copy needs equal "
                         "element counts"));
  EXPECT_TRUE(all_close(read_tensor(dst.get()), std::vector<float>(7, 0.0f), "dst untouched", 0));
}

TEST(TensorOpsArgs, TensorsMustBeOnTheContextsDevice) {
  ContextPtr ctx = make_context();
  TensorPtr t = make_tensor(ctx.get(), {2, 2}), other = make_tensor(ctx.get(), {4});
  t->storage->device = static_cast<cnn::DeviceType>(1);
  double out = 0;
  const std::string where = " [2,2] is on device 1 but the context is on device 0";
  EXPECT_TRUE(
      fails_with(cnn_tensor_fill(ctx.get(), t.get(), 1), CNN_INVALID_ARGUMENT, "cnn_tensor_fill: tensor" + where));
  EXPECT_TRUE(
      fails_with(cnn_tensor_scale(ctx.get(), t.get(), 1), CNN_INVALID_ARGUMENT, "cnn_tensor_scale: tensor" + where));
  EXPECT_TRUE(fails_with(cnn_tensor_sum_squares(ctx.get(), t.get(), &out), CNN_INVALID_ARGUMENT,
                         "cnn_tensor_sum_squares: tensor" + where));
  EXPECT_TRUE(fails_with(cnn_tensor_copy(ctx.get(), t.get(), other.get()), CNN_INVALID_ARGUMENT,
                         "cnn_tensor_copy: src" + where));
  EXPECT_TRUE(fails_with(cnn_tensor_copy(ctx.get(), other.get(), t.get()), CNN_INVALID_ARGUMENT,
                         "cnn_tensor_copy: dst" + where));
  t->storage->device = cnn::DeviceType::Cpu;
}

}  // namespace
