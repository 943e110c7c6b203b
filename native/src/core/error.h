// Errors inside the core: throw cnn::Error with a status and a sentence that names the numbers;
// the api/ guard turns it into a cnn_status plus the thread-local message. Never abort.
#pragma once

#include <cnn/cnn.h>

#include <cstdint>
#include <exception>
#include <span>
#include <string>

namespace cnn {

class Error : public std::exception {
 public:
  Error(cnn_status status, std::string message) : status_(status), message_(std::move(message)) {}
  cnn_status status() const noexcept { return status_; }
  const char* what() const noexcept override { return message_.c_str(); }

 private:
  cnn_status status_;
  std::string message_;
};

[[noreturn]] inline void fail(cnn_status status, std::string message) { throw Error(status, std::move(message)); }

// "[64,3,28,28]"
std::string shape_string(std::span<const int64_t> shape);

// Thread-local last error; "" after a successful call.
void set_last_error(std::string message);
void clear_last_error() noexcept;
const char* last_error() noexcept;

}  // namespace cnn
