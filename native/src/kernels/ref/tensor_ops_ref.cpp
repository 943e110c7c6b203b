// Whole-tensor utilities: fill (x = value), scale (x *= factor) and the sum of squares in double.
// Layout: any; x is a flat array of `count` floats.
// Reference kernel: this file (the oracle for any faster tensor-utility kernel).
#include <cstdint>

#include "core/context.h"
#include "kernels/kernels.h"

namespace cnn {

namespace {

// Below this many elements the work stays on the calling thread.
constexpr int64_t kMinElementsPerParallelJob = 1 << 15;
// sum_squares adds each chunk of this many elements in index order, then the chunk sums in chunk order:
// the grouping depends only on count, never on the thread count, so every thread count gives the same bits.
constexpr int64_t kSumChunk = 1 << 14;

}  // namespace

void fill_ref(cnn_context& ctx, int64_t count, float value, float* x) {
#pragma omp parallel for num_threads(parallel_threads(ctx, count, kMinElementsPerParallelJob))
  for (int64_t i = 0; i < count; ++i) x[i] = value;
}

void scale_ref(cnn_context& ctx, int64_t count, float factor, float* x) {
#pragma omp parallel for num_threads(parallel_threads(ctx, count, kMinElementsPerParallelJob))
  for (int64_t i = 0; i < count; ++i) x[i] *= factor;
}

double sum_squares_ref(cnn_context& ctx, int64_t count, const float* x) {
  const int64_t chunks = (count + kSumChunk - 1) / kSumChunk;
  // One double per chunk, taken from the context's scratch (64-byte aligned floats, two per double), so
  // per-step gradient clipping does not allocate.
  Scratch scratch = ctx.scratch(static_cast<size_t>(chunks) * 2);
  double* partial = reinterpret_cast<double*>(scratch.data());
#pragma omp parallel for num_threads(parallel_threads(ctx, count, kMinElementsPerParallelJob))
  for (int64_t k = 0; k < chunks; ++k) {
    const int64_t end = (k + 1) * kSumChunk < count ? (k + 1) * kSumChunk : count;
    double sum = 0.0;
    for (int64_t i = k * kSumChunk; i < end; ++i) sum += static_cast<double>(x[i]) * x[i];
    partial[k] = sum;
  }
  double total = 0.0;
  for (int64_t k = 0; k < chunks; ++k) total += partial[k];
  return total;
}

}  // namespace cnn
