// cnn_context_*: create/destroy a CPU context and get/set its thread count.
#include <cnn/cnn.h>

#include <string>

#include "api/guard.h"
#include "core/context.h"
#include "core/error.h"

namespace {

// More threads than this is a caller bug (a garbage value), not a request we can serve well.
constexpr int32_t kMaxThreads = 1024;

int32_t resolve_threads(int32_t num_threads) {
  if (num_threads < 0)
    cnn::fail(CNN_INVALID_ARGUMENT, "num_threads " + std::to_string(num_threads) +
                                        " is negative; use 0 for one thread per logical core");
  if (num_threads > kMaxThreads)
    cnn::fail(CNN_INVALID_ARGUMENT,
              "num_threads " + std::to_string(num_threads) + " exceeds the limit " + std::to_string(kMaxThreads));
  return num_threads == 0 ? static_cast<int32_t>(cnn::hardware_threads()) : num_threads;
}

}  // namespace

extern "C" CNN_API cnn_status cnn_context_create(int32_t num_threads, cnn_context** out) {
  return CNN_GUARD({
    cnn::require_not_null(out, "out");
    *out = nullptr;
    int32_t threads = resolve_threads(num_threads);
    auto* context = new cnn_context();
    context->threads.store(threads);
    *out = context;
  });
}

// Never fails and leaves the thread's last error alone, so it is safe in cleanup paths between a
// failing call and cnn_last_error_message().
extern "C" CNN_API void cnn_context_destroy(cnn_context* context) {
  cnn::guarded_quiet([&] { delete context; });
}

extern "C" CNN_API cnn_status cnn_context_threads(const cnn_context* context, int32_t* out) {
  return CNN_GUARD({
    cnn::require_not_null(context, "context");
    cnn::require_not_null(out, "out");
    *out = context->threads.load();
  });
}

extern "C" CNN_API cnn_status cnn_context_set_threads(cnn_context* context, int32_t num_threads) {
  return CNN_GUARD({
    cnn::require_not_null(context, "context");
    context->threads.store(resolve_threads(num_threads));
  });
}
