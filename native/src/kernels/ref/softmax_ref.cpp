// Softmax, forward pass: y = exp(x - max) / sum(exp(x - max)) over the class axis, the max subtracted first.
// Layout: x and y viewed as [outer, classes, inner] row-major (NCHW softmax over C: outer N, inner H*W);
// x == y is allowed. Reference kernel: this file (the oracle for any faster softmax kernel).
#include <cmath>
#include <cstdint>

#include "core/context.h"
#include "kernels/kernels.h"

namespace cnn {

namespace {

// Below this many elements the work stays on the calling thread. Each (outer, inner) column is computed
// by one thread in a fixed order, so the results never depend on the thread count.
constexpr int64_t kMinElementsPerParallelJob = 1 << 15;

}  // namespace

// Subtracting the column's max makes every exponent <= 0, so exp never overflows (inputs like 1000 are
// fine) and the largest term is exactly 1, so the sum is >= 1 and never 0. The sum is kept in double.
// In place works because each element is read (for the max and for its own exponent) before it is written.
void softmax_forward_ref(cnn_context& ctx, int64_t outer, int64_t classes, int64_t inner, const float* x, float* y) {
  const int64_t columns = outer * inner;
#pragma omp parallel for num_threads(parallel_threads(ctx, columns * classes, kMinElementsPerParallelJob))
  for (int64_t col = 0; col < columns; ++col) {
    const int64_t o = col / inner;
    const int64_t i = col % inner;
    const float* xc = x + o * classes * inner + i;  // element k of this column is xc[k * inner]
    float* yc = y + o * classes * inner + i;

    float max = xc[0];
    for (int64_t k = 1; k < classes; ++k) {
      if (xc[k * inner] > max) max = xc[k * inner];
    }
    double sum = 0.0;
    for (int64_t k = 0; k < classes; ++k) {
      const float e = std::exp(xc[k * inner] - max);
      yc[k * inner] = e;
      sum += e;
    }
    for (int64_t k = 0; k < classes; ++k) yc[k * inner] = static_cast<float>(yc[k * inner] / sum);
  }
}

}  // namespace cnn
