// OpenCL devices, contexts and device tensors through the C ABI: the device list and its messages, write/read
// round trips, reshape views, the device utilities against the CPU, device checks on every path (no CPU
// kernel ever touches device memory), and a kernel build failure carrying the compiler's log.
#include <cnn/cnn.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/tensor.h"
#include "opencl/runtime.h"
#include "test_opencl_util.h"
#include "test_util.h"

namespace {

using namespace cnn_test;

int32_t device_count() {
  int32_t count = -1;
  EXPECT_EQ(cnn_device_count(&count), CNN_OK) << cnn_last_error_message();
  return count;
}

TEST(OpenCLDevices, AtLeastOneDeviceIsListed) {
  EXPECT_GE(device_count(), 1) << "install pocl-opencl-icd (bash native/setup.sh)";
  EXPECT_TRUE(fails_with(cnn_device_count(nullptr), CNN_INVALID_ARGUMENT, "cnn_device_count: out is null"));
}

TEST(OpenCLDevices, InfoFieldsAreSane) {
  const int32_t count = device_count();
  for (int32_t i = 0; i < count; ++i) {
    SCOPED_TRACE("device " + std::to_string(i) + ": " + opencl_device_phrase(i));
    cnn_device_properties p{};
    ASSERT_EQ(cnn_device_info(i, &p), CNN_OK) << cnn_last_error_message();
    EXPECT_GT(p.global_memory_bytes, 0u);
    EXPECT_GT(p.local_memory_bytes, 0u);
    EXPECT_GT(p.max_allocation_bytes, 0u);
    EXPECT_LE(p.max_allocation_bytes, p.global_memory_bytes);
    EXPECT_GE(p.max_work_group_size, 1u);
    EXPECT_GE(p.compute_units, 1);
    EXPECT_GE(static_cast<int>(p.type), static_cast<int>(CNN_DEVICE_TYPE_OTHER));
    EXPECT_LE(static_cast<int>(p.type), static_cast<int>(CNN_DEVICE_TYPE_ACCELERATOR));
    EXPECT_TRUE(p.fp16_supported == 0 || p.fp16_supported == 1);
    EXPECT_TRUE(p.fp64_supported == 0 || p.fp64_supported == 1);
    EXPECT_STRNE(cnn_device_string(i, CNN_DEVICE_TEXT_NAME), "");
    EXPECT_STRNE(cnn_device_string(i, CNN_DEVICE_TEXT_PLATFORM), "");
    EXPECT_STRNE(cnn_device_string(i, CNN_DEVICE_TEXT_VENDOR), "");
    EXPECT_STRNE(cnn_device_string(i, CNN_DEVICE_TEXT_DRIVER_VERSION), "");
    EXPECT_EQ(std::string(cnn_device_string(i, CNN_DEVICE_TEXT_VERSION)).rfind("OpenCL ", 0), 0u)
        << cnn_device_string(i, CNN_DEVICE_TEXT_VERSION);
  }
  EXPECT_STREQ(cnn_device_string(count, CNN_DEVICE_TEXT_NAME), "");
  EXPECT_STREQ(cnn_device_string(-1, CNN_DEVICE_TEXT_NAME), "");
  EXPECT_STREQ(cnn_device_string(0, static_cast<cnn_device_text>(7)), "");
}

TEST(OpenCLDevices, IndexOutOfRangeListsTheDevices) {
  const int32_t count = device_count();
  const std::string listed = std::to_string(count) + (count == 1 ? " OpenCL device" : " OpenCL devices") +
                             " found: #0 '" + cnn_device_string(0, CNN_DEVICE_TEXT_NAME) + "'";
  cnn_device_properties p{};
  EXPECT_TRUE(fails_with(cnn_device_info(count, &p), CNN_INVALID_ARGUMENT,
                         "cnn_device_info: OpenCL device index " + std::to_string(count) + " is out of range: " +
                             listed));
  cnn_context* ctx = reinterpret_cast<cnn_context*>(&p);  // must be reset to null on failure
  EXPECT_TRUE(fails_with(cnn_context_create_device(-1, &ctx), CNN_INVALID_ARGUMENT,
                         "cnn_context_create_device: OpenCL device index -1 is out of range: " + listed));
  EXPECT_EQ(ctx, nullptr);
}

TEST(OpenCLContext, ReportsItsDevice) {
  ContextPtr cpu = make_context();
  ContextPtr ocl = make_opencl_context();
  int32_t device = 7;
  ASSERT_EQ(cnn_context_device(cpu.get(), &device), CNN_OK);
  EXPECT_EQ(device, -1);
  ASSERT_EQ(cnn_context_device(ocl.get(), &device), CNN_OK);
  EXPECT_EQ(device, 0);
  TensorPtr a = make_tensor(cpu.get(), {2}), b = make_tensor(ocl.get(), {2});
  ASSERT_EQ(cnn_tensor_device(a.get(), &device), CNN_OK);
  EXPECT_EQ(device, -1);
  ASSERT_EQ(cnn_tensor_device(b.get(), &device), CNN_OK);
  EXPECT_EQ(device, 0);
  int32_t threads = 0;
  ASSERT_EQ(cnn_context_threads(ocl.get(), &threads), CNN_OK);
  EXPECT_GE(threads, 1);
}

TEST(OpenCLContext, SynchronizeWaitsForEveryQueuedOp) {
  ContextPtr cpu = make_context();
  ContextPtr ocl = make_opencl_context();
  EXPECT_EQ(cnn_context_synchronize(cpu.get()), CNN_OK) << cnn_last_error_message();
  EXPECT_TRUE(fails_with(cnn_context_synchronize(nullptr), CNN_INVALID_ARGUMENT, "cnn_context_synchronize: context is null"));
  // More launches than the runtime keeps in flight (it drains the queue every 256): all of them run, in order.
  TensorPtr t = make_tensor(ocl.get(), {37});
  ASSERT_EQ(cnn_tensor_fill(ocl.get(), t.get(), 1.0f), CNN_OK);
  // 500 doublings and 499 halvings, alternating: exactly 2 when every one ran once, in any drain pattern.
  for (int i = 0; i < 999; ++i) ASSERT_EQ(cnn_tensor_scale(ocl.get(), t.get(), i % 2 == 0 ? 2.0f : 0.5f), CNN_OK);
  ASSERT_EQ(cnn_context_synchronize(ocl.get()), CNN_OK) << cnn_last_error_message();
  std::vector<float> out(37);
  ASSERT_EQ(cnn_tensor_read(t.get(), out.data(), out.size()), CNN_OK);
  for (float v : out) EXPECT_EQ(v, 2.0f);
}

TEST(OpenCLTensor, WriteReadRoundTripsOddShapes) {
  ContextPtr ctx = make_opencl_context();
  const std::vector<std::vector<int64_t>> shapes = {{1}, {7}, {3, 5}, {17, 33, 3}, {127, 129}, {2, 3, 5, 7}};
  std::mt19937 rng(5);
  for (const auto& shape : shapes) {
    SCOPED_TRACE(shape_text(shape));
    TensorPtr t = make_tensor(ctx.get(), shape);
    std::vector<float> zeros = read_tensor(t.get());
    EXPECT_TRUE(all_close(zeros, std::vector<float>(zeros.size(), 0.0f), "a new tensor is zero-filled", 0));
    std::vector<float> values = random_vector(zeros.size(), rng, -1e3f, 1e3f);
    ASSERT_EQ(cnn_tensor_write(t.get(), values.data(), values.size()), CNN_OK) << cnn_last_error_message();
    std::vector<float> back = read_tensor(t.get());
    EXPECT_EQ(std::memcmp(back.data(), values.data(), values.size() * sizeof(float)), 0) << "bits changed";
    std::vector<float> wrong(values.size() + 1);
    EXPECT_TRUE(fails_with(cnn_tensor_read(t.get(), wrong.data(), wrong.size()), CNN_INVALID_ARGUMENT,
                           "count " + std::to_string(wrong.size()) + " != element count"));
  }
}

TEST(OpenCLTensor, ReshapeViewsShareTheBuffer) {
  ContextPtr ctx = make_opencl_context();
  std::mt19937 rng(11);
  std::vector<float> values = random_vector(24, rng);
  TensorPtr base = make_tensor(ctx.get(), {6, 4}, values);
  const int64_t flat[] = {24}, cube[] = {2, 3, 4};
  cnn_tensor* raw = nullptr;
  ASSERT_EQ(cnn_tensor_reshape(base.get(), flat, 1, &raw), CNN_OK) << cnn_last_error_message();
  TensorPtr flat_view(raw);
  ASSERT_EQ(cnn_tensor_reshape(base.get(), cube, 3, &raw), CNN_OK) << cnn_last_error_message();
  TensorPtr cube_view(raw);
  EXPECT_TRUE(all_close(read_tensor(flat_view.get()), values, "flat view", 0));
  EXPECT_TRUE(all_close(read_tensor(cube_view.get()), values, "cube view", 0));
  std::vector<float> other = random_vector(24, rng);
  ASSERT_EQ(cnn_tensor_write(cube_view.get(), other.data(), other.size()), CNN_OK);
  EXPECT_TRUE(all_close(read_tensor(base.get()), other, "base after a write through the view", 0));
  base.reset();  // the views keep the buffer alive
  EXPECT_TRUE(all_close(read_tensor(flat_view.get()), other, "view after the base handle is gone", 0));
}

TEST(OpenCLTensor, OutlivesItsContext) {
  ContextPtr ctx = make_opencl_context();
  TensorPtr t = make_tensor(ctx.get(), {5}, {1, 2, 3, 4, 5});
  ctx.reset();
  EXPECT_TRUE(all_close(read_tensor(t.get()), {1, 2, 3, 4, 5}, "read after cnn_context_destroy", 0));
}

TEST(OpenCLTensor, TooLargeForTheDeviceIsOutOfMemory) {
  ContextPtr ctx = make_opencl_context();
  cnn_device_properties p{};
  ASSERT_EQ(cnn_device_info(0, &p), CNN_OK);
  const int64_t floats = static_cast<int64_t>(p.max_allocation_bytes / sizeof(float)) + 1;
  cnn_tensor* t = nullptr;
  EXPECT_TRUE(fails_with(cnn_tensor_create(ctx.get(), &floats, 1, &t), CNN_OUT_OF_MEMORY,
                         "cnn_tensor_create: a tensor of " + std::to_string(floats) + " floats (" +
                             std::to_string(floats * 4) + " bytes) exceeds the largest single allocation of " +
                             opencl_device_phrase(0)));
  EXPECT_EQ(t, nullptr);
}

TEST(OpenCLTensor, HostPointerIsRefusedNamingTheDevice) {
  ContextPtr ctx = make_opencl_context();
  TensorPtr t = make_tensor(ctx.get(), {3, 2});
  float* data = reinterpret_cast<float*>(&t);
  EXPECT_TRUE(fails_with(cnn_tensor_data(t.get(), &data), CNN_UNSUPPORTED,
                         "cnn_tensor_data: tensor [3,2] is on device 1 (" + opencl_device_phrase(0) +
                             "), not the CPU; its memory is not host memory: copy it out with cnn_tensor_read"));
  EXPECT_EQ(data, nullptr);
}

TEST(OpenCLTensor, UtilitiesMatchTheCpu) {
  ContextPtr cpu = make_context(), ocl = make_opencl_context();
  std::mt19937 rng(3);
  for (int64_t count : {1, 7, 1000, 65537}) {
    SCOPED_TRACE("count " + std::to_string(count));
    std::vector<float> values = random_vector(static_cast<size_t>(count), rng, -2, 2);
    TensorPtr a = make_tensor(ocl.get(), {count}, values), b = make_tensor(ocl.get(), {count});
    TensorPtr c = make_tensor(cpu.get(), {count}, values);

    ASSERT_EQ(cnn_tensor_copy(ocl.get(), a.get(), b.get()), CNN_OK) << cnn_last_error_message();
    EXPECT_TRUE(all_close(read_tensor(b.get()), values, "copy", 0));

    ASSERT_EQ(cnn_tensor_scale(ocl.get(), b.get(), -0.5f), CNN_OK) << cnn_last_error_message();
    ASSERT_EQ(cnn_tensor_scale(cpu.get(), c.get(), -0.5f), CNN_OK);
    EXPECT_TRUE(all_close(read_tensor(b.get()), read_tensor(c.get()), "scale", 0));

    double on_device = 0, on_cpu = 0;
    ASSERT_EQ(cnn_tensor_sum_squares(ocl.get(), b.get(), &on_device), CNN_OK) << cnn_last_error_message();
    ASSERT_EQ(cnn_tensor_sum_squares(cpu.get(), c.get(), &on_cpu), CNN_OK);
    // Float partials (Kahan-compensated) summed in double: within a few float roundings of the double sum.
    EXPECT_NEAR(on_device, on_cpu, 1e-6 * on_cpu) << "sum of squares";

    ASSERT_EQ(cnn_tensor_fill(ocl.get(), a.get(), 2.5f), CNN_OK) << cnn_last_error_message();
    EXPECT_TRUE(all_close(read_tensor(a.get()), std::vector<float>(static_cast<size_t>(count), 2.5f), "fill", 0));
  }
}

TEST(OpenCLTensor, CrossDeviceArgumentsNameBothDevices) {
  ContextPtr cpu = make_context(), ocl = make_opencl_context();
  TensorPtr x = make_tensor(ocl.get(), {4, 3}), w = make_tensor(ocl.get(), {2, 3}), y = make_tensor(ocl.get(), {4, 2});
  TensorPtr cpu_x = make_tensor(cpu.get(), {4, 3}), cpu_y = make_tensor(cpu.get(), {4, 2});
  const std::string on_ocl = "is on device 1 (" + opencl_device_phrase(0) + ")";
  EXPECT_TRUE(fails_with(cnn_dense_forward(cpu.get(), x.get(), w.get(), nullptr, cpu_y.get()), CNN_INVALID_ARGUMENT,
                         "cnn_dense_forward: x [4,3] " + on_ocl + " but the context is on device 0 (CPU)"));
  EXPECT_TRUE(fails_with(cnn_dense_forward(ocl.get(), cpu_x.get(), w.get(), nullptr, y.get()), CNN_INVALID_ARGUMENT,
                         "cnn_dense_forward: x [4,3] is on device 0 (CPU) but the context is on device 1 (" +
                             opencl_device_phrase(0) + ")"));
  EXPECT_TRUE(fails_with(cnn_dense_forward(ocl.get(), x.get(), w.get(), nullptr, cpu_y.get()), CNN_INVALID_ARGUMENT,
                         "cnn_dense_forward: y [4,2] is on device 0 (CPU)"));
  EXPECT_TRUE(fails_with(cnn_tensor_copy(ocl.get(), cpu_x.get(), x.get()), CNN_INVALID_ARGUMENT,
                         "cnn_tensor_copy: src [4,3] is on device 0 (CPU) but the context is on device 1"));
  EXPECT_TRUE(fails_with(cnn_tensor_fill(cpu.get(), x.get(), 1), CNN_INVALID_ARGUMENT,
                         "cnn_tensor_fill: tensor [4,3] " + on_ocl + " but the context is on device 0 (CPU)"));
  // Ops of other files check through api/op_checks.h require_device: refused, never dereferenced (the names
  // of the devices appear once require_device calls cnn::require_same_device).
  EXPECT_TRUE(fails_with(cnn_activation_forward(cpu.get(), CNN_ACTIVATION_RELU, 0, x.get(), x.get()),
                         CNN_INVALID_ARGUMENT, "cnn_activation_forward: x [4,3] is on device 1"));
  EXPECT_TRUE(fails_with(cnn_activation_forward(cpu.get(), CNN_ACTIVATION_RELU, 0, x.get(), x.get()),
                         CNN_INVALID_ARGUMENT, " but the context is on device 0"));
}

// Every op has an OpenCL kernel now, but the guard stays: CPU kernels reach tensor memory only through
// cnn_tensor::data(), which refuses device storage, so a future op without a device kernel fails cleanly.
TEST(OpenCLTensor, HostMemoryOfADeviceTensorIsRefusedNamingTheDevice) {
  ContextPtr ocl = make_opencl_context();
  TensorPtr x = make_tensor(ocl.get(), {4, 3});
  try {
    (void)x->data();
    FAIL() << "data() returned host memory for a device tensor";
  } catch (const cnn::Error& e) {
    EXPECT_EQ(e.status(), CNN_UNSUPPORTED);
    EXPECT_NE(std::string(e.what()).find("tensor [4,3] is in the memory of device 1 (" + opencl_device_phrase(0) +
                                         ") and this op has no kernel for that device yet"),
              std::string::npos)
        << e.what();
  }
}

TEST(OpenCLKernels, BuildFailureCarriesTheBuildLog) {
  auto runtime = cnn::opencl::Runtime::for_device(0);
  try {
    runtime->build("broken", "__kernel void broken(__global float* x) { x[0] = undeclared_name; }", "-cl-std=CL1.2");
    FAIL() << "a kernel using an undeclared name was built";
  } catch (const cnn::Error& e) {
    EXPECT_EQ(e.status(), CNN_DEVICE_ERROR);
    const std::string message = e.what();
    EXPECT_NE(message.find("building OpenCL kernel file kernels/broken.cl (options '-cl-std=CL1.2') failed on " +
                           opencl_device_phrase(0) + ": CL_BUILD_PROGRAM_FAILURE (-11); build log:"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("undeclared_name"), std::string::npos) << "the log names the culprit: " << message;
  }
}

}  // namespace
