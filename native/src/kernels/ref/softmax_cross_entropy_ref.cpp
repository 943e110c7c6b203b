// Fused softmax + cross-entropy with label smoothing: mean loss over the batch, the count of rows whose
// first largest logit is the label and, optionally, dlogits = (softmax - target) / n.
// Layout: logits and dlogits [n, classes] row-major, labels[n]. Reference kernel: this file.
#include <cmath>
#include <cstdint>

#include "core/context.h"
#include "kernels/kernels.h"

namespace cnn {

namespace {

// Below this many logits the work stays on the calling thread. Rows are independent; their losses are
// summed afterwards on one thread in row order, so the result never depends on the thread count.
constexpr int64_t kMinElementsPerParallelJob = 1 << 14;

}  // namespace

// Per row, with m the largest logit and lse = m + log(sum_k exp(l_k - m)) (every exponent <= 0, the
// sum >= 1, accumulated in double): log softmax_k = l_k - lse, finite for logits like +-1000.
// The target is t_k = s / K + (1 - s) [k == label], so the row loss is
// sum_k t_k (lse - l_k) = (1 - s)(lse - l_label) + (s / K) sum_k (lse - l_k).
void softmax_cross_entropy_ref(cnn_context& ctx, int64_t n, int64_t classes, const float* logits,
                               const int32_t* labels, float label_smoothing, float* dlogits, float* loss,
                               int64_t* correct) {
  // Per-row loss (rounded to float; its relative error 6e-8 is far below a loss's meaning) and hit (0 or 1).
  Scratch scratch = ctx.scratch(static_cast<size_t>(2 * n));
  float* row_loss = scratch.data();
  float* row_hit = row_loss + n;
  const double s = label_smoothing;
  const double k_inv = 1.0 / static_cast<double>(classes);
  const double n_inv = 1.0 / static_cast<double>(n);
#pragma omp parallel for num_threads(parallel_threads(ctx, n * classes, kMinElementsPerParallelJob))
  for (int64_t r = 0; r < n; ++r) {
    const float* l = logits + r * classes;
    const int64_t label = labels[r];
    float max = l[0];
    int64_t argmax = 0;  // the first largest logit: later ones win only when strictly larger
    for (int64_t k = 1; k < classes; ++k) {
      if (l[k] > max) {
        max = l[k];
        argmax = k;
      }
    }
    double sum = 0.0;
    for (int64_t k = 0; k < classes; ++k) sum += std::exp(static_cast<double>(l[k]) - max);
    const double lse = max + std::log(sum);
    double row = (1.0 - s) * (lse - l[label]);
    if (s != 0.0) {  // skipped at s == 0 so that 0 * (an infinite sum from a -inf logit) is not NaN
      double spread = 0.0;
      for (int64_t k = 0; k < classes; ++k) spread += lse - l[k];
      row += s * k_inv * spread;
    }
    row_loss[r] = static_cast<float>(row);
    row_hit[r] = argmax == label ? 1.0f : 0.0f;
    if (dlogits != nullptr) {
      float* d = dlogits + r * classes;
      for (int64_t k = 0; k < classes; ++k) {
        const double target = s * k_inv + (k == label ? 1.0 - s : 0.0);
        d[k] = static_cast<float>((std::exp(l[k] - lse) - target) * n_inv);
      }
    }
  }
  double total = 0.0;
  int64_t hits = 0;
  for (int64_t r = 0; r < n; ++r) {
    total += row_loss[r];
    hits += row_hit[r] != 0.0f ? 1 : 0;
  }
  *loss = static_cast<float>(total * n_inv);
  *correct = hits;
}

}  // namespace cnn
