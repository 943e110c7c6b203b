// Dense (fully connected) layers on a device: forward and backward through the SGEMM (sgemm.cpp), the bias
// gradient through kernels/bias_backward.cl (shared with convolutions).
#include "opencl/launch.h"
#include "opencl/ops.h"

namespace cnn::opencl {

bool dense_forward_transposed(Runtime& runtime, int64_t n, int64_t out) {
  return out > n && sgemm_plan(runtime).family == SgemmFamily::Panels;
}

void dense_forward(Runtime& runtime, int64_t n, int64_t in, int64_t out, cl_mem x, cl_mem w, cl_mem bias, cl_mem y) {
  if (dense_forward_transposed(runtime, n, out)) {
    // y^T [out,n] = w [out,in] * x^T: A = w read in place, B = x [n,in] read transposed (packed: n*in floats, not
    // the out*in of w), bias[i] on every column of y^T; then y = (y^T)^T. The reference network's 3136->1024 layer
    // at batch 64 packs 0.2M floats instead of 3.2M.
    const Scratch y_t(runtime, static_cast<size_t>(out * n));
    sgemm(runtime, false, true, out, n, in, 1.0f, w, 0, in, x, 0, in, 0.0f, y_t.mem(), 0, n, bias, BiasAlong::Rows);
    transpose(runtime, y_t.mem(), out, n, y);
    return;
  }
  // y = x * w^T: A = x [n,in], B = w [out,in] read transposed, bias fused into the write-back.
  sgemm(runtime, false, true, n, out, in, 1.0f, x, 0, in, w, 0, in, 0.0f, y, 0, out, bias);
}

void dense_backward(Runtime& runtime, int64_t n, int64_t in, int64_t out, cl_mem x, cl_mem w, cl_mem dy, cl_mem dx,
                    cl_mem dw, cl_mem db) {
  // dx [n,in] = dy [n,out] * w [out,in]
  if (dx != nullptr) sgemm(runtime, false, false, n, in, out, 1.0f, dy, 0, out, w, 0, in, 0.0f, dx, 0, in, nullptr);
  // dw [out,in] = dy^T * x: A = dy stored [n,out] read transposed
  if (dw != nullptr) sgemm(runtime, true, false, out, in, n, 1.0f, dy, 0, out, x, 0, in, 0.0f, dw, 0, in, nullptr);
  if (db != nullptr) bias_backward(runtime, n, out, 1, dy, db);
}

void bias_backward(Runtime& runtime, int64_t n, int64_t channels, int64_t plane, cl_mem dy, cl_mem db) {
  if (geometry(runtime) == Geometry::Rows) {
    const Range r = rows_range(runtime, channels);
    runtime.launch(runtime.kernel("bias_backward", "-cl-std=CL1.2 -DGROUP_SIZE=1", "bias_backward_rows"),
                   "bias_backward_rows", 1, r.global, r.local, static_cast<cl_long>(n), static_cast<cl_long>(channels),
                   static_cast<cl_long>(plane), dy, db);
    return;
  }
  const GroupKernel k = group_kernel(runtime, "bias_backward", "bias_backward");
  const size_t global[1] = {static_cast<size_t>(channels) * k.group_size}, local[1] = {k.group_size};
  runtime.launch(k.kernel, "bias_backward", 1, global, local, static_cast<cl_long>(n), static_cast<cl_long>(channels),
                 static_cast<cl_long>(plane), dy, db);
}

}  // namespace cnn::opencl
