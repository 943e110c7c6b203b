// cnn_dense_forward(_fused) and cnn_dense_backward: both check x [N,IN] and w [OUT,IN] through one function, then
// each checks its own outputs and runs the active table's dense kernels (y = x * w^T + bias and its gradients),
// or, on an OpenCL context, the device's tiled SGEMM (the bias fused into the forward's write-back).
#include <cnn/cnn.h>

#include <string>

#include "api/backward_checks.h"
#include "api/guard.h"
#include "api/op_checks.h"
#include "core/error.h"
#include "core/tensor.h"
#include "kernels/kernels.h"
#include "opencl/ops.h"
#include "opencl/runtime.h"

namespace {

// x [N,IN] and w [OUT,IN] as the dense kernels see them.
struct DenseShape {
  int64_t n, in, out;
};

// Checks x and w (not null, rank 2, on the context's device, input features agree). Shared by forward and
// backward so both accept exactly the same layers.
DenseShape dense_shape(const cnn_context& ctx, const cnn_tensor* x, const cnn_tensor* w) {
  const cnn_tensor& xt = cnn::require_rank(x, "x", 2);
  const cnn_tensor& wt = cnn::require_rank(w, "w", 2);
  cnn::require_same_device(ctx, xt, "x");
  cnn::require_same_device(ctx, wt, "w");
  if (xt.dim(1) != wt.dim(1))
    cnn::fail(CNN_SHAPE_MISMATCH, "x is " + cnn::shape_string(xt) + " but w is " + cnn::shape_string(wt) +
                                      ": input features " + std::to_string(xt.dim(1)) + " != " +
                                      std::to_string(wt.dim(1)));
  return {xt.dim(0), xt.dim(1), wt.dim(0)};
}

}  // namespace

namespace {

// cnn_dense_forward, then the activation (cnn_dense_forward_fused): ReLU inside the GEMM's write-back when the
// active table has that kernel, any other activation (and the ref tier, and OpenCL) over y afterwards.
void dense_forward(cnn_context* context, const cnn_tensor* x, const cnn_tensor* w, const cnn_tensor* bias,
                   cnn_activation activation, float alpha, cnn_tensor* y) {
  cnn_context& ctx = cnn::require_context(context);
  cnn::require_activation(activation, alpha);
  const DenseShape s = dense_shape(ctx, x, w);
  const cnn_tensor& yt = cnn::require_rank(y, "y", 2);
  if (bias != nullptr) cnn::require_rank(bias, "bias", 1);
  cnn::require_same_device(ctx, yt, "y");
  if (bias != nullptr) cnn::require_same_device(ctx, *bias, "bias");
  cnn::require_bias_fits(bias, *w);
  const int64_t expected[2] = {s.n, s.out};
  cnn::require_weighted_output(yt, expected, *x, *w, bias);

  if (ctx.opencl != nullptr) {
    using cnn::opencl::device_memory;
    cnn::opencl::dense_forward(*ctx.opencl, s.n, s.in, s.out, device_memory(x), device_memory(w),
                               device_memory(bias), device_memory(&yt));
    if (activation != CNN_ACTIVATION_IDENTITY)
      cnn::opencl::activation_forward(*ctx.opencl, activation, alpha, s.n * s.out, device_memory(&yt),
                                      device_memory(&yt));
    return;
  }
  const cnn::KernelTable& k = cnn::kernels();
  const float* b = bias != nullptr ? bias->data() : nullptr;
  if (activation == CNN_ACTIVATION_RELU && k.dense_forward_relu != nullptr) {
    k.dense_forward_relu(ctx, s.n, s.in, s.out, x->data(), w->data(), b, yt.data());
    return;
  }
  k.dense_forward(ctx, s.n, s.in, s.out, x->data(), w->data(), b, yt.data());
  if (activation != CNN_ACTIVATION_IDENTITY)
    k.activation_forward(ctx, activation, alpha, s.n * s.out, yt.data(), yt.data());
}

}  // namespace

extern "C" CNN_API cnn_status cnn_dense_forward(cnn_context* context, const cnn_tensor* x, const cnn_tensor* w,
                                                const cnn_tensor* bias, cnn_tensor* y) {
  return cnn::guarded(__func__, [&] { dense_forward(context, x, w, bias, CNN_ACTIVATION_IDENTITY, 0.0f, y); });
}

extern "C" CNN_API cnn_status cnn_dense_forward_fused(cnn_context* context, const cnn_tensor* x, const cnn_tensor* w,
                                                      const cnn_tensor* bias, cnn_activation activation, float alpha,
                                                      cnn_tensor* y) {
  return cnn::guarded(__func__, [&] { dense_forward(context, x, w, bias, activation, alpha, y); });
}

extern "C" CNN_API cnn_status cnn_dense_backward(cnn_context* context, const cnn_tensor* x, const cnn_tensor* w,
                                                 const cnn_tensor* dy, cnn_tensor* dx, cnn_tensor* dw,
                                                 cnn_tensor* db) {
  return cnn::guarded(__func__, [&] {
    cnn_context& ctx = cnn::require_context(context);
    const DenseShape s = dense_shape(ctx, x, w);
    const int64_t output[2] = {s.n, s.out};
    const cnn_tensor& dyt = cnn::require_dy(ctx, dy, output, *x, *w);

    const cnn::NamedTensor dx_arg{dx, "dx"}, dw_arg{dw, "dw"}, db_arg{db, "db"};
    cnn::require_any_gradient({dx_arg, dw_arg, db_arg});
    const int64_t bias_shape[1] = {s.out};
    cnn::require_gradient_shape(ctx, dx_arg, x->shape(), "the shape of x");
    cnn::require_gradient_shape(ctx, dw_arg, w->shape(), "the shape of w");
    cnn::require_gradient_shape(ctx, db_arg, bias_shape, "one value per output feature");
    cnn::require_gradients_distinct({dx_arg, dw_arg, db_arg}, {{x, "x"}, {w, "w"}, {dy, "dy"}});
    if (ctx.opencl != nullptr) {
      using cnn::opencl::device_memory;
      cnn::opencl::dense_backward(*ctx.opencl, s.n, s.in, s.out, device_memory(x), device_memory(w),
                                  device_memory(dy), device_memory(dx), device_memory(dw), device_memory(db));
      return;
    }

    const cnn::KernelTable& k = cnn::kernels();
    if (dx != nullptr || dw != nullptr)
      k.dense_backward(ctx, s.n, s.in, s.out, x->data(), w->data(), dyt.data(), dx != nullptr ? dx->data() : nullptr,
                       dw != nullptr ? dw->data() : nullptr);
    if (db != nullptr) k.bias_backward(ctx, s.n, s.out, 1, dyt.data(), db->data());
  });
}
