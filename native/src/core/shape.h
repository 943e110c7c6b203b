// Shape arithmetic shared by the api shims (conv, pooling) and cnn_window_output_size.
#pragma once

#include <cstdint>

namespace cnn {

// (input + pad_begin + pad_end - dilation*(kernel-1) - 1) / stride + 1.
// Throws CNN_INVALID_ARGUMENT for input/kernel/stride/dilation < 1 or pads < 0, and CNN_SHAPE_MISMATCH
// when the padded input is smaller than the dilated window; messages give every number.
int64_t window_output_size(int64_t input, int32_t kernel, int32_t stride, int32_t pad_begin, int32_t pad_end,
                           int32_t dilation);

}  // namespace cnn
