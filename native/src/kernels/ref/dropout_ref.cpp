// Inverted dropout: out[i] = keep(seed, i) ? in[i] * (1 / (1 - rate)) : 0, keep(seed, i) = u(seed, i) >= rate
// with u from Philox-4x32-10 (philox.h). Layout: any; flat arrays of `count` floats, in == out allowed.
// Reference kernel: this file (the oracle for any faster or OpenCL dropout kernel).
#include <cstdint>

#include "core/context.h"
#include "kernels/kernels.h"
#include "kernels/ref/philox.h"

namespace cnn {

namespace {

// Below this many elements the work stays on the calling thread. The mask is a pure function of
// (seed, index) and each element is independent, so the results never depend on the thread count.
constexpr int64_t kMinElementsPerParallelJob = 1 << 14;

}  // namespace

// rate 0 keeps everything, since u >= 0 always.
bool dropout_keep(uint64_t seed, uint64_t index, float rate) {
  return uniform24(dropout_block(seed, index / 4)[index % 4]) >= rate;
}

// One Philox block serves four consecutive elements, exactly as dropout_keep assigns them. The forward
// (x -> y) and the backward (dy -> dx) call this with the same seed, so they drop the same elements.
void dropout_ref(cnn_context& ctx, int64_t count, float rate, uint64_t seed, const float* in, float* out) {
  const float scale = 1.0f / (1.0f - rate);
  const int64_t blocks = (count + 3) / 4;
#pragma omp parallel for num_threads(parallel_threads(ctx, count, kMinElementsPerParallelJob))
  for (int64_t b = 0; b < blocks; ++b) {
    const Philox4x32 words = dropout_block(seed, static_cast<uint64_t>(b));
    for (int64_t lane = 0; lane < 4 && b * 4 + lane < count; ++lane) {
      const int64_t i = b * 4 + lane;
      out[i] = uniform24(words[lane]) >= rate ? in[i] * scale : 0.0f;
    }
  }
}

}  // namespace cnn
