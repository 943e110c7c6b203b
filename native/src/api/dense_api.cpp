// cnn_dense_forward: checks x [N,IN], w [OUT,IN], bias [OUT] and y [N,OUT], then runs the active
// table's dense kernel (y = x * w^T + bias).
#include <cnn/cnn.h>

#include <string>

#include "api/guard.h"
#include "api/op_checks.h"
#include "core/error.h"
#include "core/tensor.h"
#include "kernels/kernels.h"

extern "C" CNN_API cnn_status cnn_dense_forward(cnn_context* context, const cnn_tensor* x, const cnn_tensor* w,
                                                const cnn_tensor* bias, cnn_tensor* y) {
  return cnn::guarded(__func__, [&] {
    cnn_context& ctx = cnn::require_context(context);
    const cnn_tensor& xt = cnn::require_rank(x, "x", 2);
    const cnn_tensor& wt = cnn::require_rank(w, "w", 2);
    const cnn_tensor& yt = cnn::require_rank(y, "y", 2);
    if (bias != nullptr) cnn::require_rank(bias, "bias", 1);

    cnn::require_device(ctx, xt, "x");
    cnn::require_device(ctx, wt, "w");
    cnn::require_device(ctx, yt, "y");
    if (bias != nullptr) cnn::require_device(ctx, *bias, "bias");

    if (xt.dim(1) != wt.dim(1))
      cnn::fail(CNN_SHAPE_MISMATCH, "x is " + cnn::shape_string(xt) + " but w is " + cnn::shape_string(wt) +
                                        ": input features " + std::to_string(xt.dim(1)) + " != " +
                                        std::to_string(wt.dim(1)));
    cnn::require_bias_fits(bias, wt);
    if (yt.dim(0) != xt.dim(0) || yt.dim(1) != wt.dim(0))
      cnn::fail(CNN_SHAPE_MISMATCH, "y is " + cnn::shape_string(yt) + " but the output must be [" +
                                        std::to_string(xt.dim(0)) + "," + std::to_string(wt.dim(0)) + "] for x " +
                                        cnn::shape_string(xt) + " and w " + cnn::shape_string(wt));

    cnn::require_no_alias(yt, "y", &xt, "x");
    cnn::require_no_alias(yt, "y", &wt, "w");
    cnn::require_no_alias(yt, "y", bias, "bias");

    cnn::kernels().dense_forward(ctx, xt.dim(0), xt.dim(1), wt.dim(0), xt.data(), wt.data(),
                                 bias != nullptr ? bias->data() : nullptr, yt.data());
  });
}
