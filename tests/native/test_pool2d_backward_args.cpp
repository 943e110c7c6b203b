// Pooling backward argument checks through the C ABI: every bad-argument path of cnn_maxpool2d_backward,
// cnn_avgpool2d_backward and cnn_global_avgpool2d_backward, asserting the status and the message text.
// The parameter checks are the forward's own (test_pool2d_args.cpp); here they are seen once per op.
#include <cnn/cnn.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "test_util.h"

namespace {

using namespace cnn_test;

cnn_pool2d_params pool(int32_t kh, int32_t kw, int32_t sh, int32_t sw, int32_t pt, int32_t pb, int32_t pl, int32_t pr,
                       int32_t count_include_pad = 0) {
  return {kh, kw, sh, sw, pt, pb, pl, pr, count_include_pad};
}

class Pool2dBackwardArgsTest : public ::testing::Test {
 protected:
  ContextPtr ctx = make_context();
  TensorPtr x = make_tensor(ctx.get(), {2, 3, 5, 5});
  TensorPtr dy = make_tensor(ctx.get(), {2, 3, 4, 4});  // kernel 2, stride 1, no padding
  TensorPtr dx = make_tensor(ctx.get(), {2, 3, 5, 5});
  cnn_pool2d_params p = pool(2, 2, 1, 1, 0, 0, 0, 0);
  const std::string max_f = "cnn_maxpool2d_backward: ";
  const std::string avg_f = "cnn_avgpool2d_backward: ";

  cnn_status max(const cnn_pool2d_params& q) {
    return cnn_maxpool2d_backward(ctx.get(), x.get(), dy.get(), &q, dx.get());
  }
  cnn_status avg(const cnn_pool2d_params& q) { return cnn_avgpool2d_backward(ctx.get(), dy.get(), &q, dx.get()); }
};

TEST_F(Pool2dBackwardArgsTest, ValidCallsSucceedAndClearTheMessage) {
  ASSERT_EQ(cnn_maxpool2d_backward(ctx.get(), x.get(), dy.get(), &p, nullptr), CNN_INVALID_ARGUMENT);
  EXPECT_EQ(max(p), CNN_OK) << cnn_last_error_message();
  EXPECT_STREQ(cnn_last_error_message(), "");
  ASSERT_EQ(cnn_avgpool2d_backward(ctx.get(), dy.get(), &p, nullptr), CNN_INVALID_ARGUMENT);
  EXPECT_EQ(avg(p), CNN_OK) << cnn_last_error_message();
  EXPECT_STREQ(cnn_last_error_message(), "");
}

TEST_F(Pool2dBackwardArgsTest, NullArgumentsAreRejected) {
  EXPECT_TRUE(fails_with(cnn_maxpool2d_backward(nullptr, x.get(), dy.get(), &p, dx.get()), CNN_INVALID_ARGUMENT,
                         max_f + "context is null"));
  EXPECT_TRUE(fails_with(cnn_maxpool2d_backward(ctx.get(), nullptr, dy.get(), &p, dx.get()), CNN_INVALID_ARGUMENT,
                         max_f + "x is null"));
  EXPECT_TRUE(fails_with(cnn_maxpool2d_backward(ctx.get(), x.get(), nullptr, &p, dx.get()), CNN_INVALID_ARGUMENT,
                         max_f + "dy is null"));
  EXPECT_TRUE(fails_with(cnn_maxpool2d_backward(ctx.get(), x.get(), dy.get(), nullptr, dx.get()), CNN_INVALID_ARGUMENT,
                         max_f + "params is null"));
  EXPECT_TRUE(fails_with(cnn_maxpool2d_backward(ctx.get(), x.get(), dy.get(), &p, nullptr), CNN_INVALID_ARGUMENT,
                         max_f + "dx is null"));
  EXPECT_TRUE(fails_with(cnn_avgpool2d_backward(nullptr, dy.get(), &p, dx.get()), CNN_INVALID_ARGUMENT,
                         avg_f + "context is null"));
  EXPECT_TRUE(
      fails_with(cnn_avgpool2d_backward(ctx.get(), nullptr, &p, dx.get()), CNN_INVALID_ARGUMENT, avg_f + "dy is null"));
  EXPECT_TRUE(fails_with(cnn_avgpool2d_backward(ctx.get(), dy.get(), nullptr, dx.get()), CNN_INVALID_ARGUMENT,
                         avg_f + "params is null"));
  EXPECT_TRUE(
      fails_with(cnn_avgpool2d_backward(ctx.get(), dy.get(), &p, nullptr), CNN_INVALID_ARGUMENT, avg_f + "dx is null"));
}

TEST_F(Pool2dBackwardArgsTest, RanksAreChecked) {
  x = make_tensor(ctx.get(), {2, 3, 25});
  EXPECT_TRUE(fails_with(max(p), CNN_SHAPE_MISMATCH, max_f + "x is [2,3,25] (rank 3) but must have rank 4"));
  // Average pooling takes the geometry from dx, which stands in for x.
  dx = make_tensor(ctx.get(), {2, 3, 25});
  EXPECT_TRUE(fails_with(avg(p), CNN_SHAPE_MISMATCH, avg_f + "dx is [2,3,25] (rank 3) but must have rank 4"));
}

TEST_F(Pool2dBackwardArgsTest, ParametersAreCheckedAsInTheForward) {
  EXPECT_TRUE(fails_with(max(pool(0, 2, 1, 1, 0, 0, 0, 0)), CNN_INVALID_ARGUMENT, max_f + "kernel_h 0 must be >= 1"));
  EXPECT_TRUE(fails_with(avg(pool(2, 2, 1, -1, 0, 0, 0, 0)), CNN_INVALID_ARGUMENT, avg_f + "stride_w -1 must be >= 1"));
  EXPECT_TRUE(fails_with(max(pool(3, 3, 1, 1, 3, 0, 0, 0)), CNN_INVALID_ARGUMENT,
                         max_f + "pad_top 3 must be smaller than kernel_h 3"));
  EXPECT_TRUE(
      fails_with(avg(pool(3, 2, 1, 1, 0, 0, 0, -1)), CNN_INVALID_ARGUMENT, avg_f + "pad_right -1 must be >= 0"));
  EXPECT_TRUE(fails_with(avg(pool(2, 2, 1, 1, 0, 0, 0, 0, 3)), CNN_INVALID_ARGUMENT,
                         avg_f + "count_include_pad 3 must be 0 or 1"));
  x = make_tensor(ctx.get(), {1, 1, 2, 6});
  EXPECT_TRUE(
      fails_with(max(pool(3, 1, 1, 1, 0, 0, 0, 0)), CNN_SHAPE_MISMATCH,
                 max_f + "x is [1,1,2,6]: height 2 plus pad_top 0 and pad_bottom 0 is smaller than kernel_h 3"));
  dx = make_tensor(ctx.get(), {1, 1, 6, 1});
  EXPECT_TRUE(
      fails_with(avg(pool(1, 4, 1, 1, 0, 0, 1, 1)), CNN_SHAPE_MISMATCH,
                 avg_f + "dx is [1,1,6,1]: width 1 plus pad_left 1 and pad_right 1 is smaller than kernel_w 4"));
}

TEST_F(Pool2dBackwardArgsTest, DyMustHaveTheForwardOutputShape) {
  for (const std::vector<int64_t>& bad : {std::vector<int64_t>{2, 3, 5, 5}, {2, 4, 4, 4}, {1, 3, 4, 4}, {2, 3, 16}}) {
    dy = make_tensor(ctx.get(), bad);
    const std::string needle = "dy is " + shape_text(bad) + " but the output of the forward is [2,3,4,4]";
    EXPECT_TRUE(fails_with(max(p), CNN_SHAPE_MISMATCH, max_f + needle));
    EXPECT_TRUE(fails_with(avg(p), CNN_SHAPE_MISMATCH, avg_f + needle));
  }
  // stride 2 with pad_bottom 1: (5 + 1 - 2) / 2 + 1 = 3 rows, (5 - 2) / 2 + 1 = 2 columns.
  dy = make_tensor(ctx.get(), {2, 3, 2, 2});
  EXPECT_TRUE(fails_with(max(pool(2, 2, 2, 2, 0, 1, 0, 0)), CNN_SHAPE_MISMATCH,
                         max_f + "dy is [2,3,2,2] but the output of the forward is [2,3,3,2]"));
}

TEST_F(Pool2dBackwardArgsTest, DxMustHaveTheShapeOfX) {
  for (const std::vector<int64_t>& bad : {std::vector<int64_t>{2, 3, 5, 4}, {2, 3, 25}, {3, 2, 5, 5}}) {
    dx = make_tensor(ctx.get(), bad);
    EXPECT_TRUE(fails_with(max(p), CNN_SHAPE_MISMATCH,
                           max_f + "dx is " + shape_text(bad) + " but must be [2,3,5,5], the shape of x"));
  }
}

TEST_F(Pool2dBackwardArgsTest, DxMustNotShareStorageWithXOrDy) {
  EXPECT_TRUE(
      fails_with(cnn_maxpool2d_backward(ctx.get(), x.get(), dy.get(), &p, x.get()), CNN_INVALID_ARGUMENT,
                 max_f + "dx [2,3,5,5] shares its storage with x [2,3,5,5]; the output must be a separate tensor"));
  // Kernel 1 keeps the shape, so dy and dx can be one tensor (or a reshape view of it).
  const cnn_pool2d_params k1 = pool(1, 1, 1, 1, 0, 0, 0, 0);
  dy = make_tensor(ctx.get(), {2, 3, 5, 5});
  const int64_t shape[] = {2, 3, 5, 5};
  cnn_tensor* view = nullptr;
  ASSERT_EQ(cnn_tensor_reshape(dy.get(), shape, 4, &view), CNN_OK);
  dx.reset(view);
  const std::string needle = "dx [2,3,5,5] shares its storage with dy [2,3,5,5]";
  EXPECT_TRUE(fails_with(max(k1), CNN_INVALID_ARGUMENT, max_f + needle));
  EXPECT_TRUE(fails_with(avg(k1), CNN_INVALID_ARGUMENT, avg_f + needle));
  EXPECT_TRUE(
      fails_with(cnn_avgpool2d_backward(ctx.get(), dy.get(), &k1, dy.get()), CNN_INVALID_ARGUMENT, avg_f + needle));
}

// No second device exists yet, so the test marks a tensor's storage as foreign by hand.
TEST_F(Pool2dBackwardArgsTest, TensorsOnAnotherDeviceAreRejected) {
  const auto foreign = static_cast<cnn::DeviceType>(7);
  for (cnn_tensor* t : {x.get(), dy.get(), dx.get()}) {
    t->storage->device = foreign;
    const std::string name = t == x.get() ? "x " : t == dy.get() ? "dy " : "dx ";
    const std::string needle = name + shape_text({t->dims[0], t->dims[1], t->dims[2], t->dims[3]}) +
                               " is on device 7 but the context is on device 0";
    EXPECT_TRUE(fails_with(max(p), CNN_INVALID_ARGUMENT, max_f + needle));
    if (t != x.get()) {
      EXPECT_TRUE(fails_with(avg(p), CNN_INVALID_ARGUMENT, avg_f + needle));
    }
    t->storage->device = cnn::DeviceType::Cpu;
  }
}

TEST_F(Pool2dBackwardArgsTest, GlobalAvgPoolBackwardArgumentsAreChecked) {
  const std::string f = "cnn_global_avgpool2d_backward: ";
  TensorPtr g = make_tensor(ctx.get(), {2, 3, 1, 1});
  ASSERT_EQ(cnn_global_avgpool2d_backward(ctx.get(), g.get(), dx.get()), CNN_OK) << cnn_last_error_message();
  EXPECT_TRUE(fails_with(cnn_global_avgpool2d_backward(nullptr, g.get(), dx.get()), CNN_INVALID_ARGUMENT,
                         f + "context is null"));
  EXPECT_TRUE(
      fails_with(cnn_global_avgpool2d_backward(ctx.get(), nullptr, dx.get()), CNN_INVALID_ARGUMENT, f + "dy is null"));
  EXPECT_TRUE(
      fails_with(cnn_global_avgpool2d_backward(ctx.get(), g.get(), nullptr), CNN_INVALID_ARGUMENT, f + "dx is null"));
  TensorPtr flat = make_tensor(ctx.get(), {2, 75});
  EXPECT_TRUE(fails_with(cnn_global_avgpool2d_backward(ctx.get(), g.get(), flat.get()), CNN_SHAPE_MISMATCH,
                         f + "dx is [2,75] (rank 2) but must have rank 4"));
  for (const std::vector<int64_t>& bad : {std::vector<int64_t>{2, 3}, {2, 3, 2, 1}, {3, 2, 1, 1}, {2, 3, 1, 1, 1}}) {
    TensorPtr b = make_tensor(ctx.get(), bad);
    EXPECT_TRUE(fails_with(cnn_global_avgpool2d_backward(ctx.get(), b.get(), dx.get()), CNN_SHAPE_MISMATCH,
                           f + "dy is " + shape_text(bad) + " but the output of the forward is [2,3,1,1]"));
  }
  TensorPtr planes = make_tensor(ctx.get(), {1, 4, 1, 1});
  EXPECT_TRUE(
      fails_with(cnn_global_avgpool2d_backward(ctx.get(), planes.get(), planes.get()), CNN_INVALID_ARGUMENT,
                 f + "dx [1,4,1,1] shares its storage with dy [1,4,1,1]; the output must be a separate tensor"));
  g->storage->device = static_cast<cnn::DeviceType>(7);
  EXPECT_TRUE(fails_with(cnn_global_avgpool2d_backward(ctx.get(), g.get(), dx.get()), CNN_INVALID_ARGUMENT,
                         f + "dy [2,3,1,1] is on device 7 but the context is on device 0"));
  g->storage->device = cnn::DeviceType::Cpu;
}

}  // namespace
