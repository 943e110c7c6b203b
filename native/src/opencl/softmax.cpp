// Softmax over axis 1 on a device, forward and backward (kernels/softmax.cl), and the fused softmax +
// cross-entropy loss (kernels/softmax_cross_entropy.cl), whose per-row losses come back to the host.
#include <string>
#include <vector>

#include "opencl/launch.h"
#include "opencl/ops.h"

namespace cnn::opencl {

void softmax_forward(Runtime& runtime, int64_t outer, int64_t classes, int64_t inner, cl_mem x, cl_mem y) {
  const Range r = grid_stride_range(runtime, outer * inner);
  runtime.launch(plain_kernel(runtime, "softmax", "softmax_forward"), "softmax_forward", 1, r.global, r.local,
                 static_cast<cl_long>(outer), static_cast<cl_long>(classes), static_cast<cl_long>(inner), x, y);
}

void softmax_backward(Runtime& runtime, int64_t outer, int64_t classes, int64_t inner, cl_mem y, cl_mem dy,
                      cl_mem dx) {
  const Range r = grid_stride_range(runtime, outer * inner);
  runtime.launch(plain_kernel(runtime, "softmax", "softmax_backward"), "softmax_backward", 1, r.global, r.local,
                 static_cast<cl_long>(outer), static_cast<cl_long>(classes), static_cast<cl_long>(inner), y, dy, dx);
}

// The labels travel to the device once per call (n ints; the caller's buffer is never kept). The kernel leaves
// a loss and a hit per row; they are summed here in row order, in double, as the reference sums them.
void softmax_cross_entropy(Runtime& runtime, int64_t n, int64_t classes, cl_mem logits, const int32_t* labels,
                           float label_smoothing, cl_mem dlogits, float* loss, int64_t* correct) {
  static_assert(sizeof(int32_t) == sizeof(float), "labels share a float buffer's size");
  const std::shared_ptr<Runtime> owner = runtime.shared_from_this();
  const Buffer device_labels(owner, static_cast<size_t>(n));
  runtime.check(runtime.cl().EnqueueWriteBuffer(runtime.queue(), device_labels.mem(), CL_TRUE, 0,
                                                static_cast<size_t>(n) * sizeof(int32_t), labels, 0, nullptr, nullptr),
                "writing " + std::to_string(n) + " labels to the device (clEnqueueWriteBuffer)");
  const Buffer stats(owner, static_cast<size_t>(2 * n));
  const Range range = grid_stride_range(runtime, n);
  runtime.launch(plain_kernel(runtime, "softmax_cross_entropy", "softmax_cross_entropy"), "softmax_cross_entropy", 1,
                 range.global, range.local, static_cast<cl_long>(n), static_cast<cl_long>(classes), logits,
                 device_labels.mem(), static_cast<cl_float>(label_smoothing), dlogits, stats.mem());
  std::vector<float> host(static_cast<size_t>(2 * n));
  stats.read(host.data());
  double total = 0.0;
  int64_t hits = 0;
  for (int64_t r = 0; r < n; ++r) {
    total += host[static_cast<size_t>(r)];
    hits += host[static_cast<size_t>(n + r)] != 0.0f ? 1 : 0;
  }
  *loss = static_cast<float>(total / static_cast<double>(n));
  *correct = hits;
}

}  // namespace cnn::opencl
