// Whole-buffer utilities on a device: fill and copy through the queue's own commands, scale, the sum of squares
// and a matrix transpose through small kernels (kernels/scale.cl, kernels/sum_squares.cl, kernels/transpose.cl).
#include <string>
#include <vector>

#include "core/error.h"
#include "opencl/launch.h"
#include "opencl/ops.h"

namespace cnn::opencl {

void fill(Runtime& runtime, cl_mem x, int64_t count, float value) {
  const cl_float pattern = value;
  runtime.check(runtime.cl().EnqueueFillBuffer(runtime.queue(), x, &pattern, sizeof(pattern), 0,
                                               static_cast<size_t>(count) * sizeof(float), 0, nullptr, nullptr),
                "filling " + std::to_string(count) + " floats (clEnqueueFillBuffer)");
}

void copy(Runtime& runtime, cl_mem src, cl_mem dst, int64_t count) {
  runtime.check(runtime.cl().EnqueueCopyBuffer(runtime.queue(), src, dst, 0, 0,
                                               static_cast<size_t>(count) * sizeof(float), 0, nullptr, nullptr),
                "copying " + std::to_string(count) + " floats (clEnqueueCopyBuffer)");
}

void scale(Runtime& runtime, cl_mem x, int64_t count, float factor) {
  cl_kernel kernel = runtime.kernel("scale", "-cl-std=CL1.2", "scale");
  const Elementwise e = elementwise_launch(runtime, count);
  runtime.launch(kernel, "scale", 1, e.range.global, e.range.local, static_cast<cl_long>(count), e.chunk,
                 static_cast<cl_float>(factor), x);
}

void transpose(Runtime& runtime, cl_mem in, int64_t rows, int64_t cols, cl_mem out) {
  int_arg(runtime, rows * cols, "transposed floats");
  const Range r = elements_range(runtime, cols, rows);
  runtime.launch(plain_kernel(runtime, "transpose", "transpose"), "transpose", 2, r.global, r.local, in,
                 static_cast<cl_int>(rows), static_cast<cl_int>(cols), out);
}

double sum_squares(Runtime& runtime, cl_mem x, int64_t count) {
  cl_kernel kernel = runtime.kernel("sum_squares", "-cl-std=CL1.2", "sum_squares");
  const Range r = grid_stride_range(runtime, count);
  const size_t items = r.global[0];
  Buffer partial(runtime.shared_from_this(), items);
  runtime.launch(kernel, "sum_squares", 1, r.global, r.local, static_cast<cl_long>(count), x, partial.mem());
  std::vector<float> sums(items);
  partial.read(sums.data());
  double total = 0.0;  // fixed order: the same tensor gives the same bits every call
  for (float s : sums) total += s;
  return total;
}

}  // namespace cnn::opencl
