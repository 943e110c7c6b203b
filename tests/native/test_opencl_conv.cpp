// Convolution and dense backward on an OpenCL context against the CPU reference kernels: random shapes with 1,
// primes, strides, asymmetric padding, dilation, 1x1 kernels and batches split into several GEMM chunks, and
// central finite differences of the device's own forward for conv2d backward (dx and dw).
// Tolerance: |device - ref| <= 1e-5 * sqrt(K) * (1 + |ref|), K the length of the summed dot products (float
// rounding of a K-term sum grows like sqrt(K) when the summation orders differ).
#include <cnn/cnn.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "kernels/kernels.h"
#include "test_opencl_util.h"
#include "test_util.h"

namespace {

using namespace cnn_test;

float tolerance(int64_t k) { return 1e-5f * std::sqrt(static_cast<float>(k)); }

struct ConvCase {
  int64_t n, c, h, w, oc, kh, kw;
  cnn_conv2d_params p;
};

// stride_h, stride_w, pad_top, pad_bottom, pad_left, pad_right, dilation_h, dilation_w
const ConvCase kCases[] = {
    {1, 1, 1, 1, 1, 1, 1, {1, 1, 0, 0, 0, 0, 1, 1}},    // everything 1
    {2, 3, 7, 5, 4, 1, 1, {1, 1, 0, 0, 0, 0, 1, 1}},    // 1x1 kernel
    {3, 2, 9, 11, 5, 3, 3, {1, 1, 1, 1, 1, 1, 1, 1}},   // "same" 3x3
    {2, 3, 13, 7, 3, 3, 2, {2, 1, 0, 2, 1, 0, 1, 1}},   // strides, asymmetric padding, non-square kernel
    {1, 5, 17, 17, 7, 5, 5, {2, 2, 2, 2, 2, 2, 1, 1}},  // 5x5 stride 2
    {2, 2, 11, 9, 3, 3, 3, {1, 2, 2, 1, 0, 3, 2, 2}},   // dilation 2
    {1, 1, 3, 3, 2, 1, 1, {2, 2, 0, 0, 0, 0, 1, 1}},    // 1x1 kernel with stride 2
    {4, 1, 28, 28, 8, 5, 5, {1, 1, 2, 2, 2, 2, 1, 1}},  // the reference network's first layer, batch 4
    // Large enough for the convolution scratch (launch.h, conv_scratch_floats) to split the batch: with 32 MiB
    // (GPUs) chunks of 5 + 2 images, then 1 + 1; with 8 MiB (CPU devices) 1 image per chunk for both, and 4 + 4 + 1
    // for the third.
    {7, 64, 32, 32, 3, 5, 5, {1, 1, 2, 2, 2, 2, 1, 1}},
    {2, 64, 64, 64, 2, 5, 5, {1, 1, 2, 2, 2, 2, 1, 1}},
    {9, 64, 27, 27, 5, 3, 3, {1, 1, 1, 1, 1, 1, 1, 1}},
};

cnn::Conv2dGeometry geometry(const ConvCase& cc) {
  cnn::Conv2dGeometry g{};
  g.n = cc.n;
  g.c = cc.c;
  g.h = cc.h;
  g.w = cc.w;
  g.oc = cc.oc;
  g.kh = cc.kh;
  g.kw = cc.kw;
  g.stride_h = cc.p.stride_h;
  g.stride_w = cc.p.stride_w;
  g.pad_top = cc.p.pad_top;
  g.pad_left = cc.p.pad_left;
  g.dilation_h = cc.p.dilation_h;
  g.dilation_w = cc.p.dilation_w;
  g.oh = (cc.h + cc.p.pad_top + cc.p.pad_bottom - cc.p.dilation_h * (cc.kh - 1) - 1) / cc.p.stride_h + 1;
  g.ow = (cc.w + cc.p.pad_left + cc.p.pad_right - cc.p.dilation_w * (cc.kw - 1) - 1) / cc.p.stride_w + 1;
  return g;
}

std::string describe(const cnn::Conv2dGeometry& g) {
  std::ostringstream s;
  s << "x [" << g.n << "," << g.c << "," << g.h << "," << g.w << "] w [" << g.oc << "," << g.c << "," << g.kh << ","
    << g.kw << "] stride " << g.stride_h << "x" << g.stride_w << " pad " << g.pad_top << "," << g.pad_left
    << " dilation " << g.dilation_h << "x" << g.dilation_w;
  return s.str();
}

size_t size(int64_t a, int64_t b, int64_t c, int64_t d) { return static_cast<size_t>(a * b * c * d); }

TEST(OpenCLConv2d, ForwardMatchesTheReferenceKernel) {
  ContextPtr cpu = make_context(), ocl = make_opencl_context();
  std::mt19937 rng(31);
  int index = 0;
  for (const ConvCase& cc : kCases) {
    const cnn::Conv2dGeometry g = geometry(cc);
    const bool with_bias = index++ % 2 == 0;
    const std::string what = "seed 31: " + describe(g) + (with_bias ? " with bias" : " no bias");
    std::vector<float> x = random_vector(size(g.n, g.c, g.h, g.w), rng);
    std::vector<float> w = random_vector(size(g.oc, g.c, g.kh, g.kw), rng);
    std::vector<float> b = random_vector(static_cast<size_t>(g.oc), rng);
    std::vector<float> ref(size(g.n, g.oc, g.oh, g.ow));
    cnn::conv2d_forward_ref(*cpu, g, x.data(), w.data(), with_bias ? b.data() : nullptr, ref.data());

    TensorPtr xt = make_tensor(ocl.get(), {g.n, g.c, g.h, g.w}, x),
              wt = make_tensor(ocl.get(), {g.oc, g.c, g.kh, g.kw}, w);
    TensorPtr bt = make_tensor(ocl.get(), {g.oc}, b), yt = make_tensor(ocl.get(), {g.n, g.oc, g.oh, g.ow});
    ASSERT_EQ(cnn_conv2d_forward(ocl.get(), xt.get(), wt.get(), with_bias ? bt.get() : nullptr, &cc.p, yt.get()),
              CNN_OK)
        << what << ": " << cnn_last_error_message();
    EXPECT_TRUE(all_close(read_tensor(yt.get()), ref, what, tolerance(g.c * g.kh * g.kw)));
  }
}

TEST(OpenCLConv2d, BackwardMatchesTheReferenceKernels) {
  ContextPtr cpu = make_context(), ocl = make_opencl_context();
  std::mt19937 rng(37);
  for (const ConvCase& cc : kCases) {
    const cnn::Conv2dGeometry g = geometry(cc);
    const std::string what = "seed 37: " + describe(g);
    std::vector<float> x = random_vector(size(g.n, g.c, g.h, g.w), rng);
    std::vector<float> w = random_vector(size(g.oc, g.c, g.kh, g.kw), rng);
    std::vector<float> dy = random_vector(size(g.n, g.oc, g.oh, g.ow), rng);
    std::vector<float> dx(x.size()), dw(w.size()), db(static_cast<size_t>(g.oc));
    cnn::conv2d_backward_data_ref(*cpu, g, w.data(), dy.data(), dx.data());
    cnn::conv2d_backward_filter_ref(*cpu, g, x.data(), dy.data(), dw.data());
    cnn::bias_backward_ref(*cpu, g.n, g.oc, g.oh * g.ow, dy.data(), db.data());

    TensorPtr xt = make_tensor(ocl.get(), {g.n, g.c, g.h, g.w}, x),
              wt = make_tensor(ocl.get(), {g.oc, g.c, g.kh, g.kw}, w);
    TensorPtr dyt = make_tensor(ocl.get(), {g.n, g.oc, g.oh, g.ow}, dy);
    TensorPtr dxt = make_tensor(ocl.get(), {g.n, g.c, g.h, g.w}), dwt = make_tensor(ocl.get(), {g.oc, g.c, g.kh, g.kw});
    TensorPtr dbt = make_tensor(ocl.get(), {g.oc});
    ASSERT_EQ(cnn_conv2d_backward(ocl.get(), xt.get(), wt.get(), dyt.get(), &cc.p, dxt.get(), dwt.get(), dbt.get()),
              CNN_OK)
        << what << ": " << cnn_last_error_message();
    EXPECT_TRUE(all_close(read_tensor(dxt.get()), dx, what + ": dx", tolerance(g.oc * g.kh * g.kw)));
    EXPECT_TRUE(all_close(read_tensor(dwt.get()), dw, what + ": dw", tolerance(g.n * g.oh * g.ow)));
    EXPECT_TRUE(all_close(read_tensor(dbt.get()), db, what + ": db", tolerance(g.n * g.oh * g.ow)));

    // Each gradient alone (the others null) gives the same values.
    TensorPtr dw_only = make_tensor(ocl.get(), {g.oc, g.c, g.kh, g.kw});
    ASSERT_EQ(cnn_conv2d_backward(ocl.get(), xt.get(), wt.get(), dyt.get(), &cc.p, nullptr, dw_only.get(), nullptr),
              CNN_OK)
        << cnn_last_error_message();
    EXPECT_TRUE(all_close(read_tensor(dw_only.get()), read_tensor(dwt.get()), what + ": dw alone", 0));
  }
}

// L = sum r * conv(x, w): the device's backward against central differences of the device's forward.
TEST(OpenCLConv2d, BackwardMatchesFiniteDifferences) {
  ContextPtr ocl = make_opencl_context();
  const ConvCase cc{2, 3, 7, 6, 4, 3, 3, {2, 1, 1, 0, 1, 1, 1, 1}};
  const cnn::Conv2dGeometry g = geometry(cc);
  std::mt19937 rng(41);
  std::vector<float> x = random_vector(size(g.n, g.c, g.h, g.w), rng);
  std::vector<float> w = random_vector(size(g.oc, g.c, g.kh, g.kw), rng);
  std::vector<float> r = random_vector(size(g.n, g.oc, g.oh, g.ow), rng);
  TensorPtr xt = make_tensor(ocl.get(), {g.n, g.c, g.h, g.w}, x),
            wt = make_tensor(ocl.get(), {g.oc, g.c, g.kh, g.kw}, w);
  TensorPtr rt = make_tensor(ocl.get(), {g.n, g.oc, g.oh, g.ow}, r),
            yt = make_tensor(ocl.get(), {g.n, g.oc, g.oh, g.ow});
  TensorPtr dxt = make_tensor(ocl.get(), {g.n, g.c, g.h, g.w}), dwt = make_tensor(ocl.get(), {g.oc, g.c, g.kh, g.kw});
  ASSERT_EQ(cnn_conv2d_backward(ocl.get(), xt.get(), wt.get(), rt.get(), &cc.p, dxt.get(), dwt.get(), nullptr), CNN_OK)
      << cnn_last_error_message();

  // forward(input) writes `input` into `into` (x or w) and returns conv(x, w) from the device.
  auto forward_with = [&](cnn_tensor* into) {
    return [&, into](const std::vector<float>& input) {
      EXPECT_EQ(cnn_tensor_write(into, input.data(), input.size()), CNN_OK);
      EXPECT_EQ(cnn_conv2d_forward(ocl.get(), xt.get(), wt.get(), nullptr, &cc.p, yt.get()), CNN_OK)
          << cnn_last_error_message();
      return read_tensor(yt.get());
    };
  };
  EXPECT_TRUE(check_gradient("OpenCL conv2d dx, " + describe(g), x, r, read_tensor(dxt.get()), forward_with(xt.get()),
                             rng, 120));
  ASSERT_EQ(cnn_tensor_write(xt.get(), x.data(), x.size()), CNN_OK);
  EXPECT_TRUE(check_gradient("OpenCL conv2d dw, " + describe(g), w, r, read_tensor(dwt.get()), forward_with(wt.get()),
                             rng, 120));
}

TEST(OpenCLDense, BackwardMatchesTheReferenceKernels) {
  ContextPtr cpu = make_context(), ocl = make_opencl_context();
  const int64_t shapes[][3] = {{1, 1, 1}, {3, 7, 5}, {17, 33, 2}, {64, 127, 10}, {5, 1, 129}};
  std::mt19937 rng(43);
  for (const auto& s : shapes) {
    const int64_t n = s[0], in = s[1], out = s[2];
    std::ostringstream what;
    what << "seed 43: x [" << n << "," << in << "] w [" << out << "," << in << "]";
    std::vector<float> x = random_vector(static_cast<size_t>(n * in), rng);
    std::vector<float> w = random_vector(static_cast<size_t>(out * in), rng);
    std::vector<float> dy = random_vector(static_cast<size_t>(n * out), rng);
    std::vector<float> dx(x.size()), dw(w.size()), db(static_cast<size_t>(out));
    cnn::dense_backward_ref(*cpu, n, in, out, x.data(), w.data(), dy.data(), dx.data(), dw.data());
    cnn::bias_backward_ref(*cpu, n, out, 1, dy.data(), db.data());

    TensorPtr xt = make_tensor(ocl.get(), {n, in}, x), wt = make_tensor(ocl.get(), {out, in}, w);
    TensorPtr dyt = make_tensor(ocl.get(), {n, out}, dy);
    TensorPtr dxt = make_tensor(ocl.get(), {n, in}), dwt = make_tensor(ocl.get(), {out, in}),
              dbt = make_tensor(ocl.get(), {out});
    ASSERT_EQ(cnn_dense_backward(ocl.get(), xt.get(), wt.get(), dyt.get(), dxt.get(), dwt.get(), dbt.get()), CNN_OK)
        << what.str() << ": " << cnn_last_error_message();
    EXPECT_TRUE(all_close(read_tensor(dxt.get()), dx, what.str() + ": dx", tolerance(out)));
    EXPECT_TRUE(all_close(read_tensor(dwt.get()), dw, what.str() + ": dw", tolerance(n)));
    EXPECT_TRUE(all_close(read_tensor(dbt.get()), db, what.str() + ": db", tolerance(n)));
  }
}

}  // namespace
