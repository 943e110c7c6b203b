// Softmax, backward pass from the forward's output y: dx = y * (dy - sum_k dy_k * y_k) over the class axis.
// Layout: y, dy and dx viewed as [outer, classes, inner] row-major (NCHW softmax over C: outer N, inner H*W).
// Reference kernel: this file (the oracle for any faster softmax backward).
#include <cstdint>

#include "core/context.h"
#include "kernels/kernels.h"

namespace cnn {

namespace {

// Below this many elements the work stays on the calling thread. Each (outer, inner) column is computed
// by one thread in a fixed order, so the results never depend on the thread count.
constexpr int64_t kMinElementsPerParallelJob = 1 << 15;

}  // namespace

// The dot product is summed in double. Each column's dot product is complete before any of its dx is
// written, and dx[k] reads only y[k] and dy[k], so dx may even share storage with y or dy.
void softmax_backward_ref(cnn_context& ctx, int64_t outer, int64_t classes, int64_t inner, const float* y,
                          const float* dy, float* dx) {
  const int64_t columns = outer * inner;
#pragma omp parallel for num_threads(parallel_threads(ctx, columns * classes, kMinElementsPerParallelJob))
  for (int64_t col = 0; col < columns; ++col) {
    const int64_t offset = (col / inner) * classes * inner + col % inner;  // element k is at offset + k * inner
    double dot = 0.0;
    for (int64_t k = 0; k < classes; ++k) dot += static_cast<double>(dy[offset + k * inner]) * y[offset + k * inner];
    for (int64_t k = 0; k < classes; ++k) {
      const int64_t i = offset + k * inner;
      dx[i] = static_cast<float>(y[i] * (dy[i] - dot));
    }
  }
}

}  // namespace cnn
