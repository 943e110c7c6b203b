// Inverted dropout on a device (kernels/dropout.cl), with the CPU's counter-based mask: the kernel computes
// cnn::dropout_keep (kernels/ref/dropout_ref.cpp) bit for bit, so a model drops the same elements on any device.
#include "opencl/launch.h"
#include "opencl/ops.h"

namespace cnn::opencl {

void dropout(Runtime& runtime, int64_t count, float rate, uint64_t seed, cl_mem in, cl_mem out) {
  // The reference's scale, computed in float exactly as it does, so kept elements match to the bit.
  const float scale = 1.0f / (1.0f - rate);
  const Elementwise e = elementwise_launch(runtime, (count + 3) / 4);  // blocks of four
  runtime.launch(plain_kernel(runtime, "dropout", "dropout"), "dropout", 1, e.range.global, e.range.local,
                 static_cast<cl_long>(count), e.chunk, static_cast<cl_float>(rate), static_cast<cl_float>(scale),
                 static_cast<cl_ulong>(seed), in, out);
}

}  // namespace cnn::opencl
