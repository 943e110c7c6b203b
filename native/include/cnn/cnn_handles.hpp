/* Owning handles for C++ callers of the C ABI (tests, benchmarks, applications): std::unique_ptr with the library's
 * destroy functions, so a handle is released however the caller's scope ends. Header-only; not part of the C ABI
 * (the bindings are generated from cnn.h alone) and not used by the library itself. */
#pragma once

#include <cnn/cnn.h>

#include <memory>

namespace cnn_cpp {

struct ContextDeleter {
  void operator()(cnn_context* c) const { cnn_context_destroy(c); }
};
struct TensorDeleter {
  void operator()(cnn_tensor* t) const { cnn_tensor_destroy(t); }
};
using ContextPtr = std::unique_ptr<cnn_context, ContextDeleter>;
using TensorPtr = std::unique_ptr<cnn_tensor, TensorDeleter>;

}  // namespace cnn_cpp
