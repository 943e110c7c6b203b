// Optimizer updates of one parameter tensor: SGD (coupled weight decay, momentum, Nesterov) and Adam/AdamW
// with bias correction. Layout: any; param, grad, velocity, m, v are flat arrays of `count` floats.
// Reference kernel: this file (the oracle for any faster optimizer kernel).
#include <cmath>
#include <cstdint>

#include "core/context.h"
#include "kernels/kernels.h"

namespace cnn {

namespace {

// Below this many elements the work stays on the calling thread. Each element is independent, so the
// results never depend on the thread count.
constexpr int64_t kMinElementsPerParallelJob = 1 << 15;

}  // namespace

// g = grad + weight_decay * param; with a velocity v = momentum * v + g and step = v (Nesterov:
// g + momentum * v); without one step = g; param -= learning_rate * step. Intermediates in double.
// A velocity passed with momentum 0 still receives v = g, the same formula.
void sgd_update_ref(cnn_context& ctx, const cnn_sgd_params& p, int64_t count, float* param, const float* grad,
                    float* velocity) {
  const double lr = p.learning_rate;
  const double momentum = p.momentum;
  const double wd = p.weight_decay;
  const bool nesterov = p.nesterov != 0;
#pragma omp parallel for num_threads(parallel_threads(ctx, count, kMinElementsPerParallelJob))
  for (int64_t i = 0; i < count; ++i) {
    const double g = static_cast<double>(grad[i]) + wd * param[i];
    double step = g;
    if (velocity != nullptr) {
      const double v = momentum * velocity[i] + g;
      velocity[i] = static_cast<float>(v);
      step = nesterov ? g + momentum * v : v;
    }
    param[i] = static_cast<float>(param[i] - lr * step);
  }
}

// m = b1 * m + (1 - b1) * g, v = b2 * v + (1 - b2) * g^2, mhat = m / (1 - b1^step), vhat = v / (1 - b2^step),
// param -= lr * mhat / (sqrt(vhat) + eps). AdamW first shrinks param by lr * wd * param; L2 adds wd * param
// to g. Intermediates in double.
void adam_update_ref(cnn_context& ctx, const cnn_adam_params& p, int64_t count, float* param, const float* grad,
                     float* m, float* v) {
  const double lr = p.learning_rate;
  const double b1 = p.beta1;
  const double b2 = p.beta2;
  const double eps = p.epsilon;
  const double wd = p.weight_decay;
  const bool decoupled = p.decoupled_weight_decay != 0;
  const double correction1 = 1.0 - std::pow(b1, static_cast<double>(p.step));
  const double correction2 = 1.0 - std::pow(b2, static_cast<double>(p.step));
#pragma omp parallel for num_threads(parallel_threads(ctx, count, kMinElementsPerParallelJob))
  for (int64_t i = 0; i < count; ++i) {
    double w = param[i];
    double g = grad[i];
    if (decoupled) {
      w -= lr * wd * w;
    } else {
      g += wd * w;
    }
    const double mi = b1 * m[i] + (1.0 - b1) * g;
    const double vi = b2 * v[i] + (1.0 - b2) * g * g;
    m[i] = static_cast<float>(mi);
    v[i] = static_cast<float>(vi);
    const double mhat = mi / correction1;
    const double vhat = vi / correction2;
    param[i] = static_cast<float>(w - lr * mhat / (std::sqrt(vhat) + eps));
  }
}

}  // namespace cnn
