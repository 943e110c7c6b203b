// Element-wise activations on a device, forward and backward (kernels/activation.cl): one program for every
// activation, which a kernel argument selects.
#include "opencl/launch.h"
#include "opencl/ops.h"

namespace cnn::opencl {

void activation_forward(Runtime& runtime, cnn_activation activation, float alpha, int64_t count, cl_mem x, cl_mem y) {
  const size_t global[1] = {grid_stride_items(count)};
  runtime.launch(plain_kernel(runtime, "activation", "activation_forward"), "activation_forward", 1, global, nullptr,
                 static_cast<cl_long>(count), static_cast<cl_int>(activation), static_cast<cl_float>(alpha), x, y);
}

void activation_backward(Runtime& runtime, cnn_activation activation, float alpha, int64_t count, cl_mem x,
                         cl_mem dy, cl_mem dx) {
  const size_t global[1] = {grid_stride_items(count)};
  runtime.launch(plain_kernel(runtime, "activation", "activation_backward"), "activation_backward", 1, global,
                 nullptr, static_cast<cl_long>(count), static_cast<cl_int>(activation), static_cast<cl_float>(alpha), x,
                 dy, dx);
}

}  // namespace cnn::opencl
