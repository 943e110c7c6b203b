// The one guard every exported function body runs in: cnn::Error, std::bad_alloc and anything else
// become a cnn_status plus a thread-local message prefixed with the function's name. Nothing escapes.
// Modelled on ONNX Runtime's API_IMPL_BEGIN/API_IMPL_END, plus the catch-all.
#pragma once

#include <cnn/cnn.h>

#include <new>
#include <string>

#include "core/error.h"

namespace cnn {

template <class Body>
cnn_status guarded(const char* function, Body&& body) noexcept {
  try {
    body();
    clear_last_error();
    return CNN_OK;
  } catch (const Error& e) {
    try { set_last_error(std::string(function) + ": " + e.what()); } catch (...) {}
    return e.status();
  } catch (const std::bad_alloc&) {
    try { set_last_error(std::string(function) + ": out of memory"); } catch (...) {}
    return CNN_OUT_OF_MEMORY;
  } catch (const std::exception& e) {
    try { set_last_error(std::string(function) + ": internal error: " + e.what()); } catch (...) {}
    return CNN_INTERNAL;
  } catch (...) {
    try { set_last_error(std::string(function) + ": internal error: unknown exception"); } catch (...) {}
    return CNN_INTERNAL;
  }
}

// For the void functions that cannot report (destroy): nothing escapes, and the thread's last error is
// left as it was, so cleanup between a failure and reading its message is safe.
template <class Body>
void guarded_quiet(Body&& body) noexcept {
  try {
    body();
  } catch (...) {
  }
}

// Throws CNN_INVALID_ARGUMENT "<name> is null" when p is null.
template <class T>
void require_not_null(const T* p, const char* name) {
  if (p == nullptr) fail(CNN_INVALID_ARGUMENT, std::string(name) + " is null");
}

}  // namespace cnn

// Variadic so that commas inside the body (initialiser lists, declarations) do not split the argument.
#define CNN_GUARD(...) ::cnn::guarded(__func__, [&]() __VA_ARGS__)
