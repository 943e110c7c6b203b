// extern "C" shims for inverted dropout: cnn_dropout_forward (x -> y) and cnn_dropout_backward (dy -> dx).
// Both check the same things (messages name the shapes and numbers) and call the one dropout kernel of
// the active table (or, on an OpenCL context, the device's kernel, which computes the same mask) with the same
// seed, so the backward pass drops exactly the elements the forward did.
#include <cnn/cnn.h>

#include <cmath>
#include <cstdint>
#include <string>

#include "api/guard.h"
#include "api/op_checks.h"
#include "core/context.h"
#include "core/error.h"
#include "core/tensor.h"
#include "kernels/kernels.h"
#include "opencl/ops.h"

namespace {

using cnn::fail;

// out[i] = keep(seed, i) ? in[i] / (1 - rate) : 0. in and out may be the same tensor (same storage and
// shape: each element is read before it is written).
void dropout(cnn_context* context, const cnn_tensor* in_ptr, const char* in_name, float rate, uint64_t seed,
             cnn_tensor* out_ptr, const char* out_name) {
  cnn_context& ctx = cnn::require_context(context);
  const cnn_tensor& in = cnn::require_tensor(in_ptr, in_name);
  // Written as !(rate >= 0 && rate < 1) so that NaN is rejected too; rate 1 would divide by zero.
  if (!(rate >= 0.0f && rate < 1.0f)) fail(CNN_INVALID_ARGUMENT, "rate " + std::to_string(rate) + " must be in [0, 1)");
  const cnn_tensor& out = cnn::require_tensor(out_ptr, out_name);
  cnn::require_same_device(ctx, in, in_name);
  cnn::require_same_device(ctx, out, out_name);
  cnn::require_same_shape(in, in_name, out, out_name, std::string(out_name) + " must have the shape of " + in_name);
  if (ctx.opencl != nullptr)
    return cnn::opencl::dropout(*ctx.opencl, static_cast<int64_t>(in.count), rate, seed,
                                cnn::opencl::device_memory(&in), cnn::opencl::device_memory(&out));
  cnn::kernels().dropout(ctx, static_cast<int64_t>(in.count), rate, seed, in.data(), out.data());
}

}  // namespace

extern "C" {

CNN_API cnn_status cnn_dropout_forward(cnn_context* context, const cnn_tensor* x, float rate, uint64_t seed,
                                       cnn_tensor* y) {
  return CNN_GUARD({ dropout(context, x, "x", rate, seed, y, "y"); });
}

CNN_API cnn_status cnn_dropout_backward(cnn_context* context, const cnn_tensor* dy, float rate, uint64_t seed,
                                        cnn_tensor* dx) {
  return CNN_GUARD({ dropout(context, dy, "dy", rate, seed, dx, "dx"); });
}

}  // extern "C"
