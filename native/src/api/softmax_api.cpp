// extern "C" shims for softmax over axis 1: cnn_softmax_forward and cnn_softmax_backward. Check the
// arguments (messages name the shapes and numbers), view the tensors as [outer, classes, inner] and call
// the active kernel table or, on an OpenCL context, the device's softmax kernels; the forward's x == y
// (same storage and shape) runs in place.
#include <cnn/cnn.h>

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

using cnn::fail;

// Softmax runs over axis 1, so t needs rank >= 2; the other axes become [outer, classes, inner].
struct ClassAxis {
  int64_t outer, classes, inner;
};

ClassAxis class_axis(const cnn_tensor& t, const char* name) {
  if (t.rank < 2)
    fail(CNN_SHAPE_MISMATCH, std::string(name) + " is " + cnn::shape_string(t) + " (rank " + std::to_string(t.rank) +
                                 ") but softmax needs rank >= 2 with the classes on axis 1");
  int64_t inner = 1;
  for (size_t i = 2; i < t.rank; ++i) inner *= t.dim(i);
  return {t.dim(0), t.dim(1), inner};
}

void softmax_forward(cnn_context* context, const cnn_tensor* x_ptr, cnn_tensor* y_ptr) {
  cnn_context& ctx = cnn::require_context(context);
  const cnn_tensor& x = cnn::require_tensor(x_ptr, "x");
  const cnn_tensor& y = cnn::require_tensor(y_ptr, "y");
  const ClassAxis a = class_axis(x, "x");
  cnn::require_same_device(ctx, x, "x");
  cnn::require_same_device(ctx, y, "y");
  // Same element count is not enough: [2,3] -> [3,2] would change which elements form a row.
  cnn::require_same_shape(x, "x", y, "y", "softmax needs y of the same shape as x");
  // Same storage with the same shape means the same elements in the same places: in place is safe.
  if (ctx.opencl != nullptr)
    return cnn::opencl::softmax_forward(*ctx.opencl, a.outer, a.classes, a.inner, cnn::opencl::device_memory(&x),
                                        cnn::opencl::device_memory(&y));
  cnn::kernels().softmax_forward(ctx, a.outer, a.classes, a.inner, x.data(), y.data());
}

// The header allows no sharing here, so dx must be a tensor of its own (the reference kernel would cope
// with dx == dy or dx == y, but faster kernels need not).
void softmax_backward(cnn_context* context, const cnn_tensor* y_ptr, const cnn_tensor* dy_ptr, cnn_tensor* dx_ptr) {
  cnn_context& ctx = cnn::require_context(context);
  const cnn_tensor& y = cnn::require_tensor(y_ptr, "y");
  const cnn_tensor& dy = cnn::require_tensor(dy_ptr, "dy");
  const cnn_tensor& dx = cnn::require_tensor(dx_ptr, "dx");
  const ClassAxis a = class_axis(y, "y");
  cnn::require_same_device(ctx, y, "y");
  cnn::require_same_device(ctx, dy, "dy");
  cnn::require_same_device(ctx, dx, "dx");
  cnn::require_same_shape(y, "y", dy, "dy", "dy must have the shape of y");
  cnn::require_same_shape(y, "y", dx, "dx", "dx must have the shape of y");
  cnn::require_no_alias(dx, "dx", &y, "y");
  cnn::require_no_alias(dx, "dx", &dy, "dy");
  if (ctx.opencl != nullptr)
    return cnn::opencl::softmax_backward(*ctx.opencl, a.outer, a.classes, a.inner, cnn::opencl::device_memory(&y),
                                         cnn::opencl::device_memory(&dy), cnn::opencl::device_memory(&dx));
  cnn::kernels().softmax_backward(ctx, a.outer, a.classes, a.inner, y.data(), dy.data(), dx.data());
}

}  // namespace

extern "C" {

CNN_API cnn_status cnn_softmax_forward(cnn_context* context, const cnn_tensor* x, cnn_tensor* y) {
  return CNN_GUARD({ softmax_forward(context, x, y); });
}

CNN_API cnn_status cnn_softmax_backward(cnn_context* context, const cnn_tensor* y, const cnn_tensor* dy,
                                        cnn_tensor* dx) {
  return CNN_GUARD({ softmax_backward(context, y, dy, dx); });
}

}  // extern "C"
