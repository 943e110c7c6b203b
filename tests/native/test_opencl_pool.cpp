// Pooling on an OpenCL context against the CPU reference kernels: max and average pooling forward and backward
// over odd shapes, overlapping windows, asymmetric padding and both average divisors; inputs of small integers
// so that max-pool windows tie (the first maximum must win, as on the CPU), a NaN that must win its windows,
// and global average pooling. Tolerance: 1e-5 * (1 + |ref|) (max pooling moves values: exact).
#include <cnn/cnn.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "kernels/kernels.h"
#include "test_opencl_util.h"
#include "test_util.h"

namespace {

using namespace cnn_test;

struct PoolCase {
  int64_t n, c, h, w;
  cnn_pool2d_params p;  // kernel_h, kernel_w, stride_h, stride_w, pad_top, pad_bottom, pad_left, pad_right, incl.
};

const PoolCase kCases[] = {
    {1, 1, 1, 1, {1, 1, 1, 1, 0, 0, 0, 0, 0}},
    {2, 3, 8, 8, {2, 2, 2, 2, 0, 0, 0, 0, 0}},    // the reference network's pooling
    {1, 2, 7, 9, {3, 3, 2, 2, 1, 1, 1, 1, 1}},    // overlapping, padded, divisor counts padding
    {3, 1, 11, 5, {3, 2, 1, 2, 2, 0, 0, 1, 0}},   // overlapping stride 1, asymmetric padding
    {1, 5, 13, 13, {5, 5, 3, 3, 2, 2, 2, 2, 0}},  // 5x5 windows
};

cnn::Pool2dGeometry geometry(const PoolCase& pc) {
  cnn::Pool2dGeometry g{};
  g.n = pc.n;
  g.c = pc.c;
  g.h = pc.h;
  g.w = pc.w;
  g.kernel_h = pc.p.kernel_h;
  g.kernel_w = pc.p.kernel_w;
  g.stride_h = pc.p.stride_h;
  g.stride_w = pc.p.stride_w;
  g.pad_top = pc.p.pad_top;
  g.pad_left = pc.p.pad_left;
  g.count_include_pad = pc.p.count_include_pad == 1;
  g.oh = (pc.h + pc.p.pad_top + pc.p.pad_bottom - pc.p.kernel_h) / pc.p.stride_h + 1;
  g.ow = (pc.w + pc.p.pad_left + pc.p.pad_right - pc.p.kernel_w) / pc.p.stride_w + 1;
  return g;
}

std::string describe(const cnn::Pool2dGeometry& g) {
  std::ostringstream s;
  s << "x [" << g.n << "," << g.c << "," << g.h << "," << g.w << "] window " << g.kernel_h << "x" << g.kernel_w
    << " stride " << g.stride_h << "x" << g.stride_w << " pad " << g.pad_top << "," << g.pad_left
    << (g.count_include_pad ? " counting padding" : "");
  return s.str();
}

// Small integers: most windows hold equal maxima, so the tie rule decides where gradients go.
std::vector<float> tie_heavy(size_t count, std::mt19937& rng) {
  std::uniform_int_distribution<int> value(-2, 2);
  std::vector<float> v(count);
  for (float& x : v) x = static_cast<float>(value(rng));
  return v;
}

TEST(OpenCLPool2d, MaxAndAverageMatchTheReferenceKernels) {
  ContextPtr cpu = make_context(), ocl = make_opencl_context();
  std::mt19937 rng(53);
  for (const PoolCase& pc : kCases) {
    const cnn::Pool2dGeometry g = geometry(pc);
    const std::vector<int64_t> x_shape{g.n, g.c, g.h, g.w}, y_shape{g.n, g.c, g.oh, g.ow};
    const size_t x_count = static_cast<size_t>(g.n * g.c * g.h * g.w),
                 y_count = static_cast<size_t>(g.n * g.c * g.oh * g.ow);
    for (int data = 0; data < 2; ++data) {
      const std::string what = "seed 53: " + describe(g) + (data == 0 ? ", ties" : ", random");
      std::vector<float> x = data == 0 ? tie_heavy(x_count, rng) : random_vector(x_count, rng);
      std::vector<float> dy = random_vector(y_count, rng);
      TensorPtr xt = make_tensor(ocl.get(), x_shape, x), dyt = make_tensor(ocl.get(), y_shape, dy);
      TensorPtr yt = make_tensor(ocl.get(), y_shape), dxt = make_tensor(ocl.get(), x_shape);
      std::vector<float> y(y_count), dx(x_count);

      cnn::maxpool2d_forward_ref(*cpu, g, x.data(), y.data());
      ASSERT_EQ(cnn_maxpool2d_forward(ocl.get(), xt.get(), &pc.p, yt.get()), CNN_OK) << cnn_last_error_message();
      EXPECT_TRUE(all_close(read_tensor(yt.get()), y, what + ": max forward", 0));
      cnn::maxpool2d_backward_ref(*cpu, g, x.data(), dy.data(), dx.data());
      ASSERT_EQ(cnn_maxpool2d_backward(ocl.get(), xt.get(), dyt.get(), &pc.p, dxt.get()), CNN_OK)
          << cnn_last_error_message();
      EXPECT_TRUE(all_close(read_tensor(dxt.get()), dx, what + ": max backward", 1e-6f));

      cnn::avgpool2d_forward_ref(*cpu, g, x.data(), y.data());
      ASSERT_EQ(cnn_avgpool2d_forward(ocl.get(), xt.get(), &pc.p, yt.get()), CNN_OK) << cnn_last_error_message();
      EXPECT_TRUE(all_close(read_tensor(yt.get()), y, what + ": average forward", 1e-5f));
      cnn::avgpool2d_backward_ref(*cpu, g, dy.data(), dx.data());
      ASSERT_EQ(cnn_avgpool2d_backward(ocl.get(), dyt.get(), &pc.p, dxt.get()), CNN_OK) << cnn_last_error_message();
      EXPECT_TRUE(all_close(read_tensor(dxt.get()), dx, what + ": average backward", 1e-5f));
    }
  }
}

TEST(OpenCLPool2d, NaNWinsItsWindowsAsOnTheCpu) {
  ContextPtr cpu = make_context(), ocl = make_opencl_context();
  const PoolCase pc{1, 1, 4, 4, {3, 3, 1, 1, 1, 1, 1, 1, 0}};
  const cnn::Pool2dGeometry g = geometry(pc);
  std::vector<float> x(16, 1.0f);
  x[5] = std::numeric_limits<float>::quiet_NaN();
  x[10] = 7.0f;
  std::vector<float> dy(static_cast<size_t>(g.oh * g.ow), 1.0f), y(dy.size()), dx(x.size());
  cnn::maxpool2d_forward_ref(*cpu, g, x.data(), y.data());
  cnn::maxpool2d_backward_ref(*cpu, g, x.data(), dy.data(), dx.data());
  TensorPtr xt = make_tensor(ocl.get(), {1, 1, 4, 4}, x), dyt = make_tensor(ocl.get(), {1, 1, g.oh, g.ow}, dy);
  TensorPtr yt = make_tensor(ocl.get(), {1, 1, g.oh, g.ow}), dxt = make_tensor(ocl.get(), {1, 1, 4, 4});
  ASSERT_EQ(cnn_maxpool2d_forward(ocl.get(), xt.get(), &pc.p, yt.get()), CNN_OK) << cnn_last_error_message();
  ASSERT_EQ(cnn_maxpool2d_backward(ocl.get(), xt.get(), dyt.get(), &pc.p, dxt.get()), CNN_OK)
      << cnn_last_error_message();
  const std::vector<float> got = read_tensor(yt.get());
  for (size_t i = 0; i < y.size(); ++i)
    EXPECT_EQ(std::isnan(got[i]), std::isnan(y[i])) << "y[" << i << "] is " << got[i] << ", reference " << y[i];
  EXPECT_TRUE(all_close(read_tensor(dxt.get()), dx, "gradients routed to the NaN", 0));
}

TEST(OpenCLPool2d, GlobalAverageMatchesTheReferenceKernels) {
  ContextPtr cpu = make_context(), ocl = make_opencl_context();
  const int64_t shapes[][4] = {{1, 1, 1, 1}, {2, 3, 5, 7}, {3, 17, 1, 13}, {2, 4, 31, 29}};
  std::mt19937 rng(59);
  for (const auto& s : shapes) {
    const std::vector<int64_t> x_shape{s[0], s[1], s[2], s[3]}, y_shape{s[0], s[1], 1, 1};
    const int64_t planes = s[0] * s[1], plane = s[2] * s[3];
    const std::string what = "seed 59: x " + shape_text(x_shape);
    std::vector<float> x = random_vector(static_cast<size_t>(planes * plane), rng);
    std::vector<float> dy = random_vector(static_cast<size_t>(planes), rng);
    std::vector<float> y(dy.size()), dx(x.size());
    cnn::global_avgpool2d_forward_ref(*cpu, planes, plane, x.data(), y.data());
    cnn::global_avgpool2d_backward_ref(*cpu, planes, plane, dy.data(), dx.data());
    TensorPtr xt = make_tensor(ocl.get(), x_shape, x), dyt = make_tensor(ocl.get(), y_shape, dy);
    TensorPtr yt = make_tensor(ocl.get(), y_shape), dxt = make_tensor(ocl.get(), x_shape);
    ASSERT_EQ(cnn_global_avgpool2d_forward(ocl.get(), xt.get(), yt.get()), CNN_OK) << cnn_last_error_message();
    ASSERT_EQ(cnn_global_avgpool2d_backward(ocl.get(), dyt.get(), dxt.get()), CNN_OK) << cnn_last_error_message();
    EXPECT_TRUE(all_close(read_tensor(yt.get()), y, what + ": forward", 1e-5f));
    EXPECT_TRUE(all_close(read_tensor(dxt.get()), dx, what + ": backward", 1e-6f));
  }
}

}  // namespace
