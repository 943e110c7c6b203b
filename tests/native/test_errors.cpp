// Every bad-argument path of the context, tensor, library, conv2d and dense entry points: the status and
// a message that names the function and the numbers. Also: the message is "" after a successful call,
// is kept per thread, and destroy calls leave it alone.
#include <cnn/cnn.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "core/tensor.h"
#include "test_util.h"

namespace {

using namespace cnn_test;

// ---- context ------------------------------------------------------------------------------------

TEST(Errors, ContextArguments) {
  cnn_context* c = nullptr;
  EXPECT_TRUE(fails_with(cnn_context_create(1, nullptr), CNN_INVALID_ARGUMENT, "cnn_context_create: out is null"));
  EXPECT_TRUE(fails_with(cnn_context_create(-1, &c), CNN_INVALID_ARGUMENT, "num_threads -1 is negative"));
  EXPECT_EQ(c, nullptr);
  EXPECT_TRUE(fails_with(cnn_context_create(100000, &c), CNN_INVALID_ARGUMENT, "num_threads 100000 exceeds"));
  int32_t threads = 0;
  EXPECT_TRUE(fails_with(cnn_context_threads(nullptr, &threads), CNN_INVALID_ARGUMENT, "context is null"));
  ContextPtr ctx = make_context(2);
  EXPECT_TRUE(fails_with(cnn_context_threads(ctx.get(), nullptr), CNN_INVALID_ARGUMENT, "out is null"));
  EXPECT_TRUE(fails_with(cnn_context_set_threads(nullptr, 1), CNN_INVALID_ARGUMENT, "context is null"));
  EXPECT_TRUE(fails_with(cnn_context_set_threads(ctx.get(), -2), CNN_INVALID_ARGUMENT,
                         "cnn_context_set_threads: num_threads -2 is negative"));
  ASSERT_EQ(cnn_context_threads(ctx.get(), &threads), CNN_OK);
  EXPECT_EQ(threads, 2);  // a failed set leaves the count alone
}

// ---- tensor -------------------------------------------------------------------------------------

TEST(Errors, TensorCreateArguments) {
  ContextPtr ctx = make_context(1);
  cnn_tensor* t = nullptr;
  const int64_t ok[] = {3, 4};
  EXPECT_TRUE(fails_with(cnn_tensor_create(nullptr, ok, 2, &t), CNN_INVALID_ARGUMENT, "context is null"));
  EXPECT_TRUE(fails_with(cnn_tensor_create(ctx.get(), ok, 2, nullptr), CNN_INVALID_ARGUMENT, "out is null"));
  EXPECT_TRUE(fails_with(cnn_tensor_create(ctx.get(), nullptr, 2, &t), CNN_INVALID_ARGUMENT,
                         "shape is null but rank is 2"));
  EXPECT_TRUE(fails_with(cnn_tensor_create(ctx.get(), ok, 0, &t), CNN_INVALID_ARGUMENT, "rank 0 is outside 1..8"));
  const int64_t nine[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
  EXPECT_TRUE(fails_with(cnn_tensor_create(ctx.get(), nine, 9, &t), CNN_INVALID_ARGUMENT, "rank 9 is outside 1..8"));
  const int64_t zero[] = {3, 0};
  EXPECT_TRUE(fails_with(cnn_tensor_create(ctx.get(), zero, 2, &t), CNN_INVALID_ARGUMENT,
                         "cnn_tensor_create: shape [3,0] has dimension 1 = 0"));
  const int64_t negative[] = {3, -1, 2};
  EXPECT_TRUE(fails_with(cnn_tensor_create(ctx.get(), negative, 3, &t), CNN_INVALID_ARGUMENT,
                         "shape [3,-1,2] has dimension 1 = -1"));
  const int64_t huge[] = {int64_t{1} << 40, int64_t{1} << 40};
  EXPECT_TRUE(fails_with(cnn_tensor_create(ctx.get(), huge, 2, &t), CNN_OUT_OF_MEMORY,
                         "shape [1099511627776,1099511627776] has more elements than memory can hold"));
  const int64_t wraps[] = {int64_t{1} << 32, int64_t{1} << 32, 4};  // 2^66 wraps to 0 in 64 bits
  EXPECT_TRUE(fails_with(cnn_tensor_create(ctx.get(), wraps, 3, &t), CNN_OUT_OF_MEMORY, "[4294967296,4294967296,4]"));
  EXPECT_EQ(t, nullptr);
}

TEST(Errors, TensorQueryArguments) {
  ContextPtr ctx = make_context(1);
  TensorPtr t = make_tensor(ctx.get(), {3, 4, 5});
  size_t n = 0;
  int64_t shape[3] = {};
  EXPECT_TRUE(fails_with(cnn_tensor_rank(nullptr, &n), CNN_INVALID_ARGUMENT, "cnn_tensor_rank: tensor is null"));
  EXPECT_TRUE(fails_with(cnn_tensor_rank(t.get(), nullptr), CNN_INVALID_ARGUMENT, "out is null"));
  EXPECT_TRUE(fails_with(cnn_tensor_element_count(nullptr, &n), CNN_INVALID_ARGUMENT, "tensor is null"));
  EXPECT_TRUE(fails_with(cnn_tensor_element_count(t.get(), nullptr), CNN_INVALID_ARGUMENT, "out is null"));
  EXPECT_TRUE(fails_with(cnn_tensor_shape(nullptr, shape, 3), CNN_INVALID_ARGUMENT, "tensor is null"));
  EXPECT_TRUE(fails_with(cnn_tensor_shape(t.get(), nullptr, 3), CNN_INVALID_ARGUMENT, "shape is null"));
  EXPECT_TRUE(fails_with(cnn_tensor_shape(t.get(), shape, 2), CNN_INVALID_ARGUMENT,
                         "capacity 2 is smaller than the rank 3 of tensor [3,4,5]"));
  float* data = nullptr;
  EXPECT_TRUE(fails_with(cnn_tensor_data(nullptr, &data), CNN_INVALID_ARGUMENT, "tensor is null"));
  EXPECT_TRUE(fails_with(cnn_tensor_data(t.get(), nullptr), CNN_INVALID_ARGUMENT, "out is null"));
}

TEST(Errors, TensorReadWriteCounts) {
  ContextPtr ctx = make_context(1);
  TensorPtr t = make_tensor(ctx.get(), {3, 4});
  std::vector<float> buffer(20);
  EXPECT_TRUE(fails_with(cnn_tensor_write(t.get(), buffer.data(), 10), CNN_INVALID_ARGUMENT,
                         "cnn_tensor_write: count 10 != element count 12 of tensor [3,4]"));
  EXPECT_TRUE(fails_with(cnn_tensor_read(t.get(), buffer.data(), 13), CNN_INVALID_ARGUMENT,
                         "cnn_tensor_read: count 13 != element count 12 of tensor [3,4]"));
  EXPECT_TRUE(fails_with(cnn_tensor_write(nullptr, buffer.data(), 12), CNN_INVALID_ARGUMENT, "tensor is null"));
  EXPECT_TRUE(fails_with(cnn_tensor_read(nullptr, buffer.data(), 12), CNN_INVALID_ARGUMENT, "tensor is null"));
  EXPECT_TRUE(fails_with(cnn_tensor_write(t.get(), nullptr, 12), CNN_INVALID_ARGUMENT, "src is null"));
  EXPECT_TRUE(fails_with(cnn_tensor_read(t.get(), nullptr, 12), CNN_INVALID_ARGUMENT, "dst is null"));
}

TEST(Errors, TensorReshapeArguments) {
  ContextPtr ctx = make_context(1);
  TensorPtr t = make_tensor(ctx.get(), {3, 4});
  cnn_tensor* view = nullptr;
  const int64_t ten[] = {5, 2};
  EXPECT_TRUE(fails_with(cnn_tensor_reshape(t.get(), ten, 2, &view), CNN_SHAPE_MISMATCH,
                         "cannot view tensor [3,4] (12 elements) as [5,2] (10 elements)"));
  EXPECT_EQ(view, nullptr);
  const int64_t twelve[] = {12};
  EXPECT_TRUE(fails_with(cnn_tensor_reshape(nullptr, twelve, 1, &view), CNN_INVALID_ARGUMENT, "tensor is null"));
  EXPECT_TRUE(fails_with(cnn_tensor_reshape(t.get(), twelve, 1, nullptr), CNN_INVALID_ARGUMENT, "out is null"));
  EXPECT_TRUE(fails_with(cnn_tensor_reshape(t.get(), twelve, 0, &view), CNN_INVALID_ARGUMENT, "rank 0"));
  const int64_t bad[] = {-12, -1};
  EXPECT_TRUE(fails_with(cnn_tensor_reshape(t.get(), bad, 2, &view), CNN_INVALID_ARGUMENT,
                         "shape [-12,-1] has dimension 0 = -12"));
}

// A CPU tensor whose storage claims another device: the stand-in for an OpenCL tensor until one exists.
TensorPtr foreign_device_tensor(cnn_context* ctx, std::vector<int64_t> shape) {
  TensorPtr t = make_tensor(ctx, std::move(shape));
  t->storage->device = static_cast<cnn::DeviceType>(1);
  return t;
}

TEST(Errors, TensorOnAnotherDevice) {
  ContextPtr ctx = make_context(1);
  TensorPtr t = foreign_device_tensor(ctx.get(), {2, 2});
  std::vector<float> buffer(4);
  float* data = nullptr;
  EXPECT_TRUE(fails_with(cnn_tensor_data(t.get(), &data), CNN_UNSUPPORTED, "tensor [2,2] is on device 1"));
  EXPECT_TRUE(fails_with(cnn_tensor_read(t.get(), buffer.data(), 4), CNN_UNSUPPORTED, "is on device 1"));
  EXPECT_TRUE(fails_with(cnn_tensor_write(t.get(), buffer.data(), 4), CNN_UNSUPPORTED, "is on device 1"));
}

// ---- window size --------------------------------------------------------------------------------

TEST(Errors, WindowOutputSizeArguments) {
  int64_t out = 0;
  EXPECT_TRUE(fails_with(cnn_window_output_size(5, 3, 1, 0, 0, 1, nullptr), CNN_INVALID_ARGUMENT, "out is null"));
  EXPECT_TRUE(fails_with(cnn_window_output_size(0, 3, 1, 0, 0, 1, &out), CNN_INVALID_ARGUMENT,
                         "input 0 must be >= 1"));
  EXPECT_TRUE(fails_with(cnn_window_output_size(5, 0, 1, 0, 0, 1, &out), CNN_INVALID_ARGUMENT,
                         "kernel 0 must be >= 1"));
  EXPECT_TRUE(fails_with(cnn_window_output_size(5, 3, 0, 0, 0, 1, &out), CNN_INVALID_ARGUMENT,
                         "stride 0 must be >= 1"));
  EXPECT_TRUE(fails_with(cnn_window_output_size(5, 3, 1, -1, 0, 1, &out), CNN_INVALID_ARGUMENT,
                         "pad_begin -1 must be >= 0"));
  EXPECT_TRUE(fails_with(cnn_window_output_size(5, 3, 1, 0, -2, 1, &out), CNN_INVALID_ARGUMENT,
                         "pad_end -2 must be >= 0"));
  EXPECT_TRUE(fails_with(cnn_window_output_size(5, 3, 1, 0, 0, 0, &out), CNN_INVALID_ARGUMENT,
                         "dilation 0 must be >= 1"));
  EXPECT_TRUE(fails_with(cnn_window_output_size(3, 4, 1, 1, 0, 2, &out), CNN_SHAPE_MISMATCH,
                         "cnn_window_output_size: padded input 4 (3 + 1 + 0) is smaller than the dilated window 7 "
                         "(kernel 4, dilation 2)"));
  EXPECT_TRUE(fails_with(cnn_window_output_size(INT64_MAX, 1, 1, 1, 0, 1, &out), CNN_INVALID_ARGUMENT,
                         "input 9223372036854775807 plus padding 1 + 0 overflows"));
}

// ---- conv2d -------------------------------------------------------------------------------------

// A valid call (x [2,3,7,7], w [4,3,3,3], bias [4], y [2,4,5,5]) that each test spoils in one place.
struct ConvArgs {
  ContextPtr ctx = make_context(1);
  TensorPtr x = make_tensor(ctx.get(), {2, 3, 7, 7});
  TensorPtr w = make_tensor(ctx.get(), {4, 3, 3, 3});
  TensorPtr b = make_tensor(ctx.get(), {4});
  TensorPtr y = make_tensor(ctx.get(), {2, 4, 5, 5});
  cnn_conv2d_params p{1, 1, 0, 0, 0, 0, 1, 1};
  cnn_status run(const cnn_tensor* x_arg, const cnn_tensor* w_arg, const cnn_tensor* b_arg,
                 const cnn_conv2d_params* p_arg, cnn_tensor* y_arg) {
    return cnn_conv2d_forward(ctx.get(), x_arg, w_arg, b_arg, p_arg, y_arg);
  }
  cnn_status run_with(cnn_conv2d_params q) {
    return cnn_conv2d_forward(ctx.get(), x.get(), w.get(), b.get(), &q, y.get());
  }
};

TEST(Errors, Conv2dNullArguments) {
  ConvArgs a;
  ASSERT_EQ(a.run(a.x.get(), a.w.get(), a.b.get(), &a.p, a.y.get()), CNN_OK) << cnn_last_error_message();
  ASSERT_EQ(a.run(a.x.get(), a.w.get(), nullptr, &a.p, a.y.get()), CNN_OK) << cnn_last_error_message();
  EXPECT_TRUE(fails_with(cnn_conv2d_forward(nullptr, a.x.get(), a.w.get(), a.b.get(), &a.p, a.y.get()),
                         CNN_INVALID_ARGUMENT, "cnn_conv2d_forward: context is null"));
  EXPECT_TRUE(fails_with(a.run(nullptr, a.w.get(), a.b.get(), &a.p, a.y.get()), CNN_INVALID_ARGUMENT, "x is null"));
  EXPECT_TRUE(fails_with(a.run(a.x.get(), nullptr, a.b.get(), &a.p, a.y.get()), CNN_INVALID_ARGUMENT, "w is null"));
  EXPECT_TRUE(fails_with(a.run(a.x.get(), a.w.get(), a.b.get(), nullptr, a.y.get()), CNN_INVALID_ARGUMENT,
                         "params is null"));
  EXPECT_TRUE(fails_with(a.run(a.x.get(), a.w.get(), a.b.get(), &a.p, nullptr), CNN_INVALID_ARGUMENT, "y is null"));
}

TEST(Errors, Conv2dShapes) {
  ConvArgs a;
  TensorPtr x3 = make_tensor(a.ctx.get(), {3, 7, 7});
  EXPECT_TRUE(fails_with(a.run(x3.get(), a.w.get(), a.b.get(), &a.p, a.y.get()), CNN_SHAPE_MISMATCH,
                         "x is [3,7,7] (rank 3) but must have rank 4"));
  TensorPtr b2 = make_tensor(a.ctx.get(), {2, 2});
  EXPECT_TRUE(fails_with(a.run(a.x.get(), a.w.get(), b2.get(), &a.p, a.y.get()), CNN_SHAPE_MISMATCH,
                         "bias is [2,2] (rank 2) but must have rank 1"));
  TensorPtr b5 = make_tensor(a.ctx.get(), {5});
  EXPECT_TRUE(fails_with(a.run(a.x.get(), a.w.get(), b5.get(), &a.p, a.y.get()), CNN_SHAPE_MISMATCH,
                         "bias is [5] but w is [4,3,3,3]: bias must be [4]"));
  // The example from the style guide, literally.
  TensorPtr x64 = make_tensor(a.ctx.get(), {64, 3, 28, 28});
  TensorPtr w1 = make_tensor(a.ctx.get(), {32, 1, 5, 5});
  TensorPtr y64 = make_tensor(a.ctx.get(), {64, 32, 24, 24});
  EXPECT_TRUE(fails_with(a.run(x64.get(), w1.get(), nullptr, &a.p, y64.get()), CNN_SHAPE_MISMATCH,
                         "cnn_conv2d_forward: x is [64,3,28,28] but w is [32,1,5,5]: input channels 3 != 1"));
  // Wrong output shape: x [2,3,8,8] with a 3x3 kernel gives [2,4,6,6].
  TensorPtr x8 = make_tensor(a.ctx.get(), {2, 3, 8, 8});
  EXPECT_TRUE(fails_with(a.run(x8.get(), a.w.get(), a.b.get(), &a.p, a.y.get()), CNN_SHAPE_MISMATCH,
                         "y is [2,4,5,5] but the output must be [2,4,6,6]"));
  TensorPtr y_oc = make_tensor(a.ctx.get(), {2, 5, 5, 5});
  EXPECT_TRUE(fails_with(a.run(a.x.get(), a.w.get(), a.b.get(), &a.p, y_oc.get()), CNN_SHAPE_MISMATCH,
                         "y is [2,5,5,5] but the output must be [2,4,5,5]"));
  // Each side's padding counts on its own: pad_bottom 2 makes the height 7, pad_right 1 the width 6.
  EXPECT_TRUE(fails_with(a.run_with({1, 1, 0, 2, 0, 0, 1, 1}), CNN_SHAPE_MISMATCH,
                         "y is [2,4,5,5] but the output must be [2,4,7,5]"));
  EXPECT_TRUE(fails_with(a.run_with({1, 1, 0, 0, 0, 1, 1, 1}), CNN_SHAPE_MISMATCH,
                         "y is [2,4,5,5] but the output must be [2,4,5,6]"));
  // Window larger than the padded input: a 9x9 kernel on 7x7 with pad_top 1.
  TensorPtr w9 = make_tensor(a.ctx.get(), {4, 3, 9, 9});
  cnn_conv2d_params pad1{1, 1, 1, 0, 1, 1, 1, 1};
  EXPECT_TRUE(fails_with(a.run(a.x.get(), w9.get(), nullptr, &pad1, a.y.get()), CNN_SHAPE_MISMATCH,
                         "x is [2,3,7,7] and w is [4,3,9,9]: height: padded input 8 (7 + 1 + 0) is smaller than "
                         "the dilated window 9"));
  // Dilation 4 spreads a 3-wide kernel over 9 columns, more than the unpadded 7.
  EXPECT_TRUE(fails_with(a.run_with({1, 1, 0, 0, 0, 0, 1, 4}), CNN_SHAPE_MISMATCH,
                         "width: padded input 7 (7 + 0 + 0) is smaller than the dilated window 9 (kernel 3, "
                         "dilation 4)"));
}

TEST(Errors, Conv2dParams) {
  ConvArgs a;
  EXPECT_TRUE(fails_with(a.run_with({0, 1, 0, 0, 0, 0, 1, 1}), CNN_INVALID_ARGUMENT,
                         "params->stride_h is 0 but must be >= 1"));
  EXPECT_TRUE(fails_with(a.run_with({1, -3, 0, 0, 0, 0, 1, 1}), CNN_INVALID_ARGUMENT, "params->stride_w is -3"));
  EXPECT_TRUE(fails_with(a.run_with({1, 1, 0, 0, 0, 0, 0, 1}), CNN_INVALID_ARGUMENT, "params->dilation_h is 0"));
  EXPECT_TRUE(fails_with(a.run_with({1, 1, 0, 0, 0, 0, 1, 0}), CNN_INVALID_ARGUMENT, "params->dilation_w is 0"));
  EXPECT_TRUE(fails_with(a.run_with({1, 1, -1, 0, 0, 0, 1, 1}), CNN_INVALID_ARGUMENT,
                         "params->pad_top is -1 but must be >= 0"));
  EXPECT_TRUE(fails_with(a.run_with({1, 1, 0, -2, 0, 0, 1, 1}), CNN_INVALID_ARGUMENT, "params->pad_bottom is -2"));
  EXPECT_TRUE(fails_with(a.run_with({1, 1, 0, 0, -1, 0, 1, 1}), CNN_INVALID_ARGUMENT, "params->pad_left is -1"));
  EXPECT_TRUE(fails_with(a.run_with({1, 1, 0, 0, 0, -4, 1, 1}), CNN_INVALID_ARGUMENT, "params->pad_right is -4"));
}

TEST(Errors, Conv2dOutputMustNotAlias) {
  ContextPtr ctx = make_context(1);
  cnn_conv2d_params p{1, 1, 0, 0, 0, 0, 1, 1};
  TensorPtr x = make_tensor(ctx.get(), {1, 2, 3, 3});
  TensorPtr w = make_tensor(ctx.get(), {2, 2, 1, 1});
  EXPECT_TRUE(fails_with(cnn_conv2d_forward(ctx.get(), x.get(), w.get(), nullptr, &p, x.get()), CNN_INVALID_ARGUMENT,
                         "y [1,2,3,3] shares its storage with x [1,2,3,3]"));
  // Through reshape views: y [1,1,2,2] over x's storage, then y [1,1,1,1] over w's and over bias's.
  const int64_t shape_2x2[] = {1, 1, 2, 2};
  const int64_t shape_1x1[] = {1, 1, 1, 1};
  TensorPtr x2 = make_tensor(ctx.get(), {1, 1, 2, 2});
  TensorPtr w1 = make_tensor(ctx.get(), {1, 1, 1, 1});
  TensorPtr x1 = make_tensor(ctx.get(), {1, 1, 1, 1});
  TensorPtr b = make_tensor(ctx.get(), {1});
  cnn_tensor* view = nullptr;
  ASSERT_EQ(cnn_tensor_reshape(x2.get(), shape_2x2, 4, &view), CNN_OK);
  TensorPtr x_view(view);
  ASSERT_EQ(cnn_tensor_reshape(w1.get(), shape_1x1, 4, &view), CNN_OK);
  TensorPtr w_view(view);
  ASSERT_EQ(cnn_tensor_reshape(b.get(), shape_1x1, 4, &view), CNN_OK);
  TensorPtr b_view(view);
  EXPECT_TRUE(fails_with(cnn_conv2d_forward(ctx.get(), x2.get(), w1.get(), nullptr, &p, x_view.get()),
                         CNN_INVALID_ARGUMENT, "shares its storage with x"));
  EXPECT_TRUE(fails_with(cnn_conv2d_forward(ctx.get(), x1.get(), w1.get(), nullptr, &p, w_view.get()),
                         CNN_INVALID_ARGUMENT, "shares its storage with w"));
  EXPECT_TRUE(fails_with(cnn_conv2d_forward(ctx.get(), x1.get(), w1.get(), b.get(), &p, b_view.get()),
                         CNN_INVALID_ARGUMENT, "shares its storage with bias"));
}

TEST(Errors, Conv2dTensorOnAnotherDevice) {
  ConvArgs a;
  TensorPtr foreign = foreign_device_tensor(a.ctx.get(), {2, 3, 7, 7});
  EXPECT_TRUE(fails_with(a.run(foreign.get(), a.w.get(), a.b.get(), &a.p, a.y.get()), CNN_INVALID_ARGUMENT,
                         "x [2,3,7,7] is on device 1 but the context is on device 0"));
}

// ---- dense --------------------------------------------------------------------------------------

TEST(Errors, DenseArguments) {
  ContextPtr ctx = make_context(1);
  TensorPtr x = make_tensor(ctx.get(), {2, 5});
  TensorPtr w = make_tensor(ctx.get(), {3, 5});
  TensorPtr b = make_tensor(ctx.get(), {3});
  TensorPtr y = make_tensor(ctx.get(), {2, 3});
  ASSERT_EQ(cnn_dense_forward(ctx.get(), x.get(), w.get(), b.get(), y.get()), CNN_OK) << cnn_last_error_message();
  EXPECT_TRUE(fails_with(cnn_dense_forward(nullptr, x.get(), w.get(), b.get(), y.get()), CNN_INVALID_ARGUMENT,
                         "cnn_dense_forward: context is null"));
  EXPECT_TRUE(fails_with(cnn_dense_forward(ctx.get(), nullptr, w.get(), b.get(), y.get()), CNN_INVALID_ARGUMENT,
                         "x is null"));
  EXPECT_TRUE(fails_with(cnn_dense_forward(ctx.get(), x.get(), nullptr, b.get(), y.get()), CNN_INVALID_ARGUMENT,
                         "w is null"));
  EXPECT_TRUE(fails_with(cnn_dense_forward(ctx.get(), x.get(), w.get(), b.get(), nullptr), CNN_INVALID_ARGUMENT,
                         "y is null"));
  TensorPtr x4 = make_tensor(ctx.get(), {2, 5, 1, 1});
  EXPECT_TRUE(fails_with(cnn_dense_forward(ctx.get(), x4.get(), w.get(), b.get(), y.get()), CNN_SHAPE_MISMATCH,
                         "x is [2,5,1,1] (rank 4) but must have rank 2"));
  TensorPtr w4 = make_tensor(ctx.get(), {3, 4});
  EXPECT_TRUE(fails_with(cnn_dense_forward(ctx.get(), x.get(), w4.get(), b.get(), y.get()), CNN_SHAPE_MISMATCH,
                         "x is [2,5] but w is [3,4]: input features 5 != 4"));
  TensorPtr b4 = make_tensor(ctx.get(), {4});
  EXPECT_TRUE(fails_with(cnn_dense_forward(ctx.get(), x.get(), w.get(), b4.get(), y.get()), CNN_SHAPE_MISMATCH,
                         "bias is [4] but w is [3,5]: bias must be [3]"));
  TensorPtr y_bad = make_tensor(ctx.get(), {3, 3});
  EXPECT_TRUE(fails_with(cnn_dense_forward(ctx.get(), x.get(), w.get(), b.get(), y_bad.get()), CNN_SHAPE_MISMATCH,
                         "y is [3,3] but the output must be [2,3] for x [2,5] and w [3,5]"));
  // y aliasing x, directly and through a reshape view.
  TensorPtr x6 = make_tensor(ctx.get(), {2, 3});
  TensorPtr w6 = make_tensor(ctx.get(), {3, 3});
  EXPECT_TRUE(fails_with(cnn_dense_forward(ctx.get(), x6.get(), w6.get(), nullptr, x6.get()), CNN_INVALID_ARGUMENT,
                         "y [2,3] shares its storage with x [2,3]"));
  const int64_t as_y[] = {2, 3};
  cnn_tensor* view = nullptr;
  ASSERT_EQ(cnn_tensor_reshape(x6.get(), as_y, 2, &view), CNN_OK);
  TensorPtr y_view(view);
  EXPECT_TRUE(fails_with(cnn_dense_forward(ctx.get(), x6.get(), w6.get(), nullptr, y_view.get()),
                         CNN_INVALID_ARGUMENT, "shares its storage with x"));
  TensorPtr foreign = foreign_device_tensor(ctx.get(), {2, 3});
  EXPECT_TRUE(fails_with(cnn_dense_forward(ctx.get(), x.get(), w.get(), b.get(), foreign.get()), CNN_INVALID_ARGUMENT,
                         "y [2,3] is on device 1 but the context is on device 0"));
}

// ---- the message itself -------------------------------------------------------------------------

TEST(Errors, MessageIsClearedBySuccessAndKeptByDestroy) {
  ContextPtr ctx = make_context(1);
  TensorPtr t = make_tensor(ctx.get(), {3, 4});
  cnn_tensor* spare = make_tensor(ctx.get(), {2}).release();
  cnn_context* spare_context = make_context(1).release();
  std::vector<float> buffer(12);
  ASSERT_TRUE(fails_with(cnn_tensor_write(t.get(), buffer.data(), 10), CNN_INVALID_ARGUMENT, "count 10"));
  // Destroying handles in a cleanup path must not wipe the message the caller is about to read,
  // and reading it does not clear it either.
  cnn_tensor_destroy(spare);
  cnn_context_destroy(spare_context);
  cnn_tensor_destroy(nullptr);
  EXPECT_TRUE(fails_with(CNN_INVALID_ARGUMENT, CNN_INVALID_ARGUMENT,
                         "cnn_tensor_write: count 10 != element count 12 of tensor [3,4]"));
  EXPECT_TRUE(fails_with(CNN_INVALID_ARGUMENT, CNN_INVALID_ARGUMENT, "count 10 != element count 12"));
  // Any successful call clears it.
  ASSERT_EQ(cnn_tensor_write(t.get(), buffer.data(), 12), CNN_OK);
  EXPECT_STREQ(cnn_last_error_message(), "");
  ASSERT_TRUE(fails_with(cnn_tensor_write(t.get(), buffer.data(), 10), CNN_INVALID_ARGUMENT, "count 10"));
  size_t rank = 0;
  ASSERT_EQ(cnn_tensor_rank(t.get(), &rank), CNN_OK);
  EXPECT_STREQ(cnn_last_error_message(), "");
}

TEST(Errors, MessageIsPerThread) {
  ContextPtr ctx = make_context(1);
  TensorPtr t = make_tensor(ctx.get(), {3, 4});
  std::vector<float> buffer(12);
  ASSERT_TRUE(fails_with(cnn_tensor_read(t.get(), buffer.data(), 5), CNN_INVALID_ARGUMENT, "count 5"));
  std::string other_before, other_after;
  std::thread other([&] {
    other_before = cnn_last_error_message();  // nothing failed on this thread
    std::vector<float> small(7);
    (void)cnn_tensor_read(t.get(), small.data(), 7);
    other_after = cnn_last_error_message();
  });
  other.join();
  EXPECT_EQ(other_before, "");
  EXPECT_NE(other_after.find("count 7 != element count 12"), std::string::npos) << other_after;
  // This thread still has its own message.
  EXPECT_NE(std::string(cnn_last_error_message()).find("count 5 != element count 12"), std::string::npos)
      << cnn_last_error_message();
}

}  // namespace
