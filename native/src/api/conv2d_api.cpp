// cnn_conv2d_forward(_fused) and cnn_conv2d_backward: both check x, w and params through one function that
// returns the geometry, so they accept exactly the same convolutions; then each checks its own outputs and runs
// the active table's conv2d kernels, or on an OpenCL context the device's im2col + SGEMM.
#include <cnn/cnn.h>

#include <array>
#include <string>

#include "api/backward_checks.h"
#include "api/guard.h"
#include "api/op_checks.h"
#include "core/context.h"
#include "core/error.h"
#include "core/shape.h"
#include "core/tensor.h"
#include "kernels/kernels.h"
#include "opencl/ops.h"

namespace {

void require_param(int32_t value, int32_t minimum, const char* name) {
  if (value < minimum)
    cnn::fail(CNN_INVALID_ARGUMENT, std::string("params->") + name + " is " + std::to_string(value) +
                                        " but must be >= " + std::to_string(minimum));
}

// OH or OW, with the window error phrased in terms of the tensors.
int64_t output_size(const cnn_tensor& x, const cnn_tensor& w, const char* axis, int64_t input, int64_t kernel,
                    int32_t stride, int32_t pad_begin, int32_t pad_end, int32_t dilation) {
  if (kernel > INT32_MAX)
    cnn::fail(CNN_UNSUPPORTED, "w is " + cnn::shape_string(w) + ": kernel " + axis + " " + std::to_string(kernel) +
                                   " exceeds " + std::to_string(INT32_MAX));
  try {
    return cnn::window_output_size(input, static_cast<int32_t>(kernel), stride, pad_begin, pad_end, dilation);
  } catch (const cnn::Error& e) {
    cnn::fail(e.status(), "x is " + cnn::shape_string(x) + " and w is " + cnn::shape_string(w) + ": " + axis + ": " +
                              e.what());
  }
}

// Checks x [N,C,H,W], w [OC,C,KH,KW] (not null, rank 4, on the context's device, channels agree) and params
// (strides and dilations >= 1, pads >= 0, the dilated window fits the padded input) and returns the geometry
// of y = conv(x, w). Shared by forward and backward.
cnn::Conv2dGeometry conv_geometry(const cnn_context& ctx, const cnn_tensor* x, const cnn_tensor* w,
                                  const cnn_conv2d_params* params) {
  const cnn_tensor& xt = cnn::require_rank(x, "x", 4);
  const cnn_tensor& wt = cnn::require_rank(w, "w", 4);
  cnn::require_not_null(params, "params");
  const cnn_conv2d_params& p = *params;
  require_param(p.stride_h, 1, "stride_h");
  require_param(p.stride_w, 1, "stride_w");
  require_param(p.dilation_h, 1, "dilation_h");
  require_param(p.dilation_w, 1, "dilation_w");
  require_param(p.pad_top, 0, "pad_top");
  require_param(p.pad_bottom, 0, "pad_bottom");
  require_param(p.pad_left, 0, "pad_left");
  require_param(p.pad_right, 0, "pad_right");
  cnn::require_same_device(ctx, xt, "x");
  cnn::require_same_device(ctx, wt, "w");
  if (xt.dim(1) != wt.dim(1))
    cnn::fail(CNN_SHAPE_MISMATCH, "x is " + cnn::shape_string(xt) + " but w is " + cnn::shape_string(wt) +
                                      ": input channels " + std::to_string(xt.dim(1)) + " != " +
                                      std::to_string(wt.dim(1)));

  cnn::Conv2dGeometry g{};
  g.n = xt.dim(0);
  g.c = xt.dim(1);
  g.h = xt.dim(2);
  g.w = xt.dim(3);
  g.oc = wt.dim(0);
  g.kh = wt.dim(2);
  g.kw = wt.dim(3);
  g.oh = output_size(xt, wt, "height", g.h, g.kh, p.stride_h, p.pad_top, p.pad_bottom, p.dilation_h);
  g.ow = output_size(xt, wt, "width", g.w, g.kw, p.stride_w, p.pad_left, p.pad_right, p.dilation_w);
  g.stride_h = p.stride_h;
  g.stride_w = p.stride_w;
  g.pad_top = p.pad_top;
  g.pad_left = p.pad_left;
  g.dilation_h = p.dilation_h;
  g.dilation_w = p.dilation_w;
  return g;
}

std::array<int64_t, 4> output_shape(const cnn::Conv2dGeometry& g) { return {g.n, g.oc, g.oh, g.ow}; }

// cnn_conv2d_forward, then the activation (cnn_conv2d_forward_fused): ReLU inside the GEMM's write-back when the
// active table has that kernel, any other activation (and the ref tier, and OpenCL) over y afterwards.
void conv_forward(cnn_context* context, const cnn_tensor* x, const cnn_tensor* w, const cnn_tensor* bias,
                  const cnn_conv2d_params* params, cnn_activation activation, float alpha, cnn_tensor* y) {
  cnn_context& ctx = cnn::require_context(context);
  cnn::require_activation(activation, alpha);
  const cnn::Conv2dGeometry g = conv_geometry(ctx, x, w, params);
  const cnn_tensor& yt = cnn::require_rank(y, "y", 4);
  if (bias != nullptr) cnn::require_rank(bias, "bias", 1);
  cnn::require_same_device(ctx, yt, "y");
  if (bias != nullptr) cnn::require_same_device(ctx, *bias, "bias");
  cnn::require_bias_fits(bias, *w);

  const std::array<int64_t, 4> expected = output_shape(g);
  cnn::require_weighted_output(yt, expected, *x, *w, bias);

  const int64_t count = g.n * g.oc * g.oh * g.ow;
  if (ctx.opencl != nullptr) {
    using cnn::opencl::device_memory;
    cnn::opencl::conv2d_forward(*ctx.opencl, g, device_memory(x), device_memory(w), device_memory(bias),
                                device_memory(&yt));
    if (activation != CNN_ACTIVATION_IDENTITY)
      cnn::opencl::activation_forward(*ctx.opencl, activation, alpha, count, device_memory(&yt),
                                      device_memory(&yt));
    return;
  }
  const cnn::KernelTable& k = cnn::kernels();
  const float* b = bias != nullptr ? bias->data() : nullptr;
  if (activation == CNN_ACTIVATION_RELU && k.conv2d_forward_relu != nullptr) {
    k.conv2d_forward_relu(ctx, g, x->data(), w->data(), b, yt.data());
    return;
  }
  k.conv2d_forward(ctx, g, x->data(), w->data(), b, yt.data());
  if (activation != CNN_ACTIVATION_IDENTITY) k.activation_forward(ctx, activation, alpha, count, yt.data(), yt.data());
}

}  // namespace

extern "C" CNN_API cnn_status cnn_conv2d_forward(cnn_context* context, const cnn_tensor* x, const cnn_tensor* w,
                                                 const cnn_tensor* bias, const cnn_conv2d_params* params,
                                                 cnn_tensor* y) {
  return cnn::guarded(__func__, [&] { conv_forward(context, x, w, bias, params, CNN_ACTIVATION_IDENTITY, 0.0f, y); });
}

extern "C" CNN_API cnn_status cnn_conv2d_forward_fused(cnn_context* context, const cnn_tensor* x,
                                                       const cnn_tensor* w, const cnn_tensor* bias,
                                                       const cnn_conv2d_params* params, cnn_activation activation,
                                                       float alpha, cnn_tensor* y) {
  return cnn::guarded(__func__, [&] { conv_forward(context, x, w, bias, params, activation, alpha, y); });
}

extern "C" CNN_API cnn_status cnn_conv2d_backward(cnn_context* context, const cnn_tensor* x, const cnn_tensor* w,
                                                  const cnn_tensor* dy, const cnn_conv2d_params* params,
                                                  cnn_tensor* dx, cnn_tensor* dw, cnn_tensor* db) {
  return cnn::guarded(__func__, [&] {
    cnn_context& ctx = cnn::require_context(context);
    const cnn::Conv2dGeometry g = conv_geometry(ctx, x, w, params);
    const cnn_tensor& dyt = cnn::require_dy(ctx, dy, output_shape(g), *x, *w);

    const cnn::NamedTensor dx_arg{dx, "dx"}, dw_arg{dw, "dw"}, db_arg{db, "db"};
    cnn::require_any_gradient({dx_arg, dw_arg, db_arg});
    const int64_t bias_shape[1] = {g.oc};
    cnn::require_gradient_shape(ctx, dx_arg, x->shape(), "the shape of x");
    cnn::require_gradient_shape(ctx, dw_arg, w->shape(), "the shape of w");
    cnn::require_gradient_shape(ctx, db_arg, bias_shape, "one value per output channel");
    cnn::require_gradients_distinct({dx_arg, dw_arg, db_arg}, {{x, "x"}, {w, "w"}, {dy, "dy"}});

    if (ctx.opencl != nullptr) {
      using cnn::opencl::device_memory;
      cnn::opencl::conv2d_backward(*ctx.opencl, g, device_memory(x), device_memory(w), device_memory(dy),
                                   device_memory(dx), device_memory(dw), device_memory(db));
      return;
    }
    const cnn::KernelTable& k = cnn::kernels();
    if (dx != nullptr) k.conv2d_backward_data(ctx, g, w->data(), dyt.data(), dx->data());
    if (dw != nullptr) k.conv2d_backward_filter(ctx, g, x->data(), dyt.data(), dw->data());
    if (db != nullptr) k.bias_backward(ctx, g.n, g.oc, g.oh * g.ow, dyt.data(), db->data());
  });
}
