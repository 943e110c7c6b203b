// Element-wise activations, backward pass: dx[i] = f'(x[i]) * dy[i] from the forward's input x.
// Layout: any; x, dy and dx are flat arrays of `count` floats; dx may be dy (or x): each element is read
// before it is written. Reference kernel: this file (the oracle for any faster activation backward).
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

template <float (*G)(float, float, float)>
void apply(const cnn_context& ctx, float alpha, int64_t count, const float* x, const float* dy, float* dx) {
#pragma omp parallel for num_threads(parallel_threads(ctx, count, kMinElementsPerParallelJob))
  for (int64_t i = 0; i < count; ++i) dx[i] = G(x[i], dy[i], alpha);
}

}  // namespace

// Sigmoid and tanh recompute f(x) from x (activation_math.h) rather than taking the forward's output, so
// the forward may have run in place.
void activation_backward_ref(cnn_context& ctx, cnn_activation activation, float alpha, int64_t count, const float* x,
                             const float* dy, float* dx) {
  switch (activation) {
    case CNN_ACTIVATION_IDENTITY:
      if (dx != dy) {
        for (int64_t i = 0; i < count; ++i) dx[i] = dy[i];
      }
      return;
    case CNN_ACTIVATION_RELU: apply<relu_grad>(ctx, alpha, count, x, dy, dx); return;
    case CNN_ACTIVATION_LEAKY_RELU: apply<leaky_relu_grad>(ctx, alpha, count, x, dy, dx); return;
    case CNN_ACTIVATION_ELU: apply<elu_grad>(ctx, alpha, count, x, dy, dx); return;
    case CNN_ACTIVATION_SIGMOID: apply<sigmoid_grad>(ctx, alpha, count, x, dy, dx); return;
    case CNN_ACTIVATION_TANH: apply<tanh_grad>(ctx, alpha, count, x, dy, dx); return;
  }
  // The api validates the enum; reaching here is a library bug.
  fail(CNN_INTERNAL, "activation_backward_ref: unknown activation " + std::to_string(static_cast<int>(activation)));
}

}  // namespace cnn
