// cnn_batchnorm2d_*: checks x [N,C,H,W], the per-channel tensors [C], y/dx/dy of x's shape, momentum and
// epsilon, that every tensor is on the context's device and that no output shares storage with another
// tensor of the call; then runs the active table's batch-norm kernel over x viewed as [N, C, H*W], or on an
// OpenCL context the device's.
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
  const cnn_tensor* tensor;  // may be null (an optional gradient): then skipped
  const char* name;
};

std::string text(float value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", static_cast<double>(value));
  return buffer;
}

// x must be [N,C,H,W]; returns the kernel's view [N, C, H*W].
cnn::BatchNormShape require_image(const cnn_tensor* x_ptr) {
  const cnn_tensor& x = cnn::require_rank(x_ptr, "x", 4);
  return {x.dim(0), x.dim(1), x.dim(2) * x.dim(3)};
}

// One value per channel: [C] for x [N,C,H,W].
const cnn_tensor& require_per_channel(const cnn_tensor* t_ptr, const char* name, const cnn_tensor& x) {
  const cnn_tensor& t = cnn::require_tensor(t_ptr, name);
  if (t.rank != 1 || t.dim(0) != x.dim(1))
    fail(CNN_SHAPE_MISMATCH, std::string(name) + " is " + cnn::shape_string(t) + " but x is " + cnn::shape_string(x) +
                                 ": " + name + " must be [" + std::to_string(x.dim(1)) + "] (one value per channel)");
  return t;
}

// y, dy, dx: exactly x's shape.
const cnn_tensor& require_same_shape(const cnn_tensor* t_ptr, const char* name, const cnn_tensor& x) {
  const cnn_tensor& t = cnn::require_tensor(t_ptr, name);
  bool same = t.rank == x.rank;
  for (size_t i = 0; same && i < x.rank; ++i) same = t.dim(i) == x.dim(i);
  if (!same)
    fail(CNN_SHAPE_MISMATCH, std::string(name) + " is " + cnn::shape_string(t) + " but x is " + cnn::shape_string(x) +
                                 ": " + name + " must have the shape of x");
  return t;
}

void require_epsilon(float epsilon) {
  if (!(epsilon > 0.0f) || !std::isfinite(epsilon))
    fail(CNN_INVALID_ARGUMENT, "epsilon is " + text(epsilon) + " but must be finite and > 0");
}

void require_momentum(float momentum) {
  if (!(momentum >= 0.0f && momentum <= 1.0f))
    fail(CNN_INVALID_ARGUMENT, "momentum is " + text(momentum) + " but must be in [0, 1]");
}

// Every tensor on the context's device; every output apart from every input and from the other outputs.
void require_placement(const cnn_context& ctx, std::initializer_list<Named> inputs,
                       std::initializer_list<Named> outputs) {
  for (const Named& t : inputs) cnn::require_same_device(ctx, *t.tensor, t.name);
  for (const Named& t : outputs) {
    if (t.tensor != nullptr) cnn::require_same_device(ctx, *t.tensor, t.name);
  }
  for (const Named* out = outputs.begin(); out != outputs.end(); ++out) {
    if (out->tensor == nullptr) continue;
    for (const Named& in : inputs) cnn::require_no_alias(*out->tensor, out->name, in.tensor, in.name);
    for (const Named* other = out + 1; other != outputs.end(); ++other)
      cnn::require_no_alias(*out->tensor, out->name, other->tensor, other->name);
  }
}

}  // namespace

extern "C" {

CNN_API cnn_status cnn_batchnorm2d_forward_training(cnn_context* context, const cnn_tensor* x, const cnn_tensor* gamma,
                                                    const cnn_tensor* beta, float momentum, float epsilon,
                                                    cnn_tensor* running_mean, cnn_tensor* running_var,
                                                    cnn_tensor* saved_mean, cnn_tensor* saved_inv_std, cnn_tensor* y) {
  return CNN_GUARD({
    cnn_context& ctx = cnn::require_context(context);
    const cnn::BatchNormShape s = require_image(x);
    const cnn_tensor& g = require_per_channel(gamma, "gamma", *x);
    const cnn_tensor& b = require_per_channel(beta, "beta", *x);
    const cnn_tensor& rm = require_per_channel(running_mean, "running_mean", *x);
    const cnn_tensor& rv = require_per_channel(running_var, "running_var", *x);
    const cnn_tensor& sm = require_per_channel(saved_mean, "saved_mean", *x);
    const cnn_tensor& si = require_per_channel(saved_inv_std, "saved_inv_std", *x);
    const cnn_tensor& yt = require_same_shape(y, "y", *x);
    require_momentum(momentum);
    require_epsilon(epsilon);
    require_placement(ctx, {{x, "x"}, {gamma, "gamma"}, {beta, "beta"}},
                      {{running_mean, "running_mean"},
                       {running_var, "running_var"},
                       {saved_mean, "saved_mean"},
                       {saved_inv_std, "saved_inv_std"},
                       {y, "y"}});
    if (ctx.opencl != nullptr)
      return cnn::opencl::batchnorm2d_forward_training(
          *ctx.opencl, s, device_memory(x), device_memory(gamma), device_memory(beta), momentum, epsilon,
          device_memory(running_mean), device_memory(running_var), device_memory(saved_mean),
          device_memory(saved_inv_std), device_memory(y));
    cnn::kernels().batchnorm2d_forward_training(ctx, s, x->data(), g.data(), b.data(), momentum, epsilon, rm.data(),
                                                rv.data(), sm.data(), si.data(), yt.data());
  });
}

CNN_API cnn_status cnn_batchnorm2d_forward_inference(cnn_context* context, const cnn_tensor* x, const cnn_tensor* gamma,
                                                     const cnn_tensor* beta, const cnn_tensor* running_mean,
                                                     const cnn_tensor* running_var, float epsilon, cnn_tensor* y) {
  return CNN_GUARD({
    cnn_context& ctx = cnn::require_context(context);
    const cnn::BatchNormShape s = require_image(x);
    const cnn_tensor& g = require_per_channel(gamma, "gamma", *x);
    const cnn_tensor& b = require_per_channel(beta, "beta", *x);
    const cnn_tensor& rm = require_per_channel(running_mean, "running_mean", *x);
    const cnn_tensor& rv = require_per_channel(running_var, "running_var", *x);
    const cnn_tensor& yt = require_same_shape(y, "y", *x);
    require_epsilon(epsilon);
    require_placement(
        ctx, {{x, "x"}, {gamma, "gamma"}, {beta, "beta"}, {running_mean, "running_mean"}, {running_var, "running_var"}},
        {{y, "y"}});
    if (ctx.opencl != nullptr)
      return cnn::opencl::batchnorm2d_forward_inference(*ctx.opencl, s, device_memory(x), device_memory(gamma),
                                                        device_memory(beta), device_memory(running_mean),
                                                        device_memory(running_var), epsilon, device_memory(y));
    cnn::kernels().batchnorm2d_forward_inference(ctx, s, x->data(), g.data(), b.data(), rm.data(), rv.data(), epsilon,
                                                 yt.data());
  });
}

CNN_API cnn_status cnn_batchnorm2d_backward(cnn_context* context, const cnn_tensor* x, const cnn_tensor* gamma,
                                            const cnn_tensor* saved_mean, const cnn_tensor* saved_inv_std,
                                            const cnn_tensor* dy, cnn_tensor* dx, cnn_tensor* dgamma,
                                            cnn_tensor* dbeta) {
  return CNN_GUARD({
    cnn_context& ctx = cnn::require_context(context);
    const cnn::BatchNormShape s = require_image(x);
    const cnn_tensor& g = require_per_channel(gamma, "gamma", *x);
    const cnn_tensor& sm = require_per_channel(saved_mean, "saved_mean", *x);
    const cnn_tensor& si = require_per_channel(saved_inv_std, "saved_inv_std", *x);
    const cnn_tensor& dyt = require_same_shape(dy, "dy", *x);
    // dx is always needed; dgamma and dbeta are optional (a frozen affine transform).
    const cnn_tensor& dxt = require_same_shape(dx, "dx", *x);
    if (dgamma != nullptr) require_per_channel(dgamma, "dgamma", *x);
    if (dbeta != nullptr) require_per_channel(dbeta, "dbeta", *x);
    require_placement(
        ctx, {{x, "x"}, {gamma, "gamma"}, {saved_mean, "saved_mean"}, {saved_inv_std, "saved_inv_std"}, {dy, "dy"}},
        {{dx, "dx"}, {dgamma, "dgamma"}, {dbeta, "dbeta"}});
    if (ctx.opencl != nullptr)
      return cnn::opencl::batchnorm2d_backward(*ctx.opencl, s, device_memory(x), device_memory(gamma),
                                               device_memory(saved_mean), device_memory(saved_inv_std),
                                               device_memory(dy), device_memory(dx), device_memory(dgamma),
                                               device_memory(dbeta));
    cnn::kernels().batchnorm2d_backward(ctx, s, x->data(), g.data(), sm.data(), si.data(), dyt.data(), dxt.data(),
                                        dgamma != nullptr ? dgamma->data() : nullptr,
                                        dbeta != nullptr ? dbeta->data() : nullptr);
  });
}

}  // extern "C"
