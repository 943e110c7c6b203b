// Sliding-window output size for convolution and pooling, with every argument checked.
#include "core/shape.h"

#include <string>

#include "core/error.h"

namespace cnn {

namespace {

void require_at_least(int64_t value, int64_t minimum, const char* name) {
  if (value < minimum)
    fail(CNN_INVALID_ARGUMENT, std::string(name) + " " + std::to_string(value) + " must be >= " +
                                   std::to_string(minimum));
}

}  // namespace

int64_t window_output_size(int64_t input, int32_t kernel, int32_t stride, int32_t pad_begin, int32_t pad_end,
                           int32_t dilation) {
  require_at_least(input, 1, "input");
  require_at_least(kernel, 1, "kernel");
  require_at_least(stride, 1, "stride");
  require_at_least(pad_begin, 0, "pad_begin");
  require_at_least(pad_end, 0, "pad_end");
  require_at_least(dilation, 1, "dilation");
  int64_t padded = 0;
  if (__builtin_add_overflow(input, int64_t{pad_begin} + int64_t{pad_end}, &padded))
    fail(CNN_INVALID_ARGUMENT, "input " + std::to_string(input) + " plus padding " + std::to_string(pad_begin) +
                                   " + " + std::to_string(pad_end) + " overflows int64");
  // Both factors fit in 32 bits, so the product fits in int64.
  int64_t window = int64_t{dilation} * (int64_t{kernel} - 1) + 1;
  if (padded < window)
    fail(CNN_SHAPE_MISMATCH, "padded input " + std::to_string(padded) + " (" + std::to_string(input) + " + " +
                                 std::to_string(pad_begin) + " + " + std::to_string(pad_end) +
                                 ") is smaller than the dilated window " + std::to_string(window) + " (kernel " +
                                 std::to_string(kernel) + ", dilation " + std::to_string(dilation) + ")");
  return (padded - window) / stride + 1;
}

}  // namespace cnn
