// Every bad-argument path of cnn_conv2d_backward: null context/x/w/dy/params, no gradient requested, dy not the
// forward's output shape, dx/dw/db of the wrong shape, tensors on another device, gradients aliasing an input
// or each other, and the forward's own x/w/params checks (shared code). Status and message text each time.
#include <cnn/cnn.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "core/tensor.h"
#include "test_util.h"

namespace {

using namespace cnn_test;

// A valid call (x [2,3,7,7], w [4,3,3,3], dy [2,4,5,5] and all three gradients) that each test spoils in one place.
struct Args {
  ContextPtr ctx = make_context(1);
  TensorPtr x = make_tensor(ctx.get(), {2, 3, 7, 7});
  TensorPtr w = make_tensor(ctx.get(), {4, 3, 3, 3});
  TensorPtr dy = make_tensor(ctx.get(), {2, 4, 5, 5});
  TensorPtr dx = make_tensor(ctx.get(), {2, 3, 7, 7});
  TensorPtr dw = make_tensor(ctx.get(), {4, 3, 3, 3});
  TensorPtr db = make_tensor(ctx.get(), {4});
  cnn_conv2d_params p{1, 1, 0, 0, 0, 0, 1, 1};
  cnn_status run(const cnn_tensor* x_arg, const cnn_tensor* w_arg, const cnn_tensor* dy_arg, cnn_tensor* dx_arg,
                 cnn_tensor* dw_arg, cnn_tensor* db_arg) {
    return cnn_conv2d_backward(ctx.get(), x_arg, w_arg, dy_arg, &p, dx_arg, dw_arg, db_arg);
  }
  cnn_status with_dy(const cnn_tensor* dy_arg) { return run(x.get(), w.get(), dy_arg, dx.get(), dw.get(), db.get()); }
  cnn_status with_grads(cnn_tensor* dx_arg, cnn_tensor* dw_arg, cnn_tensor* db_arg) {
    return run(x.get(), w.get(), dy.get(), dx_arg, dw_arg, db_arg);
  }
  cnn_status with_params(cnn_conv2d_params q) {
    return cnn_conv2d_backward(ctx.get(), x.get(), w.get(), dy.get(), &q, dx.get(), dw.get(), db.get());
  }
};

TensorPtr view(const cnn_tensor* t, std::vector<int64_t> shape) {
  cnn_tensor* v = nullptr;
  EXPECT_EQ(cnn_tensor_reshape(t, shape.data(), shape.size(), &v), CNN_OK) << cnn_last_error_message();
  return TensorPtr(v);
}

TEST(Conv2dBackwardArgs, NullArguments) {
  Args a;
  ASSERT_EQ(a.with_grads(a.dx.get(), a.dw.get(), a.db.get()), CNN_OK) << cnn_last_error_message();
  EXPECT_TRUE(fails_with(cnn_conv2d_backward(nullptr, a.x.get(), a.w.get(), a.dy.get(), &a.p, a.dx.get(), a.dw.get(),
                                             a.db.get()),
                         CNN_INVALID_ARGUMENT, "cnn_conv2d_backward: context is null"));
  EXPECT_TRUE(fails_with(a.run(nullptr, a.w.get(), a.dy.get(), a.dx.get(), a.dw.get(), a.db.get()),
                         CNN_INVALID_ARGUMENT, "cnn_conv2d_backward: x is null"));
  EXPECT_TRUE(fails_with(a.run(a.x.get(), nullptr, a.dy.get(), a.dx.get(), a.dw.get(), a.db.get()),
                         CNN_INVALID_ARGUMENT, "cnn_conv2d_backward: w is null"));
  EXPECT_TRUE(fails_with(a.with_dy(nullptr), CNN_INVALID_ARGUMENT, "cnn_conv2d_backward: dy is null"));
  EXPECT_TRUE(fails_with(cnn_conv2d_backward(a.ctx.get(), a.x.get(), a.w.get(), a.dy.get(), nullptr, a.dx.get(),
                                             a.dw.get(), a.db.get()),
                         CNN_INVALID_ARGUMENT, "cnn_conv2d_backward: params is null"));
  EXPECT_TRUE(fails_with(a.with_grads(nullptr, nullptr, nullptr), CNN_INVALID_ARGUMENT,
                         "cnn_conv2d_backward: dx, dw and db are all null: at least one gradient must be requested"));
  // Any one gradient alone is a valid request.
  EXPECT_EQ(a.with_grads(a.dx.get(), nullptr, nullptr), CNN_OK) << cnn_last_error_message();
  EXPECT_EQ(a.with_grads(nullptr, a.dw.get(), nullptr), CNN_OK) << cnn_last_error_message();
  EXPECT_EQ(a.with_grads(nullptr, nullptr, a.db.get()), CNN_OK) << cnn_last_error_message();
}

TEST(Conv2dBackwardArgs, DyMustBeTheForwardsOutputShape) {
  Args a;
  // x [2,3,8,8] with a 3x3 kernel gives [2,4,6,6].
  TensorPtr x8 = make_tensor(a.ctx.get(), {2, 3, 8, 8});
  TensorPtr dx8 = make_tensor(a.ctx.get(), {2, 3, 8, 8});
  EXPECT_TRUE(fails_with(a.run(x8.get(), a.w.get(), a.dy.get(), dx8.get(), nullptr, nullptr), CNN_SHAPE_MISMATCH,
                         "cnn_conv2d_backward: dy is [2,4,5,5] but the output of the forward is [2,4,6,6] for x "
                         "[2,3,8,8] and w [4,3,3,3]"));
  TensorPtr dy_oc = make_tensor(a.ctx.get(), {2, 5, 5, 5});
  EXPECT_TRUE(fails_with(a.with_dy(dy_oc.get()), CNN_SHAPE_MISMATCH,
                         "dy is [2,5,5,5] but the output of the forward is [2,4,5,5]"));
  TensorPtr dy3 = make_tensor(a.ctx.get(), {8, 5, 5});
  EXPECT_TRUE(fails_with(a.with_dy(dy3.get()), CNN_SHAPE_MISMATCH,
                         "dy is [8,5,5] but the output of the forward is [2,4,5,5]"));
  // The padding of each side counts: pad_bottom 2 makes the forward's height 7.
  EXPECT_TRUE(fails_with(a.with_params({1, 1, 0, 2, 0, 0, 1, 1}), CNN_SHAPE_MISMATCH,
                         "dy is [2,4,5,5] but the output of the forward is [2,4,7,5]"));
}

TEST(Conv2dBackwardArgs, GradientShapes) {
  Args a;
  TensorPtr dx_bad = make_tensor(a.ctx.get(), {2, 3, 7, 6});
  EXPECT_TRUE(fails_with(a.with_grads(dx_bad.get(), a.dw.get(), a.db.get()), CNN_SHAPE_MISMATCH,
                         "cnn_conv2d_backward: dx is [2,3,7,6] but must be [2,3,7,7], the shape of x"));
  TensorPtr dx_rank = make_tensor(a.ctx.get(), {6, 7, 7});
  EXPECT_TRUE(fails_with(a.with_grads(dx_rank.get(), nullptr, nullptr), CNN_SHAPE_MISMATCH,
                         "dx is [6,7,7] but must be [2,3,7,7], the shape of x"));
  TensorPtr dw_bad = make_tensor(a.ctx.get(), {4, 3, 3, 2});
  EXPECT_TRUE(fails_with(a.with_grads(a.dx.get(), dw_bad.get(), a.db.get()), CNN_SHAPE_MISMATCH,
                         "dw is [4,3,3,2] but must be [4,3,3,3], the shape of w"));
  TensorPtr db_bad = make_tensor(a.ctx.get(), {5});
  EXPECT_TRUE(fails_with(a.with_grads(a.dx.get(), a.dw.get(), db_bad.get()), CNN_SHAPE_MISMATCH,
                         "db is [5] but must be [4], one value per output channel"));
  TensorPtr db_rank = make_tensor(a.ctx.get(), {4, 1});
  EXPECT_TRUE(fails_with(a.with_grads(nullptr, nullptr, db_rank.get()), CNN_SHAPE_MISMATCH,
                         "db is [4,1] but must be [4]"));
  // A failed call writes nothing: dx keeps what it held.
  std::vector<float> marker(2 * 3 * 7 * 7, 3.5f);
  ASSERT_EQ(cnn_tensor_write(a.dx.get(), marker.data(), marker.size()), CNN_OK);
  std::vector<float> ones(2 * 4 * 5 * 5, 1.0f);
  ASSERT_EQ(cnn_tensor_write(a.dy.get(), ones.data(), ones.size()), CNN_OK);
  EXPECT_EQ(a.with_grads(a.dx.get(), a.dw.get(), db_bad.get()), CNN_SHAPE_MISMATCH);
  EXPECT_EQ(read_tensor(a.dx.get()), marker);
}

TEST(Conv2dBackwardArgs, SharesTheForwardsChecks) {
  Args a;
  TensorPtr x3 = make_tensor(a.ctx.get(), {3, 7, 7});
  EXPECT_TRUE(fails_with(a.run(x3.get(), a.w.get(), a.dy.get(), nullptr, a.dw.get(), nullptr), CNN_SHAPE_MISMATCH,
                         "x is [3,7,7] (rank 3) but must have rank 4"));
  TensorPtr w2 = make_tensor(a.ctx.get(), {4, 2, 3, 3});
  EXPECT_TRUE(fails_with(a.run(a.x.get(), w2.get(), a.dy.get(), a.dx.get(), nullptr, nullptr), CNN_SHAPE_MISMATCH,
                         "cnn_conv2d_backward: x is [2,3,7,7] but w is [4,2,3,3]: input channels 3 != 2"));
  TensorPtr w9 = make_tensor(a.ctx.get(), {4, 3, 9, 9});
  EXPECT_TRUE(fails_with(a.run(a.x.get(), w9.get(), a.dy.get(), a.dx.get(), nullptr, nullptr), CNN_SHAPE_MISMATCH,
                         "x is [2,3,7,7] and w is [4,3,9,9]: height: padded input 7 (7 + 0 + 0) is smaller than "
                         "the dilated window 9"));
  EXPECT_TRUE(fails_with(a.with_params({0, 1, 0, 0, 0, 0, 1, 1}), CNN_INVALID_ARGUMENT,
                         "params->stride_h is 0 but must be >= 1"));
  EXPECT_TRUE(fails_with(a.with_params({1, 1, 0, 0, 0, 0, 1, 0}), CNN_INVALID_ARGUMENT,
                         "params->dilation_w is 0 but must be >= 1"));
  EXPECT_TRUE(fails_with(a.with_params({1, 1, 0, 0, -1, 0, 1, 1}), CNN_INVALID_ARGUMENT,
                         "params->pad_left is -1 but must be >= 0"));
}

TEST(Conv2dBackwardArgs, GradientsMustNotAlias) {
  Args a;
  // Directly: dx is x, dw is w.
  EXPECT_TRUE(fails_with(a.with_grads(a.x.get(), nullptr, nullptr), CNN_INVALID_ARGUMENT,
                         "cnn_conv2d_backward: dx [2,3,7,7] shares its storage with x [2,3,7,7]; the output must be "
                         "a separate tensor"));
  EXPECT_TRUE(fails_with(a.with_grads(nullptr, a.w.get(), nullptr), CNN_INVALID_ARGUMENT,
                         "dw [4,3,3,3] shares its storage with w [4,3,3,3]"));
  // Through reshape views, on x [1,1,3,3], w [1,1,1,1]: dy and dx are both [1,1,3,3], dw [1,1,1,1], db [1].
  ContextPtr ctx = make_context(1);
  cnn_conv2d_params p{1, 1, 0, 0, 0, 0, 1, 1};
  TensorPtr x = make_tensor(ctx.get(), {1, 1, 3, 3});
  TensorPtr w = make_tensor(ctx.get(), {1, 1, 1, 1});
  TensorPtr dy = make_tensor(ctx.get(), {1, 1, 3, 3});
  TensorPtr dw = make_tensor(ctx.get(), {1, 1, 1, 1});
  TensorPtr dx_over_dy = view(dy.get(), {1, 1, 3, 3});
  TensorPtr db_over_w = view(w.get(), {1});
  TensorPtr db_over_dw = view(dw.get(), {1});
  auto run = [&](cnn_tensor* dx_arg, cnn_tensor* dw_arg, cnn_tensor* db_arg) {
    return cnn_conv2d_backward(ctx.get(), x.get(), w.get(), dy.get(), &p, dx_arg, dw_arg, db_arg);
  };
  EXPECT_TRUE(fails_with(run(dx_over_dy.get(), nullptr, nullptr), CNN_INVALID_ARGUMENT,
                         "dx [1,1,3,3] shares its storage with dy [1,1,3,3]"));
  EXPECT_TRUE(fails_with(run(nullptr, nullptr, db_over_w.get()), CNN_INVALID_ARGUMENT,
                         "db [1] shares its storage with w [1,1,1,1]"));
  EXPECT_TRUE(fails_with(run(nullptr, dw.get(), db_over_dw.get()), CNN_INVALID_ARGUMENT,
                         "db [1] shares its storage with dw [1,1,1,1]"));
  // Two gradients in one tensor: x [1,1,1,1] makes dx and dw the same shape.
  TensorPtr x1 = make_tensor(ctx.get(), {1, 1, 1, 1});
  TensorPtr dy1 = make_tensor(ctx.get(), {1, 1, 1, 1});
  TensorPtr g = make_tensor(ctx.get(), {1, 1, 1, 1});
  EXPECT_TRUE(fails_with(cnn_conv2d_backward(ctx.get(), x1.get(), w.get(), dy1.get(), &p, g.get(), g.get(), nullptr),
                         CNN_INVALID_ARGUMENT, "dw [1,1,1,1] shares its storage with dx [1,1,1,1]"));
}

TEST(Conv2dBackwardArgs, TensorOnAnotherDevice) {
  Args a;
  // A CPU tensor whose storage claims another device: the stand-in for an OpenCL tensor until one exists.
  auto foreign = [&](std::vector<int64_t> shape) {
    TensorPtr t = make_tensor(a.ctx.get(), std::move(shape));
    t->storage->device = static_cast<cnn::DeviceType>(1);
    return t;
  };
  TensorPtr dy = foreign({2, 4, 5, 5});
  EXPECT_TRUE(fails_with(a.with_dy(dy.get()), CNN_INVALID_ARGUMENT,
                         "dy [2,4,5,5] is on device 1 but the context is on device 0"));
  TensorPtr dw = foreign({4, 3, 3, 3});
  EXPECT_TRUE(fails_with(a.with_grads(a.dx.get(), dw.get(), a.db.get()), CNN_INVALID_ARGUMENT,
                         "dw [4,3,3,3] is on device 1 but the context is on device 0"));
  TensorPtr x = foreign({2, 3, 7, 7});
  EXPECT_TRUE(fails_with(a.run(x.get(), a.w.get(), a.dy.get(), a.dx.get(), nullptr, nullptr), CNN_INVALID_ARGUMENT,
                         "x [2,3,7,7] is on device 1"));
}

}  // namespace
