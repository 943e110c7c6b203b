// Element-wise activations, forward pass: y[i] = f(x[i]) for identity, ReLU, leaky ReLU, ELU, sigmoid, tanh.
// Layout: any; x and y are flat arrays of `count` floats and may be the same array (in place).
// Reference kernel: this file (the oracle for any faster activation kernel).
#include <cstdint>
#include <string>

#include "core/context.h"
#include "core/error.h"
#include "kernels/kernels.h"
#include "kernels/ref/activation_math.h"

namespace cnn {

namespace {

using namespace activation_math;

// Below this many elements the work stays on the calling thread. Each element is independent, so the
// results never depend on the thread count.
constexpr int64_t kMinElementsPerParallelJob = 1 << 15;

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
