// Library-wide entry points: ABI version, the thread's last error, the active kernel tier and the
// sliding-window size helper the bindings use to preallocate outputs.
#include <cnn/cnn.h>

#include "api/guard.h"
#include "core/error.h"
#include "core/shape.h"
#include "kernels/kernels.h"

// The three informational functions below cannot fail and return no status, so they run outside the
// guard; above all, cnn_last_error_message must not clear the message it is asked for.
extern "C" CNN_API uint32_t cnn_abi_version(void) { return CNN_ABI_VERSION; }

extern "C" CNN_API const char* cnn_last_error_message(void) { return cnn::last_error(); }

extern "C" CNN_API const char* cnn_active_isa(void) { return cnn::kernels().isa; }

extern "C" CNN_API cnn_status cnn_window_output_size(int64_t input, int32_t kernel, int32_t stride,
                                                     int32_t pad_begin, int32_t pad_end, int32_t dilation,
                                                     int64_t* out) {
  return CNN_GUARD({
    cnn::require_not_null(out, "out");
    *out = cnn::window_output_size(input, kernel, stride, pad_begin, pad_end, dilation);
  });
}
