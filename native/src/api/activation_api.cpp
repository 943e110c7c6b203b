// extern "C" shims for element-wise activations: cnn_activation_forward and cnn_activation_backward. Check
// the arguments (messages name the shapes and numbers) and call the active kernel table or, on an OpenCL
// context, the device's activation kernels; x == y (forward)
// and dx == dy (backward), same storage and shape, run in place.
#include <cnn/cnn.h>

#include <cmath>
#include <cstdint>
#include <string>

#include "api/guard.h"
#include "api/op_checks.h"
#include "core/context.h"
#include "core/error.h"
#include "core/tensor.h"
#include "kernels/kernels.h"
#include "opencl/ops.h"

namespace {

using cnn::activation_name;
using cnn::fail;
using cnn::require_activation;

void activation_forward(cnn_context* context, cnn_activation activation, float alpha, const cnn_tensor* x_ptr,
                        cnn_tensor* y_ptr) {
  cnn_context& ctx = cnn::require_context(context);
  require_activation(activation, alpha);
  const cnn_tensor& x = cnn::require_tensor(x_ptr, "x");
  const cnn_tensor& y = cnn::require_tensor(y_ptr, "y");
  cnn::require_same_device(ctx, x, "x");
  cnn::require_same_device(ctx, y, "y");
  cnn::require_same_shape(x, "x", y, "y", std::string(activation_name(activation)) + " needs y of the same shape as x");
  // Same storage with the same shape means the same elements in the same places: in place is safe.
  if (ctx.opencl != nullptr)
    return cnn::opencl::activation_forward(*ctx.opencl, activation, alpha, static_cast<int64_t>(x.count),
                                           cnn::opencl::device_memory(&x), cnn::opencl::device_memory(&y));
  cnn::kernels().activation_forward(ctx, activation, alpha, static_cast<int64_t>(x.count), x.data(),
                                    y.data());
}

// dx may be dy (same storage, same shape: each element is read before it is written); the header allows
// no other sharing, so dx sharing storage with x is rejected.
void activation_backward(cnn_context* context, cnn_activation activation, float alpha, const cnn_tensor* x_ptr,
                         const cnn_tensor* dy_ptr, cnn_tensor* dx_ptr) {
  cnn_context& ctx = cnn::require_context(context);
  require_activation(activation, alpha);
  const cnn_tensor& x = cnn::require_tensor(x_ptr, "x");
  const cnn_tensor& dy = cnn::require_tensor(dy_ptr, "dy");
  const cnn_tensor& dx = cnn::require_tensor(dx_ptr, "dx");
  cnn::require_same_device(ctx, x, "x");
  cnn::require_same_device(ctx, dy, "dy");
  cnn::require_same_device(ctx, dx, "dx");
  cnn::require_same_shape(x, "x", dy, "dy", "dy must have the shape of x");
  cnn::require_same_shape(x, "x", dx, "dx", "dx must have the shape of x");
  cnn::require_no_alias(dx, "dx", &x, "x");
  if (ctx.opencl != nullptr)
    return cnn::opencl::activation_backward(*ctx.opencl, activation, alpha, static_cast<int64_t>(x.count),
                                            cnn::opencl::device_memory(&x), cnn::opencl::device_memory(&dy),
                                            cnn::opencl::device_memory(&dx));
  cnn::kernels().activation_backward(ctx, activation, alpha, static_cast<int64_t>(x.count), x.data(), dy.data(),
                                     dx.data());
}

}  // namespace

extern "C" {

CNN_API cnn_status cnn_activation_forward(cnn_context* context, cnn_activation activation, float alpha,
                                          const cnn_tensor* x, cnn_tensor* y) {
  return CNN_GUARD({ activation_forward(context, activation, alpha, x, y); });
}

CNN_API cnn_status cnn_activation_backward(cnn_context* context, cnn_activation activation, float alpha,
                                           const cnn_tensor* x, const cnn_tensor* dy, cnn_tensor* dx) {
  return CNN_GUARD({ activation_backward(context, activation, alpha, x, dy, dx); });
}

}  // extern "C"
