// Shape checks shared by the element-wise and per-row shims (activation, softmax, loss, dropout): two
// tensors of exactly the same shape. Throws cnn::Error with a sentence naming both shapes; the guard adds
// the function name.
#pragma once

#include <cnn/cnn.h>

#include <algorithm>
#include <string>

#include "core/error.h"
#include "core/tensor.h"

namespace cnn {

// Same element count is not enough: [2,3] -> [3,2] would silently reinterpret the data. Fails with
// CNN_SHAPE_MISMATCH "<a_name> is [..] but <b_name> is [..]: <why>".
inline void require_same_shape(const cnn_tensor& a, const char* a_name, const cnn_tensor& b, const char* b_name,
                               const std::string& why) {
  if (a.rank != b.rank || !std::equal(a.shape().begin(), a.shape().end(), b.shape().begin()))
    fail(CNN_SHAPE_MISMATCH,
         std::string(a_name) + " is " + shape_string(a) + " but " + b_name + " is " + shape_string(b) + ": " + why);
}

}  // namespace cnn
