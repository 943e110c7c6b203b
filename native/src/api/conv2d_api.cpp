// cnn_conv2d_forward: checks x, w, bias, params and y, then runs the active table's conv2d kernel.
#include <cnn/cnn.h>

#include <string>

#include "api/guard.h"
#include "api/op_checks.h"
#include "core/error.h"
#include "core/shape.h"
#include "core/tensor.h"
#include "kernels/kernels.h"

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

}  // namespace

extern "C" CNN_API cnn_status cnn_conv2d_forward(cnn_context* context, const cnn_tensor* x, const cnn_tensor* w,
                                                 const cnn_tensor* bias, const cnn_conv2d_params* params,
                                                 cnn_tensor* y) {
  return cnn::guarded(__func__, [&] {
    cnn_context& ctx = cnn::require_context(context);
    const cnn_tensor& xt = cnn::require_rank(x, "x", 4);
    const cnn_tensor& wt = cnn::require_rank(w, "w", 4);
    const cnn_tensor& yt = cnn::require_rank(y, "y", 4);
    if (bias != nullptr) cnn::require_rank(bias, "bias", 1);
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

    cnn::require_device(ctx, xt, "x");
    cnn::require_device(ctx, wt, "w");
    cnn::require_device(ctx, yt, "y");
    if (bias != nullptr) cnn::require_device(ctx, *bias, "bias");

    if (xt.dim(1) != wt.dim(1))
      cnn::fail(CNN_SHAPE_MISMATCH, "x is " + cnn::shape_string(xt) + " but w is " + cnn::shape_string(wt) +
                                        ": input channels " + std::to_string(xt.dim(1)) + " != " +
                                        std::to_string(wt.dim(1)));
    cnn::require_bias_fits(bias, wt);

    int64_t oh = output_size(xt, wt, "height", xt.dim(2), wt.dim(2), p.stride_h, p.pad_top, p.pad_bottom,
                             p.dilation_h);
    int64_t ow = output_size(xt, wt, "width", xt.dim(3), wt.dim(3), p.stride_w, p.pad_left, p.pad_right,
                             p.dilation_w);
    const int64_t expected[4] = {xt.dim(0), wt.dim(0), oh, ow};
    if (yt.dim(0) != expected[0] || yt.dim(1) != expected[1] || yt.dim(2) != expected[2] || yt.dim(3) != expected[3])
      cnn::fail(CNN_SHAPE_MISMATCH, "y is " + cnn::shape_string(yt) + " but the output must be " +
                                        cnn::shape_string(std::span<const int64_t>(expected, 4)) + " for x " +
                                        cnn::shape_string(xt) + " and w " + cnn::shape_string(wt));

    cnn::require_no_alias(yt, "y", &xt, "x");
    cnn::require_no_alias(yt, "y", &wt, "w");
    cnn::require_no_alias(yt, "y", bias, "bias");

    cnn::Conv2dGeometry g{};
    g.n = xt.dim(0);
    g.c = xt.dim(1);
    g.h = xt.dim(2);
    g.w = xt.dim(3);
    g.oc = wt.dim(0);
    g.kh = wt.dim(2);
    g.kw = wt.dim(3);
    g.oh = oh;
    g.ow = ow;
    g.stride_h = p.stride_h;
    g.stride_w = p.stride_w;
    g.pad_top = p.pad_top;
    g.pad_left = p.pad_left;
    g.dilation_h = p.dilation_h;
    g.dilation_w = p.dilation_w;
    cnn::kernels().conv2d_forward(ctx, g, xt.data(), wt.data(), bias != nullptr ? bias->data() : nullptr,
                                  yt.data());
  });
}
