// extern "C" shim for softmax over axis 1: cnn_softmax_forward. Checks the arguments (messages name the
// shapes and numbers), views x as [outer, classes, inner] and calls the active kernel table; x == y
// (same storage and shape) runs in place.
#include <cnn/cnn.h>

#include <algorithm>
#include <cstdint>
#include <string>

#include "api/guard.h"
#include "api/op_checks.h"
#include "core/context.h"
#include "core/error.h"
#include "core/tensor.h"
#include "kernels/kernels.h"

namespace {

using cnn::fail;

void softmax_forward(cnn_context* context, const cnn_tensor* x_ptr, cnn_tensor* y_ptr) {
  cnn_context& ctx = cnn::require_context(context);
  const cnn_tensor& x = cnn::require_tensor(x_ptr, "x");
  const cnn_tensor& y = cnn::require_tensor(y_ptr, "y");
  if (x.rank < 2)
    fail(CNN_SHAPE_MISMATCH, "x is " + cnn::shape_string(x) + " (rank " + std::to_string(x.rank) +
                                 ") but softmax needs rank >= 2 with the classes on axis 1");
  cnn::require_device(ctx, x, "x");
  cnn::require_device(ctx, y, "y");
  // Same element count is not enough: [2,3] -> [3,2] would change which elements form a row.
  if (x.rank != y.rank || !std::equal(x.shape().begin(), x.shape().end(), y.shape().begin()))
    fail(CNN_SHAPE_MISMATCH, "x is " + cnn::shape_string(x) + " but y is " + cnn::shape_string(y) +
                                 ": softmax needs y of the same shape as x");
  int64_t inner = 1;
  for (size_t i = 2; i < x.rank; ++i) inner *= x.dim(i);
  // Same storage with the same shape means the same elements in the same places: in place is safe.
  cnn::kernels().softmax_forward(ctx, x.dim(0), x.dim(1), inner, x.data(), y.data());
}

}  // namespace

extern "C" {

CNN_API cnn_status cnn_softmax_forward(cnn_context* context, const cnn_tensor* x, cnn_tensor* y) {
  return CNN_GUARD({ softmax_forward(context, x, y); });
}

}  // extern "C"
