// The OpenCL runtime's scratch pool (opencl/runtime.h, Scratch): a buffer given back is handed out again for a
// request it fits (at most twice as large), a larger request gets a new buffer, and ops that use scratch back to back
// (convolutions reusing one another's col) still match the reference.
#include <cnn/cnn.h>
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "kernels/kernels.h"
#include "opencl/runtime.h"
#include "test_opencl_util.h"
#include "test_util.h"

namespace {

using namespace cnn_test;

TEST(OpenCLScratch, GivenBackBuffersAreReusedWhenTheyFit) {
  ContextPtr ocl = make_opencl_context();  // keeps the runtime alive
  auto runtime = cnn::opencl::Runtime::for_device(0);
  cl_mem first = nullptr;
  {
    const cnn::opencl::Scratch a(*runtime, 1000003);
    first = a.mem();
  }
  {
    const cnn::opencl::Scratch b(*runtime, 999999);  // fits the given-back buffer: the same memory again
    EXPECT_EQ(b.mem(), first);
    const cnn::opencl::Scratch c(*runtime, 1000003);  // b holds it now: another buffer
    EXPECT_NE(c.mem(), first);
  }
  {
    const cnn::opencl::Scratch small(*runtime, 1000);  // far smaller than anything free: a buffer of its own
    EXPECT_NE(small.mem(), first);
    const cnn::opencl::Scratch large(*runtime, 4000000);  // larger than anything free
    EXPECT_NE(large.mem(), first);
  }
}

TEST(OpenCLScratch, ConvolutionsSharingScratchMatchTheReference) {
  ContextPtr cpu = make_context(), ocl = make_opencl_context();
  std::mt19937 rng(113);
  cnn::Conv2dGeometry g{};
  g.n = 5, g.c = 3, g.h = 12, g.w = 10, g.oc = 4, g.kh = 3, g.kw = 3, g.stride_h = 1, g.stride_w = 1;
  g.pad_top = 1, g.pad_left = 1, g.dilation_h = 1, g.dilation_w = 1, g.oh = 12, g.ow = 10;
  const cnn_conv2d_params p{1, 1, 1, 1, 1, 1, 1, 1};
  for (int round = 0; round < 3; ++round) {  // each call takes the scratch the previous one gave back
    std::vector<float> x = random_vector(static_cast<size_t>(g.n * g.c * g.h * g.w), rng);
    std::vector<float> w = random_vector(static_cast<size_t>(g.oc * g.c * g.kh * g.kw), rng);
    std::vector<float> y(static_cast<size_t>(g.n * g.oc * g.oh * g.ow));
    cnn::conv2d_forward_ref(*cpu, g, x.data(), w.data(), nullptr, y.data());
    TensorPtr xt = make_tensor(ocl.get(), {g.n, g.c, g.h, g.w}, x), wt = make_tensor(ocl.get(), {g.oc, g.c, 3, 3}, w);
    TensorPtr yt = make_tensor(ocl.get(), {g.n, g.oc, g.oh, g.ow});
    ASSERT_EQ(cnn_conv2d_forward(ocl.get(), xt.get(), wt.get(), nullptr, &p, yt.get()), CNN_OK)
        << cnn_last_error_message();
    EXPECT_TRUE(all_close(read_tensor(yt.get()), y, "seed 113, round " + std::to_string(round), 1e-4f));
  }
}

}  // namespace
