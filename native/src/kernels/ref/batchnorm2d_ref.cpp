// Batch norm per channel over (N, H*W): training forward (batch stats, running-stat update), inference, backward.
// Layout: x, y, dy, dx [n,c,plane] row-major (NCHW with plane = h*w); gamma, beta and the statistics [c].
// Reference kernel: this file (the oracle for any faster batch-norm kernel).
#include <cmath>
#include <cstdint>

#include "core/context.h"
#include "kernels/kernels.h"

namespace cnn {

namespace {

// Below this many elements the work stays on the calling thread. Every reduction belongs to one channel
// and runs on one thread in a fixed order, so the results never depend on the thread count.
constexpr int64_t kMinElementsPerParallelJob = 1 << 15;

// Element i of channel c in image n.
inline int64_t at(const BatchNormShape& s, int64_t n, int64_t c, int64_t i) { return (n * s.c + c) * s.plane + i; }

}  // namespace

double batchnorm2d_channel_statistics(double mean, double squares, int64_t count, float momentum, float epsilon,
                                      float* running_mean, float* running_var, float* saved_mean,
                                      float* saved_inv_std) {
  const double var = squares / static_cast<double>(count);  // biased: what normalises the batch
  const double inv_std = 1.0 / std::sqrt(var + static_cast<double>(epsilon));
  // The running variance estimates the population's, so it takes the unbiased batch variance; a channel of
  // one element has no unbiased estimate and keeps the biased one (0).
  const double unbiased = count > 1 ? squares / static_cast<double>(count - 1) : var;
  const double m = momentum;
  *running_mean = static_cast<float>((1.0 - m) * *running_mean + m * mean);
  *running_var = static_cast<float>((1.0 - m) * *running_var + m * unbiased);
  *saved_mean = static_cast<float>(mean);
  *saved_inv_std = static_cast<float>(inv_std);
  return inv_std;
}

// Two passes per channel (mean, then the squared deviations from it), both in double, so the variance is
// not lost to cancellation when the mean is large next to the spread.
void batchnorm2d_forward_training_ref(cnn_context& ctx, const BatchNormShape& s, const float* x, const float* gamma,
                                      const float* beta, float momentum, float epsilon, float* running_mean,
                                      float* running_var, float* saved_mean, float* saved_inv_std, float* y) {
  const int64_t count = s.n * s.plane;  // elements per channel
#pragma omp parallel for num_threads(parallel_threads(ctx, s.c* count, kMinElementsPerParallelJob))
  for (int64_t c = 0; c < s.c; ++c) {
    double sum = 0.0;
    for (int64_t n = 0; n < s.n; ++n) {
      for (int64_t i = 0; i < s.plane; ++i) sum += x[at(s, n, c, i)];
    }
    const double mean = sum / static_cast<double>(count);
    double squares = 0.0;
    for (int64_t n = 0; n < s.n; ++n) {
      for (int64_t i = 0; i < s.plane; ++i) {
        const double d = x[at(s, n, c, i)] - mean;
        squares += d * d;
      }
    }
    const double inv_std = batchnorm2d_channel_statistics(mean, squares, count, momentum, epsilon, running_mean + c,
                                                          running_var + c, saved_mean + c, saved_inv_std + c);
    const double g = gamma[c];
    const double b = beta[c];
    for (int64_t n = 0; n < s.n; ++n) {
      for (int64_t i = 0; i < s.plane; ++i) {
        const int64_t j = at(s, n, c, i);
        y[j] = static_cast<float>(g * ((x[j] - mean) * inv_std) + b);
      }
    }
  }
}

// No reductions: each (image, channel) plane is independent.
void batchnorm2d_forward_inference_ref(cnn_context& ctx, const BatchNormShape& s, const float* x, const float* gamma,
                                       const float* beta, const float* running_mean, const float* running_var,
                                       float epsilon, float* y) {
  const int64_t planes = s.n * s.c;
#pragma omp parallel for num_threads(parallel_threads(ctx, planes* s.plane, kMinElementsPerParallelJob))
  for (int64_t p = 0; p < planes; ++p) {
    const int64_t c = p % s.c;
    const double mean = running_mean[c];
    const double inv_std = 1.0 / std::sqrt(static_cast<double>(running_var[c]) + static_cast<double>(epsilon));
    const double g = gamma[c];
    const double b = beta[c];
    const float* xp = x + p * s.plane;
    float* yp = y + p * s.plane;
    for (int64_t i = 0; i < s.plane; ++i) yp[i] = static_cast<float>(g * ((xp[i] - mean) * inv_std) + b);
  }
}

// With M = n*plane elements per channel and xhat = (x - mean) * inv_std:
//   dbeta = sum(dy), dgamma = sum(dy * xhat),
//   dx = gamma * inv_std / M * (M * dy - sum(dy) - xhat * sum(dy * xhat)).
// The mean and inv_std come from the training forward (saved_mean, saved_inv_std).
void batchnorm2d_backward_ref(cnn_context& ctx, const BatchNormShape& s, const float* x, const float* gamma,
                              const float* saved_mean, const float* saved_inv_std, const float* dy, float* dx,
                              float* dgamma, float* dbeta) {
  const int64_t count = s.n * s.plane;
  const double m_count = static_cast<double>(count);
#pragma omp parallel for num_threads(parallel_threads(ctx, s.c* count, kMinElementsPerParallelJob))
  for (int64_t c = 0; c < s.c; ++c) {
    const double mean = saved_mean[c];
    const double inv_std = saved_inv_std[c];
    double sum_dy = 0.0;
    double sum_dy_xhat = 0.0;
    for (int64_t n = 0; n < s.n; ++n) {
      for (int64_t i = 0; i < s.plane; ++i) {
        const int64_t j = at(s, n, c, i);
        sum_dy += dy[j];
        sum_dy_xhat += dy[j] * ((x[j] - mean) * inv_std);
      }
    }
    if (dgamma != nullptr) dgamma[c] = static_cast<float>(sum_dy_xhat);
    if (dbeta != nullptr) dbeta[c] = static_cast<float>(sum_dy);
    const double k = gamma[c] * inv_std / m_count;
    for (int64_t n = 0; n < s.n; ++n) {
      for (int64_t i = 0; i < s.plane; ++i) {
        const int64_t j = at(s, n, c, i);
        const double xhat = (x[j] - mean) * inv_std;
        dx[j] = static_cast<float>(k * (m_count * dy[j] - sum_dy - xhat * sum_dy_xhat));
      }
    }
  }
}

}  // namespace cnn
