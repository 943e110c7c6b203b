// Element-wise activations on a device, forward and backward (kernels/activation.cl): one program for every
// activation, which a kernel argument selects.
#include <string>

#include "opencl/launch.h"
#include "opencl/ops.h"

namespace cnn::opencl {

namespace {

// One program per activation (kernels/activation.cl takes it as ACTIVATION), so the element loop has no branch.
cl_kernel activation_kernel(Runtime& runtime, cnn_activation activation, const char* name) {
  return runtime.kernel("activation", "-cl-std=CL1.2 -DACTIVATION=" + std::to_string(static_cast<int>(activation)),
                        name);
}

}  // namespace

void activation_forward(Runtime& runtime, cnn_activation activation, float alpha, int64_t count, cl_mem x, cl_mem y) {
  const Elementwise e = elementwise_launch(runtime, count);
  runtime.launch(activation_kernel(runtime, activation, "activation_forward"), "activation_forward", 1, e.range.global,
                 e.range.local, static_cast<cl_long>(count), e.chunk, static_cast<cl_float>(alpha), x, y);
}

void activation_backward(Runtime& runtime, cnn_activation activation, float alpha, int64_t count, cl_mem x,
                         cl_mem dy, cl_mem dx) {
  const Elementwise e = elementwise_launch(runtime, count);
  runtime.launch(activation_kernel(runtime, activation, "activation_backward"), "activation_backward", 1,
                 e.range.global, e.range.local, static_cast<cl_long>(count), e.chunk, static_cast<cl_float>(alpha), x,
                 dy, dx);
}

}  // namespace cnn::opencl
