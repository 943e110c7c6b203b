// Element-wise activations, forward pass: y[i] = f(x[i]) for identity, ReLU, leaky ReLU, ELU, sigmoid, tanh.
// Layout: any; x and y are flat arrays of `count` floats and may be the same array (in place).
// Reference kernel: this file (the oracle for any faster activation kernel).
#include <cmath>
#include <cstdint>
#include <string>

#include "core/context.h"
#include "core/error.h"
#include "kernels/kernels.h"

namespace cnn {

namespace {

// Below this many elements the work stays on the calling thread. Each element is independent, so the
// results never depend on the thread count.
constexpr int64_t kMinElementsPerParallelJob = 1 << 15;


// Written as "v < 0 ? ... : v" so a NaN input comes out as NaN instead of being hidden as 0.
float relu(float v, float) { return v < 0.0f ? 0.0f : v; }
float leaky_relu(float v, float alpha) { return v < 0.0f ? alpha * v : v; }
// expm1 keeps exp(x) - 1 accurate for x near 0; for very negative x it tends to -1, so ELU tends to -alpha.
float elu(float v, float alpha) { return v > 0.0f ? v : alpha * std::expm1(v); }
// Never evaluates exp of a large positive number: for x < 0 it uses e^x / (1 + e^x), so sigmoid(-1000) is 0
// and sigmoid(1000) is 1 without overflow or inf/inf.
float sigmoid(float v, float) {
  if (v >= 0.0f) return 1.0f / (1.0f + std::exp(-v));
  const float e = std::exp(v);
  return e / (1.0f + e);
}
float tanh_f(float v, float) { return std::tanh(v); }

template <float (*F)(float, float)>
void apply(const cnn_context& ctx, float alpha, int64_t count, const float* x, float* y) {
#pragma omp parallel for num_threads(parallel_threads(ctx, count, kMinElementsPerParallelJob))
  for (int64_t i = 0; i < count; ++i) y[i] = F(x[i], alpha);
}

}  // namespace

void activation_forward_ref(cnn_context& ctx, cnn_activation activation, float alpha, int64_t count, const float* x,
                            float* y) {
  switch (activation) {
    case CNN_ACTIVATION_IDENTITY:
      // In place is a no-op; otherwise a plain copy.
      if (x != y) {
        for (int64_t i = 0; i < count; ++i) y[i] = x[i];
      }
      return;
    case CNN_ACTIVATION_RELU: apply<relu>(ctx, alpha, count, x, y); return;
    case CNN_ACTIVATION_LEAKY_RELU: apply<leaky_relu>(ctx, alpha, count, x, y); return;
    case CNN_ACTIVATION_ELU: apply<elu>(ctx, alpha, count, x, y); return;
    case CNN_ACTIVATION_SIGMOID: apply<sigmoid>(ctx, alpha, count, x, y); return;
    case CNN_ACTIVATION_TANH: apply<tanh_f>(ctx, alpha, count, x, y); return;
  }
  // The api validates the enum; reaching here is a library bug.
  fail(CNN_INTERNAL, "activation_forward_ref: unknown activation " + std::to_string(static_cast<int>(activation)));
}

}  // namespace cnn
