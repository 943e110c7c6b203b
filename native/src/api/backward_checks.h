// Argument checks shared by the backward shims (conv2d, dense): the incoming gradient dy, the optional
// gradients dx/dw/db (shape, device, aliasing) and the rule that at least one of them is requested.
// Each throws cnn::Error with a sentence naming the tensors and shapes; the guard adds the function name.
#pragma once

#include <cnn/cnn.h>

#include <algorithm>
#include <initializer_list>
#include <span>
#include <string>

#include "api/op_checks.h"
#include "core/error.h"
#include "core/tensor.h"

namespace cnn {

// A tensor argument and the name the messages use for it; tensor may be null (an optional gradient).
struct NamedTensor {
  const cnn_tensor* tensor;
  const char* name;
};

// dy must be on the context's device and have the forward's output shape, e.g.
// "dy is [2,4,5,5] but the output of the forward is [2,4,6,6] for x [2,3,8,8] and w [4,3,3,3]".
inline const cnn_tensor& require_dy(const cnn_context& ctx, const cnn_tensor* dy, std::span<const int64_t> output,
                                    const cnn_tensor& x, const cnn_tensor& w) {
  const cnn_tensor& t = require_tensor(dy, "dy");
  require_same_device(ctx, t, "dy");
  if (!same_shape(t, output))
    fail(CNN_SHAPE_MISMATCH, "dy is " + shape_string(t) + " but the output of the forward is " +
                                 shape_string(output) + " for x " + shape_string(x) + " and w " + shape_string(w));
  return t;
}

// A backward call must compute something: CNN_INVALID_ARGUMENT when every gradient is null, e.g.
// "dx, dw and db are all null: at least one gradient must be requested".
inline void require_any_gradient(std::initializer_list<NamedTensor> gradients) {
  std::string names;
  size_t i = 0;
  for (const NamedTensor& g : gradients) {
    if (g.tensor != nullptr) return;
    names += (i == 0 ? "" : i + 1 == gradients.size() ? " and " : ", ") + std::string(g.name);
    ++i;
  }
  fail(CNN_INVALID_ARGUMENT, names + " are all null: at least one gradient must be requested");
}

// An optional gradient (skipped when null) lives on the context's device and has exactly the given shape;
// `why` ends the sentence: "dw is [4,3,2,3] but must be [4,3,3,3], the shape of w".
inline void require_gradient_shape(const cnn_context& ctx, NamedTensor grad, std::span<const int64_t> shape,
                                   const char* why) {
  if (grad.tensor == nullptr) return;
  require_same_device(ctx, *grad.tensor, grad.name);
  if (!same_shape(*grad.tensor, shape))
    fail(CNN_SHAPE_MISMATCH, std::string(grad.name) + " is " + shape_string(*grad.tensor) + " but must be " +
                                 shape_string(shape) + ", " + why);
}

// No gradient may share storage (also through a reshape view) with an input the kernels read or with another
// gradient: each is written while the others are still read or written.
inline void require_gradients_distinct(std::initializer_list<NamedTensor> gradients,
                                       std::initializer_list<NamedTensor> inputs) {
  for (auto out = gradients.begin(); out != gradients.end(); ++out) {
    if (out->tensor == nullptr) continue;
    for (const NamedTensor& in : inputs) require_no_alias(*out->tensor, out->name, in.tensor, in.name);
    for (auto earlier = gradients.begin(); earlier != out; ++earlier)
      require_no_alias(*out->tensor, out->name, earlier->tensor, earlier->name);
  }
}

}  // namespace cnn
