// Pooling argument checks through the C ABI: every bad-argument path of cnn_maxpool2d_forward,
// cnn_avgpool2d_forward and cnn_global_avgpool2d_forward, asserting the status and the message text.
#include <cnn/cnn.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "test_util.h"

namespace {

using namespace cnn_test;

using PoolFn = cnn_status (*)(cnn_context*, const cnn_tensor*, const cnn_pool2d_params*, cnn_tensor*);

cnn_pool2d_params pool(int32_t kh, int32_t kw, int32_t sh, int32_t sw, int32_t pt, int32_t pb, int32_t pl,
                       int32_t pr, int32_t count_include_pad = 0) {
  return {kh, kw, sh, sw, pt, pb, pl, pr, count_include_pad};
}

// ---- bad arguments: the status and the message ---------------------------------------------------

class Pool2dArgsTest : public ::testing::Test {
 protected:
  struct Op {
    PoolFn fn;
    const char* name;
  };
  static constexpr Op kOps[] = {{cnn_maxpool2d_forward, "cnn_maxpool2d_forward"},
                                {cnn_avgpool2d_forward, "cnn_avgpool2d_forward"}};

  ContextPtr ctx = make_context();
  TensorPtr x = make_tensor(ctx.get(), {2, 3, 5, 5});
  TensorPtr y = make_tensor(ctx.get(), {2, 3, 4, 4});  // kernel 2, stride 1, no padding
  cnn_pool2d_params p = pool(2, 2, 1, 1, 0, 0, 0, 0);

  // Every pooling op rejects q with `status` and a message holding "<function>: <needle>".
  void expect_rejected(cnn_pool2d_params q, cnn_status status, const std::string& needle) {
    for (const Op& op : kOps)
      EXPECT_TRUE(fails_with(op.fn(ctx.get(), x.get(), &q, y.get()), status, std::string(op.name) + ": " + needle));
  }
};

TEST_F(Pool2dArgsTest, ValidCallSucceedsAndClearsTheMessage) {
  for (const Op& op : kOps) {
    ASSERT_EQ(op.fn(ctx.get(), x.get(), &p, nullptr), CNN_INVALID_ARGUMENT);
    EXPECT_EQ(op.fn(ctx.get(), x.get(), &p, y.get()), CNN_OK) << cnn_last_error_message();
    EXPECT_STREQ(cnn_last_error_message(), "");
  }
}

TEST_F(Pool2dArgsTest, NullArgumentsAreRejected) {
  for (const Op& op : kOps) {
    const std::string f = std::string(op.name) + ": ";
    EXPECT_TRUE(fails_with(op.fn(nullptr, x.get(), &p, y.get()), CNN_INVALID_ARGUMENT, f + "context is null"));
    EXPECT_TRUE(fails_with(op.fn(ctx.get(), nullptr, &p, y.get()), CNN_INVALID_ARGUMENT, f + "x is null"));
    EXPECT_TRUE(fails_with(op.fn(ctx.get(), x.get(), nullptr, y.get()), CNN_INVALID_ARGUMENT, f + "params is null"));
    EXPECT_TRUE(fails_with(op.fn(ctx.get(), x.get(), &p, nullptr), CNN_INVALID_ARGUMENT, f + "y is null"));
  }
}

TEST_F(Pool2dArgsTest, InputMustBeRank4) {
  x = make_tensor(ctx.get(), {2, 3, 5});
  expect_rejected(p, CNN_SHAPE_MISMATCH, "x is [2,3,5] (rank 3) but must have rank 4");
}

TEST_F(Pool2dArgsTest, KernelAndStrideBelowOneAreRejected) {
  cnn_pool2d_params q = p;
  q.kernel_h = 0;
  expect_rejected(q, CNN_INVALID_ARGUMENT, "kernel_h 0 must be >= 1");
  q = p;
  q.kernel_w = -2;
  expect_rejected(q, CNN_INVALID_ARGUMENT, "kernel_w -2 must be >= 1");
  q = p;
  q.stride_h = 0;
  expect_rejected(q, CNN_INVALID_ARGUMENT, "stride_h 0 must be >= 1");
  q = p;
  q.stride_w = -1;
  expect_rejected(q, CNN_INVALID_ARGUMENT, "stride_w -1 must be >= 1");
}

TEST_F(Pool2dArgsTest, NegativePaddingIsRejected) {
  int32_t cnn_pool2d_params::*pads[] = {&cnn_pool2d_params::pad_top, &cnn_pool2d_params::pad_bottom,
                                        &cnn_pool2d_params::pad_left, &cnn_pool2d_params::pad_right};
  const char* names[] = {"pad_top", "pad_bottom", "pad_left", "pad_right"};
  for (int i = 0; i < 4; ++i) {
    cnn_pool2d_params q = p;
    q.*pads[i] = -1;
    expect_rejected(q, CNN_INVALID_ARGUMENT, std::string(names[i]) + " -1 must be >= 0");
  }
}

TEST_F(Pool2dArgsTest, PadMustBeSmallerThanKernel) {
  expect_rejected(pool(3, 3, 1, 1, 3, 0, 0, 0), CNN_INVALID_ARGUMENT, "pad_top 3 must be smaller than kernel_h 3");
  expect_rejected(pool(3, 3, 1, 1, 0, 4, 0, 0), CNN_INVALID_ARGUMENT, "pad_bottom 4 must be smaller than kernel_h 3");
  expect_rejected(pool(3, 2, 1, 1, 0, 0, 2, 0), CNN_INVALID_ARGUMENT, "pad_left 2 must be smaller than kernel_w 2");
  expect_rejected(pool(3, 2, 1, 1, 0, 0, 0, 2), CNN_INVALID_ARGUMENT, "pad_right 2 must be smaller than kernel_w 2");
}

TEST_F(Pool2dArgsTest, CountIncludePadMustBe0Or1) {
  expect_rejected(pool(2, 2, 1, 1, 0, 0, 0, 0, 2), CNN_INVALID_ARGUMENT, "count_include_pad 2 must be 0 or 1");
  expect_rejected(pool(2, 2, 1, 1, 0, 0, 0, 0, -1), CNN_INVALID_ARGUMENT, "count_include_pad -1 must be 0 or 1");
}

TEST_F(Pool2dArgsTest, WindowLargerThanPaddedInputIsRejected) {
  x = make_tensor(ctx.get(), {1, 1, 2, 6});
  expect_rejected(pool(3, 1, 1, 1, 0, 0, 0, 0), CNN_SHAPE_MISMATCH,
                  "x is [1,1,2,6]: height 2 plus pad_top 0 and pad_bottom 0 is smaller than kernel_h 3");
  x = make_tensor(ctx.get(), {1, 1, 6, 1});
  expect_rejected(pool(1, 4, 1, 1, 0, 0, 1, 1), CNN_SHAPE_MISMATCH,
                  "x is [1,1,6,1]: width 1 plus pad_left 1 and pad_right 1 is smaller than kernel_w 4");
}

TEST_F(Pool2dArgsTest, WrongOutputShapeIsRejected) {
  // kernel 1 keeps 5x5, so the [2,3,4,4] y is wrong.
  expect_rejected(pool(1, 1, 1, 1, 0, 0, 0, 0), CNN_SHAPE_MISMATCH, "y is [2,3,4,4] but the output must be [2,3,5,5]");
  y = make_tensor(ctx.get(), {2, 4, 4, 4});
  expect_rejected(p, CNN_SHAPE_MISMATCH, "y is [2,4,4,4] but the output must be [2,3,4,4]");
  y = make_tensor(ctx.get(), {2, 3, 16});  // same element count, wrong rank
  expect_rejected(p, CNN_SHAPE_MISMATCH, "y is [2,3,16] but the output must be [2,3,4,4]");
  // stride 2 with pad_bottom 1: (5 + 1 - 2) / 2 + 1 = 3 rows, (5 - 2) / 2 + 1 = 2 columns.
  y = make_tensor(ctx.get(), {2, 3, 2, 2});
  expect_rejected(pool(2, 2, 2, 2, 0, 1, 0, 0), CNN_SHAPE_MISMATCH, "y is [2,3,2,2] but the output must be [2,3,3,2]");
}

TEST_F(Pool2dArgsTest, OutputMustNotShareStorageWithInput) {
  const cnn_pool2d_params k1 = pool(1, 1, 1, 1, 0, 0, 0, 0);
  for (const Op& op : kOps) {
    EXPECT_TRUE(fails_with(op.fn(ctx.get(), x.get(), &k1, x.get()), CNN_INVALID_ARGUMENT,
                           std::string(op.name) + ": y [2,3,5,5] shares its storage with x [2,3,5,5]; " +
                               "the output must be a separate tensor"));
  }
  // A reshape view is another handle over the same storage.
  const int64_t shape[] = {2, 3, 5, 5};
  cnn_tensor* view = nullptr;
  ASSERT_EQ(cnn_tensor_reshape(x.get(), shape, 4, &view), CNN_OK);
  y.reset(view);
  expect_rejected(k1, CNN_INVALID_ARGUMENT, "y [2,3,5,5] shares its storage with x [2,3,5,5]");
}

// No second device exists yet, so the test marks a tensor's storage as foreign by hand.
TEST_F(Pool2dArgsTest, TensorsOnAnotherDeviceAreRejected) {
  const auto foreign = static_cast<cnn::DeviceType>(7);
  x->storage->device = foreign;
  expect_rejected(p, CNN_INVALID_ARGUMENT, "x [2,3,5,5] is on device 7 but the context is on device 0");
  x->storage->device = cnn::DeviceType::Cpu;
  y->storage->device = foreign;
  expect_rejected(p, CNN_INVALID_ARGUMENT, "y [2,3,4,4] is on device 7 but the context is on device 0");
  y->storage->device = cnn::DeviceType::Cpu;
}

TEST_F(Pool2dArgsTest, GlobalAvgPoolArgumentsAreChecked) {
  const std::string f = "cnn_global_avgpool2d_forward: ";
  TensorPtr g = make_tensor(ctx.get(), {2, 3, 1, 1});
  ASSERT_EQ(cnn_global_avgpool2d_forward(ctx.get(), x.get(), g.get()), CNN_OK) << cnn_last_error_message();
  EXPECT_TRUE(fails_with(cnn_global_avgpool2d_forward(nullptr, x.get(), g.get()), CNN_INVALID_ARGUMENT,
                         f + "context is null"));
  EXPECT_TRUE(fails_with(cnn_global_avgpool2d_forward(ctx.get(), nullptr, g.get()), CNN_INVALID_ARGUMENT,
                         f + "x is null"));
  EXPECT_TRUE(fails_with(cnn_global_avgpool2d_forward(ctx.get(), x.get(), nullptr), CNN_INVALID_ARGUMENT,
                         f + "y is null"));
  TensorPtr flat = make_tensor(ctx.get(), {2, 75});
  EXPECT_TRUE(fails_with(cnn_global_avgpool2d_forward(ctx.get(), flat.get(), g.get()), CNN_SHAPE_MISMATCH,
                         f + "x is [2,75] (rank 2) but must have rank 4"));
  for (const std::vector<int64_t>& bad : {std::vector<int64_t>{2, 3}, {2, 3, 2, 1}, {3, 2, 1, 1}, {2, 3, 1, 1, 1}}) {
    TensorPtr b = make_tensor(ctx.get(), bad);
    EXPECT_TRUE(fails_with(cnn_global_avgpool2d_forward(ctx.get(), x.get(), b.get()), CNN_SHAPE_MISMATCH,
                           f + "y is " + shape_text(bad) + " but the output must be [2,3,1,1]"));
  }
  TensorPtr planes = make_tensor(ctx.get(), {1, 4, 1, 1});
  EXPECT_TRUE(fails_with(cnn_global_avgpool2d_forward(ctx.get(), planes.get(), planes.get()), CNN_INVALID_ARGUMENT,
                         f + "y [1,4,1,1] shares its storage with x [1,4,1,1]; the output must be a separate tensor"));
  x->storage->device = static_cast<cnn::DeviceType>(7);
  EXPECT_TRUE(fails_with(cnn_global_avgpool2d_forward(ctx.get(), x.get(), g.get()), CNN_INVALID_ARGUMENT,
                         f + "x [2,3,5,5] is on device 7 but the context is on device 0"));
  x->storage->device = cnn::DeviceType::Cpu;
}

}  // namespace
