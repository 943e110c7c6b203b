// The two launch geometries of the OpenCL ops (opencl/launch.h: rows for CPU devices, elements for GPUs), each
// forced onto device 0 in turn, against the CPU reference kernels: im2col/col2im and the layout kernels through
// conv2d forward and backward, max pooling, element-wise kernels over counts that span several work-items and
// leave a short last chunk, the bias gradient. The default tests (test_opencl_*.cpp) run the device's own
// geometry only; this file makes sure the other one, which a GPU would run, is checked on a CPU driver too.
// Rows and elements must give the same bits where the summation order is fixed (col2im, pooling).
#include <cnn/cnn.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "kernels/kernels.h"
#include "opencl/launch.h"
#include "test_opencl_util.h"
#include "test_util.h"

namespace {

using namespace cnn_test;
using cnn::opencl::Geometry;

// Forces `geometry` on every OpenCL op of the process for the test's life.
class ForcedGeometry {
 public:
  explicit ForcedGeometry(Geometry g) : geometry_(g) { cnn::opencl::force_geometry(&geometry_); }
  ~ForcedGeometry() { cnn::opencl::force_geometry(nullptr); }
  ForcedGeometry(const ForcedGeometry&) = delete;
  ForcedGeometry& operator=(const ForcedGeometry&) = delete;

 private:
  Geometry geometry_;
};

Geometry device_geometry() { return cnn::opencl::geometry(*cnn::opencl::Runtime::for_device(0)); }

struct ConvCase {
  int64_t n, c, h, w, oc, kh, kw;
  cnn_conv2d_params p;  // stride_h, stride_w, pad_top, pad_bottom, pad_left, pad_right, dilation_h, dilation_w
};

const ConvCase kConvCases[] = {
    {1, 1, 1, 1, 1, 1, 1, {1, 1, 0, 0, 0, 0, 1, 1}},     // everything 1
    {3, 2, 9, 11, 5, 3, 3, {1, 1, 1, 1, 1, 1, 1, 1}},    // "same" 3x3, odd sizes
    {2, 3, 13, 7, 3, 3, 2, {2, 1, 0, 2, 1, 0, 1, 1}},    // strides, asymmetric padding, non-square kernel
    {1, 5, 17, 17, 7, 5, 5, {2, 3, 2, 2, 4, 4, 1, 1}},   // padding wider than a stride, stride 3 across
    {2, 2, 11, 9, 3, 3, 3, {1, 2, 2, 1, 0, 3, 2, 2}},    // dilation 2
    {1, 2, 4, 3, 2, 3, 3, {1, 1, 4, 4, 5, 5, 1, 1}},     // padding larger than the image: whole rows of zeros
    {17, 3, 28, 28, 8, 5, 5, {1, 1, 2, 2, 2, 2, 1, 1}},  // many images (the reference network's first layer)
    {9, 64, 27, 27, 5, 3, 3, {1, 1, 1, 1, 1, 1, 1, 1}},  // GEMM chunks of 4 + 4 + 1 images on CPU devices
};

cnn::Conv2dGeometry conv_geometry(const ConvCase& cc) {
  cnn::Conv2dGeometry g{};
  g.n = cc.n, g.c = cc.c, g.h = cc.h, g.w = cc.w, g.oc = cc.oc, g.kh = cc.kh, g.kw = cc.kw;
  g.stride_h = cc.p.stride_h, g.stride_w = cc.p.stride_w, g.pad_top = cc.p.pad_top, g.pad_left = cc.p.pad_left;
  g.dilation_h = cc.p.dilation_h, g.dilation_w = cc.p.dilation_w;
  g.oh = (cc.h + cc.p.pad_top + cc.p.pad_bottom - cc.p.dilation_h * (cc.kh - 1) - 1) / cc.p.stride_h + 1;
  g.ow = (cc.w + cc.p.pad_left + cc.p.pad_right - cc.p.dilation_w * (cc.kw - 1) - 1) / cc.p.stride_w + 1;
  return g;
}

std::string describe(const cnn::Conv2dGeometry& g) {
  return "x [" + std::to_string(g.n) + "," + std::to_string(g.c) + "," + std::to_string(g.h) + "," +
         std::to_string(g.w) + "] w [" + std::to_string(g.oc) + ",_," + std::to_string(g.kh) + "," +
         std::to_string(g.kw) + "] stride " + std::to_string(g.stride_h) + "x" + std::to_string(g.stride_w) + " pad " +
         std::to_string(g.pad_top) + "," + std::to_string(g.pad_left) + " dilation " + std::to_string(g.dilation_h) +
         "x" + std::to_string(g.dilation_w);
}

float tolerance(int64_t k) { return 1e-5f * std::sqrt(static_cast<float>(k)); }

size_t count_of(const std::vector<int64_t>& shape) {
  size_t n = 1;
  for (int64_t d : shape) n *= static_cast<size_t>(d);
  return n;
}

class OpenCLGeometry : public ::testing::TestWithParam<Geometry> {};

TEST(OpenCLGeometryTable, CpuDevicesWalkRowsOthersOneElementPerWorkItem) {
  const auto runtime = cnn::opencl::Runtime::for_device(0);
  const bool cpu = (runtime->device().type & CL_DEVICE_TYPE_CPU) != 0;
  EXPECT_EQ(device_geometry(), cpu ? Geometry::Rows : Geometry::Elements) << runtime->describe();
  std::printf("[ geometry ] %s: %s\n", runtime->describe().c_str(), cnn::opencl::geometry_name(device_geometry()));
  const Geometry elements = Geometry::Elements;
  cnn::opencl::force_geometry(&elements);
  EXPECT_EQ(device_geometry(), Geometry::Elements);
  cnn::opencl::force_geometry(nullptr);
  EXPECT_EQ(device_geometry(), cpu ? Geometry::Rows : Geometry::Elements);
}

TEST_P(OpenCLGeometry, ConvolutionMatchesTheReferenceKernels) {
  ContextPtr cpu = make_context(), ocl = make_opencl_context();
  const ForcedGeometry forced(GetParam());
  ASSERT_EQ(device_geometry(), GetParam());
  std::mt19937 rng(101);
  for (const ConvCase& cc : kConvCases) {
    const cnn::Conv2dGeometry g = conv_geometry(cc);
    const std::string what = std::string(cnn::opencl::geometry_name(GetParam())) + ", seed 101: " + describe(g);
    const std::vector<int64_t> xs{g.n, g.c, g.h, g.w}, ws{g.oc, g.c, g.kh, g.kw}, ys{g.n, g.oc, g.oh, g.ow};
    std::vector<float> x = random_vector(count_of(xs), rng), w = random_vector(count_of(ws), rng);
    std::vector<float> b = random_vector(static_cast<size_t>(g.oc), rng), dy = random_vector(count_of(ys), rng);
    std::vector<float> y(count_of(ys)), dx(x.size()), dw(w.size()), db(b.size());
    cnn::conv2d_forward_ref(*cpu, g, x.data(), w.data(), b.data(), y.data());
    cnn::conv2d_backward_data_ref(*cpu, g, w.data(), dy.data(), dx.data());
    cnn::conv2d_backward_filter_ref(*cpu, g, x.data(), dy.data(), dw.data());
    cnn::bias_backward_ref(*cpu, g.n, g.oc, g.oh * g.ow, dy.data(), db.data());

    TensorPtr xt = make_tensor(ocl.get(), xs, x), wt = make_tensor(ocl.get(), ws, w),
              bt = make_tensor(ocl.get(), {g.oc}, b);
    TensorPtr dyt = make_tensor(ocl.get(), ys, dy), yt = make_tensor(ocl.get(), ys);
    TensorPtr dxt = make_tensor(ocl.get(), xs), dwt = make_tensor(ocl.get(), ws), dbt = make_tensor(ocl.get(), {g.oc});
    ASSERT_EQ(cnn_conv2d_forward(ocl.get(), xt.get(), wt.get(), bt.get(), &cc.p, yt.get()), CNN_OK)
        << what << ": " << cnn_last_error_message();
    ASSERT_EQ(cnn_conv2d_backward(ocl.get(), xt.get(), wt.get(), dyt.get(), &cc.p, dxt.get(), dwt.get(), dbt.get()),
              CNN_OK)
        << what << ": " << cnn_last_error_message();
    EXPECT_TRUE(all_close(read_tensor(yt.get()), y, what + ": y", tolerance(g.c * g.kh * g.kw)));
    EXPECT_TRUE(all_close(read_tensor(dxt.get()), dx, what + ": dx", tolerance(g.oc * g.kh * g.kw)));
    EXPECT_TRUE(all_close(read_tensor(dwt.get()), dw, what + ": dw", tolerance(g.n * g.oh * g.ow)));
    EXPECT_TRUE(all_close(read_tensor(dbt.get()), db, what + ": db", tolerance(g.n * g.oh * g.ow)));
  }
}

struct PoolCase {
  int64_t n, c, h, w;
  cnn_pool2d_params p;  // kernel_h, kernel_w, stride_h, stride_w, pad_top, pad_bottom, pad_left, pad_right, incl.
};

const PoolCase kPoolCases[] = {
    {1, 1, 1, 1, {1, 1, 1, 1, 0, 0, 0, 0, 0}},
    {64, 3, 28, 28, {2, 2, 2, 2, 0, 0, 0, 0, 0}},  // the reference network's shape, batch 64 (3 channels)
    {2, 3, 7, 9, {3, 3, 2, 2, 1, 1, 1, 1, 0}},     // overlapping windows, padding, odd sizes
    {3, 2, 11, 5, {3, 2, 1, 2, 1, 0, 0, 1, 0}},    // stride 1 rows, asymmetric everything
    // Rows long enough for the rows kernels' four-windows-at-a-time path (kernels/maxpool2d.cl) beside padded edges:
    {2, 2, 13, 19, {3, 3, 1, 1, 1, 1, 1, 1, 0}},  // overlapping windows
    {1, 2, 10, 23, {2, 2, 3, 3, 0, 0, 1, 0, 0}},  // gaps between windows
    {1, 1, 6, 40, {5, 4, 1, 2, 2, 2, 3, 3, 0}},   // 5x4: larger than the compiled-in window sizes
};

TEST_P(OpenCLGeometry, MaxPoolingMatchesTheReferenceKernels) {
  ContextPtr cpu = make_context(), ocl = make_opencl_context();
  const ForcedGeometry forced(GetParam());
  std::mt19937 rng(103);
  std::uniform_int_distribution<int> small(-2, 2);  // many ties: the tie rule decides where gradients go
  for (const PoolCase& pc : kPoolCases) {
    cnn::Pool2dGeometry g{};
    g.n = pc.n, g.c = pc.c, g.h = pc.h, g.w = pc.w, g.kernel_h = pc.p.kernel_h, g.kernel_w = pc.p.kernel_w;
    g.stride_h = pc.p.stride_h, g.stride_w = pc.p.stride_w, g.pad_top = pc.p.pad_top, g.pad_left = pc.p.pad_left;
    g.oh = (pc.h + pc.p.pad_top + pc.p.pad_bottom - pc.p.kernel_h) / pc.p.stride_h + 1;
    g.ow = (pc.w + pc.p.pad_left + pc.p.pad_right - pc.p.kernel_w) / pc.p.stride_w + 1;
    const std::vector<int64_t> xs{g.n, g.c, g.h, g.w}, ys{g.n, g.c, g.oh, g.ow};
    const std::string what = std::string(cnn::opencl::geometry_name(GetParam())) + ", seed 103: x " + shape_text(xs) +
                             " kernel " + std::to_string(g.kernel_h) + "x" + std::to_string(g.kernel_w);
    for (int nans = 0; nans < 2; ++nans) {  // then about one cell in 12 NaN: a NaN wins, the first one stays
      std::vector<float> x(count_of(xs)), dy = random_vector(count_of(ys), rng), y(count_of(ys)), dx(x.size());
      for (float& v : x)
        v = nans != 0 && small(rng) == 2 && small(rng) < 0 ? std::nanf("") : static_cast<float>(small(rng));
      cnn::maxpool2d_forward_ref(*cpu, g, x.data(), y.data());
      cnn::maxpool2d_backward_ref(*cpu, g, x.data(), dy.data(), dx.data());
      TensorPtr xt = make_tensor(ocl.get(), xs, x), dyt = make_tensor(ocl.get(), ys, dy);
      TensorPtr yt = make_tensor(ocl.get(), ys), dxt = make_tensor(ocl.get(), xs);
      ASSERT_EQ(cnn_maxpool2d_forward(ocl.get(), xt.get(), &pc.p, yt.get()), CNN_OK) << cnn_last_error_message();
      ASSERT_EQ(cnn_maxpool2d_backward(ocl.get(), xt.get(), dyt.get(), &pc.p, dxt.get()), CNN_OK)
          << cnn_last_error_message();
      const std::vector<float> got = read_tensor(yt.get());
      for (size_t i = 0; i < y.size(); ++i)
        ASSERT_TRUE(std::isnan(y[i]) ? std::isnan(got[i]) : got[i] == y[i])
            << what << (nans ? " with NaNs" : "") << ": y[" << i << "] is " << got[i] << ", reference " << y[i];
      EXPECT_TRUE(all_close(read_tensor(dxt.get()), dx, what + (nans ? " with NaNs" : "") + ": backward", 1e-6f));
    }
  }
}

// Counts around the rows geometry's chunks (launch.cpp: >= 4Ki floats per work-item, whole 16-float lines):
// one work-item, several with a short last chunk, and many.
const int64_t kCounts[] = {1, 17, 4 * 1024 + 3, 300007};

TEST_P(OpenCLGeometry, ElementWiseKernelsMatchTheReferenceKernels) {
  ContextPtr cpu = make_context(), ocl = make_opencl_context();
  const ForcedGeometry forced(GetParam());
  const std::string name = cnn::opencl::geometry_name(GetParam());
  std::mt19937 rng(107);
  for (int64_t count : kCounts) {
    const size_t n = static_cast<size_t>(count);
    const std::string what = name + ", seed 107, count " + std::to_string(count);
    std::vector<float> x = random_vector(n, rng, -3.0f, 3.0f), dy = random_vector(n, rng), y(n), dx(n);
    TensorPtr xt = make_tensor(ocl.get(), {count}, x), dyt = make_tensor(ocl.get(), {count}, dy);
    TensorPtr yt = make_tensor(ocl.get(), {count}), dxt = make_tensor(ocl.get(), {count});
    for (cnn_activation kind : {CNN_ACTIVATION_RELU, CNN_ACTIVATION_TANH}) {
      cnn::activation_forward_ref(*cpu, kind, 0.0f, count, x.data(), y.data());
      cnn::activation_backward_ref(*cpu, kind, 0.0f, count, x.data(), dy.data(), dx.data());
      ASSERT_EQ(cnn_activation_forward(ocl.get(), kind, 0.0f, xt.get(), yt.get()), CNN_OK) << cnn_last_error_message();
      ASSERT_EQ(cnn_activation_backward(ocl.get(), kind, 0.0f, xt.get(), dyt.get(), dxt.get()), CNN_OK)
          << cnn_last_error_message();
      const std::string k = what + ", activation " + std::to_string(static_cast<int>(kind));
      EXPECT_TRUE(all_close(read_tensor(yt.get()), y, k + ": forward", 1e-5f));
      EXPECT_TRUE(all_close(read_tensor(dxt.get()), dx, k + ": backward", 1e-5f));
    }

    cnn::dropout_ref(*cpu, count, 0.4f, 42, x.data(), y.data());
    ASSERT_EQ(cnn_dropout_forward(ocl.get(), xt.get(), 0.4f, 42, yt.get()), CNN_OK) << cnn_last_error_message();
    const std::vector<float> dropped = read_tensor(yt.get());
    EXPECT_EQ(std::memcmp(dropped.data(), y.data(), n * sizeof(float)), 0) << what << ": dropout differs";

    const cnn_adam_params adam{3, 1e-3f, 0.9f, 0.999f, 1e-8f, 1e-3f, 0};
    std::vector<float> w = x, m = random_vector(n, rng, -0.1f, 0.1f), v = random_vector(n, rng, 0.0f, 0.01f);
    TensorPtr wt = make_tensor(ocl.get(), {count}, w), mt = make_tensor(ocl.get(), {count}, m);
    TensorPtr vt = make_tensor(ocl.get(), {count}, v);
    cnn::adam_update_ref(*cpu, adam, count, w.data(), dy.data(), m.data(), v.data());
    ASSERT_EQ(cnn_adam_update(ocl.get(), &adam, wt.get(), dyt.get(), mt.get(), vt.get()), CNN_OK)
        << cnn_last_error_message();
    EXPECT_TRUE(all_close(read_tensor(wt.get()), w, what + ": Adam param", 1e-5f));
    EXPECT_TRUE(all_close(read_tensor(vt.get()), v, what + ": Adam v", 1e-6f));

    const cnn_sgd_params sgd{0.05f, 0.9f, 1e-4f, 1};
    std::vector<float> velocity = m;
    cnn::sgd_update_ref(*cpu, sgd, count, w.data(), dy.data(), velocity.data());
    ASSERT_EQ(cnn_sgd_update(ocl.get(), &sgd, wt.get(), dyt.get(), mt.get()), CNN_OK) << cnn_last_error_message();
    EXPECT_TRUE(all_close(read_tensor(wt.get()), w, what + ": SGD param", 1e-5f));

    cnn::scale_ref(*cpu, count, -0.5f, x.data());
    ASSERT_EQ(cnn_tensor_scale(ocl.get(), xt.get(), -0.5f), CNN_OK) << cnn_last_error_message();
    EXPECT_TRUE(all_close(read_tensor(xt.get()), x, what + ": scale", 0));
  }
}

// col2im and max pooling sum in a fixed order in both geometries: the same bits either way.
TEST(OpenCLGeometryTable, RowsAndElementsGiveTheSameBits) {
  ContextPtr ocl = make_opencl_context();
  std::mt19937 rng(109);
  const ConvCase cc = kConvCases[4];  // dilation, strides, asymmetric padding
  const cnn::Conv2dGeometry g = conv_geometry(cc);
  const std::vector<int64_t> xs{g.n, g.c, g.h, g.w}, ws{g.oc, g.c, g.kh, g.kw}, ys{g.n, g.oc, g.oh, g.ow};
  TensorPtr xt = make_tensor(ocl.get(), xs, random_vector(count_of(xs), rng));
  TensorPtr wt = make_tensor(ocl.get(), ws, random_vector(count_of(ws), rng));
  TensorPtr dyt = make_tensor(ocl.get(), ys, random_vector(count_of(ys), rng));
  const cnn_pool2d_params pool{3, 3, 2, 1, 1, 1, 0, 2, 0};
  int64_t ph = (g.h + 2 - 3) / 2 + 1, pw = (g.w + 2 - 3) / 1 + 1;
  TensorPtr pdy =
      make_tensor(ocl.get(), {g.n, g.c, ph, pw}, random_vector(static_cast<size_t>(g.n * g.c * ph * pw), rng));
  std::vector<float> results[2][2];
  for (Geometry geometry : {Geometry::Rows, Geometry::Elements}) {
    const ForcedGeometry forced(geometry);
    const int i = geometry == Geometry::Rows ? 0 : 1;
    TensorPtr dxt = make_tensor(ocl.get(), xs), pdx = make_tensor(ocl.get(), xs);
    ASSERT_EQ(cnn_conv2d_backward(ocl.get(), xt.get(), wt.get(), dyt.get(), &cc.p, dxt.get(), nullptr, nullptr), CNN_OK)
        << cnn_last_error_message();
    ASSERT_EQ(cnn_maxpool2d_backward(ocl.get(), xt.get(), pdy.get(), &pool, pdx.get()), CNN_OK)
        << cnn_last_error_message();
    results[i][0] = read_tensor(dxt.get());
    results[i][1] = read_tensor(pdx.get());
  }
  EXPECT_TRUE(all_close(results[0][0], results[1][0], "conv2d dx, rows vs elements", 0));
  EXPECT_TRUE(all_close(results[0][1], results[1][1], "maxpool dx, rows vs elements", 0));
}

INSTANTIATE_TEST_SUITE_P(BothGeometries, OpenCLGeometry, ::testing::Values(Geometry::Rows, Geometry::Elements),
                         [](const ::testing::TestParamInfo<Geometry>& param) {
                           return std::string(cnn::opencl::geometry_name(param.param));
                         });

}  // namespace
