// Optimizer updates on a device, one parameter tensor per call (kernels/sgd.cl, kernels/adam.cl).
#include <cmath>

#include "opencl/launch.h"
#include "opencl/ops.h"

namespace cnn::opencl {

void sgd_update(Runtime& runtime, const cnn_sgd_params& p, int64_t count, cl_mem param, cl_mem grad,
                cl_mem velocity) {
  const Elementwise e = elementwise_launch(runtime, count);
  runtime.launch(plain_kernel(runtime, "sgd", "sgd_update"), "sgd_update", 1, e.range.global, e.range.local,
                 static_cast<cl_long>(count), e.chunk, static_cast<cl_float>(p.learning_rate),
                 static_cast<cl_float>(p.momentum), static_cast<cl_float>(p.weight_decay),
                 static_cast<cl_int>(p.nesterov), param, grad, velocity);
}

void adam_update(Runtime& runtime, const cnn_adam_params& p, int64_t count, cl_mem param, cl_mem grad, cl_mem m,
                 cl_mem v) {
  // The bias corrections in double on the host, as the reference computes them (b^step underflows gracefully).
  const double correction1 = 1.0 - std::pow(static_cast<double>(p.beta1), static_cast<double>(p.step));
  const double correction2 = 1.0 - std::pow(static_cast<double>(p.beta2), static_cast<double>(p.step));
  const Elementwise e = elementwise_launch(runtime, count);
  runtime.launch(plain_kernel(runtime, "adam", "adam_update"), "adam_update", 1, e.range.global, e.range.local,
                 static_cast<cl_long>(count), e.chunk, static_cast<cl_float>(p.learning_rate),
                 static_cast<cl_float>(p.beta1), static_cast<cl_float>(p.beta2), static_cast<cl_float>(p.epsilon),
                 static_cast<cl_float>(p.weight_decay), static_cast<cl_int>(p.decoupled_weight_decay),
                 static_cast<cl_float>(correction1), static_cast<cl_float>(correction2), param, grad, m, v);
}

}  // namespace cnn::opencl
