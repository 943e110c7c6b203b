// Argument checks shared by the op shims: the context, output aliasing, bias, same-shape and activation checks (the device
// check is core/context.h require_same_device). Each throws cnn::Error with a sentence naming the tensors and numbers;
// the guard adds the function name.
#pragma once

#include <cnn/cnn.h>

#include <algorithm>
#include <cmath>
#include <span>
#include <string>

#include "core/context.h"
#include "core/error.h"
#include "core/tensor.h"

namespace cnn {

inline cnn_context& require_context(cnn_context* context) {
  if (context == nullptr) fail(CNN_INVALID_ARGUMENT, "context is null");
  return *context;
}

// The output must not share storage (also through a reshape view) with an input the kernel still reads.
inline void require_no_alias(const cnn_tensor& y, const char* y_name, const cnn_tensor* input, const char* name) {
  if (input != nullptr && input->storage.get() == y.storage.get())
    fail(CNN_INVALID_ARGUMENT, std::string(y_name) + " " + shape_string(y) + " shares its storage with " + name +
                                   " " + shape_string(*input) + "; the output must be a separate tensor");
}

inline bool same_shape(const cnn_tensor& t, std::span<const int64_t> shape) {
  const std::span<const int64_t> have = t.shape();
  return have.size() == shape.size() && std::equal(have.begin(), have.end(), shape.begin());
}

// The output y of a forward op with weights (conv, dense) must have `expected`'s shape, e.g. "y is [2,4,5,5] but
// the output must be [2,4,6,6] for x [2,3,8,8] and w [4,3,3,3]", and share storage with none of x, w and bias.
inline void require_weighted_output(const cnn_tensor& y, std::span<const int64_t> expected, const cnn_tensor& x,
                                    const cnn_tensor& w, const cnn_tensor* bias) {
  if (!same_shape(y, expected))
    fail(CNN_SHAPE_MISMATCH, "y is " + shape_string(y) + " but the output must be " + shape_string(expected) +
                                 " for x " + shape_string(x) + " and w " + shape_string(w));
  require_no_alias(y, "y", &x, "x");
  require_no_alias(y, "y", &w, "w");
  require_no_alias(y, "y", bias, "bias");
}

// An optional bias must be [OC] for weights whose dimension 0 is OC (conv [OC,C,KH,KW], dense [OUT,IN]).
inline void require_bias_fits(const cnn_tensor* bias, const cnn_tensor& w) {
  if (bias != nullptr && bias->dim(0) != w.dim(0))
    fail(CNN_SHAPE_MISMATCH, "bias is " + shape_string(*bias) + " but w is " + shape_string(w) + ": bias must be [" +
                                 std::to_string(w.dim(0)) + "]");
}

// Same element count is not enough: [2,3] -> [3,2] would silently reinterpret the data. Fails with
// CNN_SHAPE_MISMATCH "<a_name> is [..] but <b_name> is [..]: <why>" (element-wise and per-row ops).
inline void require_same_shape(const cnn_tensor& a, const char* a_name, const cnn_tensor& b, const char* b_name,
                               const std::string& why) {
  if (a.rank != b.rank || !std::equal(a.shape().begin(), a.shape().end(), b.shape().begin()))
    fail(CNN_SHAPE_MISMATCH,
         std::string(a_name) + " is " + shape_string(a) + " but " + b_name + " is " + shape_string(b) + ": " + why);
}

inline const char* activation_name(cnn_activation activation) {
  switch (activation) {
    case CNN_ACTIVATION_IDENTITY: return "identity";
    case CNN_ACTIVATION_RELU: return "ReLU";
    case CNN_ACTIVATION_LEAKY_RELU: return "leaky ReLU";
    case CNN_ACTIVATION_ELU: return "ELU";
    case CNN_ACTIVATION_SIGMOID: return "sigmoid";
    case CNN_ACTIVATION_TANH: return "tanh";
  }
  return nullptr;
}

// The value arrives from C or C# as a plain integer, so anything outside the enum is rejected here.
inline void require_known_activation(cnn_activation activation) {
  const int value = static_cast<int>(activation);
  if (value < CNN_ACTIVATION_IDENTITY || value > CNN_ACTIVATION_TANH)
    fail(CNN_INVALID_ARGUMENT, "activation " + std::to_string(value) + " is not a cnn_activation (0.." +
                                   std::to_string(static_cast<int>(CNN_ACTIVATION_TANH)) + ")");
}

// The activation must be known and alpha finite where it is used (leaky ReLU, ELU); forward and backward.
inline void require_activation(cnn_activation activation, float alpha) {
  require_known_activation(activation);
  const bool uses_alpha = activation == CNN_ACTIVATION_LEAKY_RELU || activation == CNN_ACTIVATION_ELU;
  if (uses_alpha && !std::isfinite(alpha))
    fail(CNN_INVALID_ARGUMENT, "alpha " + std::to_string(alpha) + " must be finite for " +
                                   activation_name(activation));
}

}  // namespace cnn
