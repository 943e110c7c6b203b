// Error helpers: shape text for messages and the thread-local last-error string that
// cnn_last_error_message() returns. The guard (api/guard.h) is the only writer.
#include "core/error.h"

#include <string>
#include <utility>

namespace cnn {

namespace {
// One per thread, so a failure on one thread never shows up (or gets cleared) on another.
thread_local std::string t_last_error;
}  // namespace

std::string shape_string(std::span<const int64_t> shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i != 0) text += ',';
    text += std::to_string(shape[i]);
  }
  text += ']';
  return text;
}

void set_last_error(std::string message) { t_last_error = std::move(message); }

void clear_last_error() noexcept { t_last_error.clear(); }

const char* last_error() noexcept { return t_last_error.c_str(); }

}  // namespace cnn
