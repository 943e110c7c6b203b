// cnn_sgd_update, cnn_adam_update: check the hyper-parameters (finite, in range), that grad and the state
// tensors have exactly param's shape, live on the context's device and share no storage with each other,
// then run the active table's update kernel (or on an OpenCL context the device's) over the flat element arrays.
#include <cnn/cnn.h>

#include <cmath>
#include <cstdio>
#include <initializer_list>
#include <string>

#include "api/guard.h"
#include "api/op_checks.h"
#include "core/context.h"
#include "core/error.h"
#include "core/tensor.h"
#include "kernels/kernels.h"
#include "opencl/ops.h"

namespace {

using cnn::fail;
using cnn::opencl::device_memory;

struct Named {
  const cnn_tensor* tensor;  // may be null (no velocity): then skipped
  const char* name;
};

std::string text(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", value);
  return buffer;
}

// "params->momentum is 1 but must be in [0, 1)"; NaN fails every range.
void require_in(float value, bool ok, const char* name, const char* range) {
  if (!ok) fail(CNN_INVALID_ARGUMENT, std::string("params->") + name + " is " + text(value) + " but must be " + range);
}
void require_finite_non_negative(float value, const char* name) {
  require_in(value, std::isfinite(value) && value >= 0.0f, name, "finite and >= 0");
}
void require_unit_interval(float value, const char* name) {  // [0, 1)
  require_in(value, value >= 0.0f && value < 1.0f, name, "in [0, 1)");
}
void require_flag(int32_t value, const char* name) {
  if (value != 0 && value != 1)
    fail(CNN_INVALID_ARGUMENT, std::string("params->") + name + " is " + std::to_string(value) + " but must be 0 or 1");
}

// Exactly param's shape: an element-wise update over [3,4] vs [4,3] is almost surely a wiring mistake.
const cnn_tensor& require_like_param(const cnn_tensor* t_ptr, const char* name, const cnn_tensor& param) {
  const cnn_tensor& t = cnn::require_tensor(t_ptr, name);
  bool same = t.rank == param.rank;
  for (size_t i = 0; same && i < param.rank; ++i) same = t.dim(i) == param.dim(i);
  if (!same)
    fail(CNN_SHAPE_MISMATCH, std::string(name) + " " + cnn::shape_string(t) + " does not match param " +
                                 cnn::shape_string(param) + "; it must have the same shape");
  return t;
}

// Every tensor on the context's device and none sharing storage with another (each kernel reads and writes
// several of them element by element). The written tensors come first, so each message names one of them first.
void require_placement(const cnn_context& ctx, std::initializer_list<Named> tensors) {
  for (const Named& t : tensors) {
    if (t.tensor != nullptr) cnn::require_same_device(ctx, *t.tensor, t.name);
  }
  for (const Named* a = tensors.begin(); a != tensors.end(); ++a) {
    if (a->tensor == nullptr) continue;
    for (const Named* b = a + 1; b != tensors.end(); ++b)
      cnn::require_no_alias(*a->tensor, a->name, b->tensor, b->name);
  }
}

}  // namespace

extern "C" {

CNN_API cnn_status cnn_sgd_update(cnn_context* context, const cnn_sgd_params* params, cnn_tensor* param,
                                  const cnn_tensor* grad, cnn_tensor* velocity) {
  return CNN_GUARD({
    cnn_context& ctx = cnn::require_context(context);
    cnn::require_not_null(params, "params");
    const cnn_sgd_params& p = *params;
    const cnn_tensor& w = cnn::require_tensor(param, "param");
    const cnn_tensor& g = require_like_param(grad, "grad", w);
    require_finite_non_negative(p.learning_rate, "learning_rate");
    require_unit_interval(p.momentum, "momentum");
    require_finite_non_negative(p.weight_decay, "weight_decay");
    require_flag(p.nesterov, "nesterov");
    if (p.nesterov == 1 && p.momentum == 0.0f)
      fail(CNN_INVALID_ARGUMENT, "params->nesterov is 1 but params->momentum is 0; Nesterov needs momentum > 0");
    if (velocity == nullptr && p.momentum != 0.0f)
      fail(CNN_INVALID_ARGUMENT, "velocity is null but params->momentum is " + text(p.momentum) +
                                     "; momentum needs a velocity tensor of param's shape");
    if (velocity != nullptr) require_like_param(velocity, "velocity", w);
    require_placement(ctx, {{param, "param"}, {velocity, "velocity"}, {grad, "grad"}});
    if (ctx.opencl != nullptr)
      return cnn::opencl::sgd_update(*ctx.opencl, p, static_cast<int64_t>(w.count), device_memory(param),
                                     device_memory(grad), device_memory(velocity));
    cnn::kernels().sgd_update(ctx, p, static_cast<int64_t>(w.count), w.data(), g.data(),
                              velocity != nullptr ? velocity->data() : nullptr);
  });
}

CNN_API cnn_status cnn_adam_update(cnn_context* context, const cnn_adam_params* params, cnn_tensor* param,
                                   const cnn_tensor* grad, cnn_tensor* m, cnn_tensor* v) {
  return CNN_GUARD({
    cnn_context& ctx = cnn::require_context(context);
    cnn::require_not_null(params, "params");
    const cnn_adam_params& p = *params;
    const cnn_tensor& w = cnn::require_tensor(param, "param");
    const cnn_tensor& g = require_like_param(grad, "grad", w);
    const cnn_tensor& mt = require_like_param(m, "m", w);
    const cnn_tensor& vt = require_like_param(v, "v", w);
    if (p.step < 1)
      fail(CNN_INVALID_ARGUMENT,
           "params->step is " + std::to_string(p.step) + " but must be >= 1 (steps count from 1)");
    require_finite_non_negative(p.learning_rate, "learning_rate");
    require_unit_interval(p.beta1, "beta1");
    require_unit_interval(p.beta2, "beta2");
    require_in(p.epsilon, std::isfinite(p.epsilon) && p.epsilon > 0.0f, "epsilon", "finite and > 0");
    require_finite_non_negative(p.weight_decay, "weight_decay");
    require_flag(p.decoupled_weight_decay, "decoupled_weight_decay");
    require_placement(ctx, {{param, "param"}, {m, "m"}, {v, "v"}, {grad, "grad"}});
    if (ctx.opencl != nullptr)
      return cnn::opencl::adam_update(*ctx.opencl, p, static_cast<int64_t>(w.count), device_memory(param),
                                      device_memory(grad), device_memory(m), device_memory(v));
    cnn::kernels().adam_update(ctx, p, static_cast<int64_t>(w.count), w.data(), g.data(), mt.data(), vt.data());
  });
}

}  // extern "C"
