// Batch norm over (N, H, W) per channel on a device (kernels/batchnorm2d.cl): the training forward and the
// backward run one work-group per channel, the inference forward one work-item per element.
#include "opencl/launch.h"
#include "opencl/ops.h"

namespace cnn::opencl {

void batchnorm2d_forward_training(Runtime& runtime, const BatchNormShape& s, cl_mem x, cl_mem gamma, cl_mem beta,
                                  float momentum, float epsilon, cl_mem running_mean, cl_mem running_var,
                                  cl_mem saved_mean, cl_mem saved_inv_std, cl_mem y) {
  const GroupKernel k = group_kernel(runtime, "batchnorm2d", "batchnorm2d_forward_training");
  const size_t global[1] = {static_cast<size_t>(s.c) * k.group_size}, local[1] = {k.group_size};
  runtime.launch(k.kernel, "batchnorm2d_forward_training", 1, global, local, static_cast<cl_long>(s.n),
                 static_cast<cl_long>(s.c), static_cast<cl_long>(s.plane), x, gamma, beta,
                 static_cast<cl_float>(momentum), static_cast<cl_float>(epsilon), running_mean, running_var,
                 saved_mean, saved_inv_std, y);
}

void batchnorm2d_forward_inference(Runtime& runtime, const BatchNormShape& s, cl_mem x, cl_mem gamma, cl_mem beta,
                                   cl_mem running_mean, cl_mem running_var, float epsilon, cl_mem y) {
  // Same program as the training kernels (it needs GROUP_SIZE to build).
  cl_kernel kernel = group_kernel(runtime, "batchnorm2d", "batchnorm2d_forward_inference").kernel;
  const int64_t count = s.n * s.c * s.plane;
  const Range r = grid_stride_range(runtime, count);
  runtime.launch(kernel, "batchnorm2d_forward_inference", 1, r.global, r.local, static_cast<cl_long>(count),
                 static_cast<cl_long>(s.c), static_cast<cl_long>(s.plane), x, gamma, beta, running_mean, running_var,
                 static_cast<cl_float>(epsilon), y);
}

void batchnorm2d_backward(Runtime& runtime, const BatchNormShape& s, cl_mem x, cl_mem gamma, cl_mem saved_mean,
                          cl_mem saved_inv_std, cl_mem dy, cl_mem dx, cl_mem dgamma, cl_mem dbeta) {
  const GroupKernel k = group_kernel(runtime, "batchnorm2d", "batchnorm2d_backward");
  const size_t global[1] = {static_cast<size_t>(s.c) * k.group_size}, local[1] = {k.group_size};
  runtime.launch(k.kernel, "batchnorm2d_backward", 1, global, local, static_cast<cl_long>(s.n),
                 static_cast<cl_long>(s.c), static_cast<cl_long>(s.plane), x, gamma, saved_mean, saved_inv_std, dy, dx,
                 dgamma, dbeta);
}

}  // namespace cnn::opencl
