// cnn_conv2d_forward_fused and cnn_dense_forward_fused: for every activation, with and without bias, the same bits
// as the forward call followed by cnn_activation_forward on y (ReLU is fused into the GEMM's write-back on the
// CPU tiers, the others run afterwards), on the CPU with 1 and 2 threads (whichever tier CNN_MAX_ISA leaves
// active; tests/run-all.sh runs every tier) and on an OpenCL device; and the argument checks of the activation.
#include <cnn/cnn.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "test_opencl_util.h"
#include "test_util.h"

namespace {

using namespace cnn_test;

const cnn_activation kActivations[] = {CNN_ACTIVATION_IDENTITY, CNN_ACTIVATION_RELU, CNN_ACTIVATION_LEAKY_RELU,
                                       CNN_ACTIVATION_ELU, CNN_ACTIVATION_SIGMOID, CNN_ACTIVATION_TANH};

struct ConvShape {
  int64_t n, c, h, w, oc, kh, kw;
  cnn_conv2d_params p;
};

int64_t out_size(int64_t in, int64_t k, int32_t stride, int32_t pad0, int32_t pad1, int32_t dilation) {
  return (in + pad0 + pad1 - dilation * (k - 1) - 1) / stride + 1;
}

// n, c, h, w, oc, kh, kw, {stride_h, stride_w, pad_top, pad_bottom, pad_left, pad_right, dilation_h, dilation_w}
const ConvShape kConvShapes[] = {
    {3, 2, 9, 7, 5, 3, 3, {1, 1, 1, 1, 1, 1, 1, 1}},
    {2, 1, 28, 28, 8, 5, 5, {1, 1, 2, 2, 2, 2, 1, 1}},
    {2, 6, 8, 8, 7, 1, 1, {1, 1, 0, 0, 0, 0, 1, 1}},
    {1, 3, 11, 13, 4, 3, 2, {2, 1, 0, 2, 1, 0, 2, 1}},
};

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// Fused against forward + activation for every shape, activation and bias choice, on one context.
void check_conv(cnn_context* ctx, const std::string& where) {
  std::mt19937 rng(515);
  for (const ConvShape& s : kConvShapes) {
    const int64_t oh = out_size(s.h, s.kh, s.p.stride_h, s.p.pad_top, s.p.pad_bottom, s.p.dilation_h);
    const int64_t ow = out_size(s.w, s.kw, s.p.stride_w, s.p.pad_left, s.p.pad_right, s.p.dilation_w);
    TensorPtr x = make_tensor(ctx, {s.n, s.c, s.h, s.w}, random_vector(static_cast<size_t>(s.n * s.c * s.h * s.w), rng));
    TensorPtr w = make_tensor(ctx, {s.oc, s.c, s.kh, s.kw},
                              random_vector(static_cast<size_t>(s.oc * s.c * s.kh * s.kw), rng));
    TensorPtr b = make_tensor(ctx, {s.oc}, random_vector(static_cast<size_t>(s.oc), rng));
    TensorPtr fused = make_tensor(ctx, {s.n, s.oc, oh, ow}), plain = make_tensor(ctx, {s.n, s.oc, oh, ow});
    for (cnn_activation act : kActivations) {
      for (const cnn_tensor* bias : {static_cast<const cnn_tensor*>(b.get()), static_cast<const cnn_tensor*>(nullptr)}) {
        const float alpha = 0.1f;
        const std::string what = where + ": conv x [" + std::to_string(s.n) + "," + std::to_string(s.c) + "," +
                                 std::to_string(s.h) + "," + std::to_string(s.w) + "] kernel " + std::to_string(s.kh) +
                                 "x" + std::to_string(s.kw) + ", activation " + std::to_string(act) +
                                 (bias != nullptr ? ", bias" : ", no bias");
        ASSERT_EQ(cnn_conv2d_forward_fused(ctx, x.get(), w.get(), bias, &s.p, act, alpha, fused.get()), CNN_OK)
            << what << ": " << cnn_last_error_message();
        ASSERT_EQ(cnn_conv2d_forward(ctx, x.get(), w.get(), bias, &s.p, plain.get()), CNN_OK) << cnn_last_error_message();
        ASSERT_EQ(cnn_activation_forward(ctx, act, alpha, plain.get(), plain.get()), CNN_OK) << cnn_last_error_message();
        const std::vector<float> got = read_tensor(fused.get());
        ASSERT_TRUE(same_bits(got, read_tensor(plain.get()))) << what;
        if (act == CNN_ACTIVATION_RELU) {
          for (float v : got) ASSERT_FALSE(v < 0.0f) << what;
        }
      }
    }
  }
}

void check_dense(cnn_context* ctx, const std::string& where) {
  std::mt19937 rng(616);
  const int64_t shapes[][3] = {{1, 7, 5}, {3, 17, 33}, {64, 100, 40}, {5, 1, 1}};  // n, in, out: rows <= 4 and more
  for (const auto& s : shapes) {
    const int64_t n = s[0], in = s[1], out = s[2];
    TensorPtr x = make_tensor(ctx, {n, in}, random_vector(static_cast<size_t>(n * in), rng));
    TensorPtr w = make_tensor(ctx, {out, in}, random_vector(static_cast<size_t>(out * in), rng));
    TensorPtr b = make_tensor(ctx, {out}, random_vector(static_cast<size_t>(out), rng));
    TensorPtr fused = make_tensor(ctx, {n, out}), plain = make_tensor(ctx, {n, out});
    for (cnn_activation act : kActivations) {
      for (const cnn_tensor* bias : {static_cast<const cnn_tensor*>(b.get()), static_cast<const cnn_tensor*>(nullptr)}) {
        const float alpha = 0.2f;
        const std::string what = where + ": dense " + std::to_string(n) + "x" + std::to_string(in) + "->" +
                                 std::to_string(out) + ", activation " + std::to_string(act) +
                                 (bias != nullptr ? ", bias" : ", no bias");
        ASSERT_EQ(cnn_dense_forward_fused(ctx, x.get(), w.get(), bias, act, alpha, fused.get()), CNN_OK)
            << what << ": " << cnn_last_error_message();
        ASSERT_EQ(cnn_dense_forward(ctx, x.get(), w.get(), bias, plain.get()), CNN_OK) << cnn_last_error_message();
        ASSERT_EQ(cnn_activation_forward(ctx, act, alpha, plain.get(), plain.get()), CNN_OK) << cnn_last_error_message();
        ASSERT_TRUE(same_bits(read_tensor(fused.get()), read_tensor(plain.get()))) << what;
      }
    }
  }
}

TEST(FusedForward, ConvEqualsForwardThenActivationOnTheCpu) {
  for (int32_t threads : {1, 2}) {
    ContextPtr ctx = make_context(threads);
    check_conv(ctx.get(), std::string("CPU (") + cnn_active_isa() + "), " + std::to_string(threads) + " threads");
  }
}

TEST(FusedForward, DenseEqualsForwardThenActivationOnTheCpu) {
  for (int32_t threads : {1, 2}) {
    ContextPtr ctx = make_context(threads);
    check_dense(ctx.get(), std::string("CPU (") + cnn_active_isa() + "), " + std::to_string(threads) + " threads");
  }
}

TEST(FusedForward, EqualsForwardThenActivationOnOpenCL) {
  ContextPtr ctx = make_opencl_context();
  check_conv(ctx.get(), "OpenCL");
  check_dense(ctx.get(), "OpenCL");
}

TEST(FusedForward, RejectsBadActivationsWithTheirNumbers) {
  ContextPtr ctx = make_context();
  TensorPtr x = make_tensor(ctx.get(), {1, 1, 3, 3}), w = make_tensor(ctx.get(), {1, 1, 2, 2});
  TensorPtr y = make_tensor(ctx.get(), {1, 1, 2, 2});
  const cnn_conv2d_params p{1, 1, 0, 0, 0, 0, 1, 1};
  EXPECT_TRUE(fails_with(cnn_conv2d_forward_fused(ctx.get(), x.get(), w.get(), nullptr, &p,
                                                  static_cast<cnn_activation>(7), 0.0f, y.get()),
                         CNN_INVALID_ARGUMENT, "activation 7 is not a cnn_activation (0..5)"));
  EXPECT_TRUE(fails_with(cnn_conv2d_forward_fused(ctx.get(), x.get(), w.get(), nullptr, &p, CNN_ACTIVATION_ELU,
                                                  std::nanf(""), y.get()),
                         CNN_INVALID_ARGUMENT, "must be finite for ELU"));
  TensorPtr dx = make_tensor(ctx.get(), {2, 3}), dw = make_tensor(ctx.get(), {4, 3}), dy = make_tensor(ctx.get(), {2, 4});
  EXPECT_TRUE(fails_with(cnn_dense_forward_fused(ctx.get(), dx.get(), dw.get(), nullptr,
                                                 static_cast<cnn_activation>(6), 0.0f, dy.get()),
                         CNN_INVALID_ARGUMENT, "activation 6 is not a cnn_activation (0..5)"));
  // The forward's own checks still apply: y of the wrong shape.
  TensorPtr bad = make_tensor(ctx.get(), {2, 5});
  EXPECT_TRUE(fails_with(cnn_dense_forward_fused(ctx.get(), dx.get(), dw.get(), nullptr, CNN_ACTIVATION_RELU, 0.0f,
                                                 bad.get()),
                         CNN_SHAPE_MISMATCH, "y is [2,5] but the output must be [2,4]"));
}

}  // namespace
