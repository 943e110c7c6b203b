// extern "C" shims for 2-D pooling: cnn_maxpool2d_forward, cnn_avgpool2d_forward and
// cnn_global_avgpool2d_forward. Each checks every argument (messages name the shapes and numbers), builds
// a Pool2dGeometry and calls the active kernel table; the kernels assume valid arguments.
#include <cnn/cnn.h>

#include <array>
#include <cstdint>
#include <string>

#include "api/guard.h"
#include "api/op_checks.h"
#include "core/context.h"
#include "core/error.h"
#include "core/shape.h"
#include "core/tensor.h"
#include "kernels/kernels.h"

namespace {

using cnn::fail;

void require_at_least_one(int32_t value, const char* name) {
  if (value < 1) fail(CNN_INVALID_ARGUMENT, std::string(name) + " " + std::to_string(value) + " must be >= 1");
}

void require_pad(int32_t pad, const char* pad_name, int32_t kernel, const char* kernel_name) {
  if (pad < 0) fail(CNN_INVALID_ARGUMENT, std::string(pad_name) + " " + std::to_string(pad) + " must be >= 0");
  // A pad as large as the kernel would allow windows made only of padding.
  if (pad >= kernel)
    fail(CNN_INVALID_ARGUMENT, std::string(pad_name) + " " + std::to_string(pad) + " must be smaller than " +
                                   kernel_name + " " + std::to_string(kernel));
}

// Names of one spatial axis's fields, for messages.
struct AxisNames {
  const char* size;  // "height" | "width"
  const char* kernel;
  const char* stride;
  const char* pad_begin;
  const char* pad_end;
};

// Checks one axis and returns its output size (dilation 1).
int64_t pooled_size(const cnn_tensor& x, int64_t input, int32_t kernel, int32_t stride, int32_t pad_begin,
                    int32_t pad_end, const AxisNames& n) {
  require_at_least_one(kernel, n.kernel);
  require_at_least_one(stride, n.stride);
  require_pad(pad_begin, n.pad_begin, kernel, n.kernel);
  require_pad(pad_end, n.pad_end, kernel, n.kernel);
  if (input + pad_begin + pad_end < kernel)
    fail(CNN_SHAPE_MISMATCH, "x is " + cnn::shape_string(x) + ": " + n.size + " " + std::to_string(input) +
                                 " plus " + n.pad_begin + " " + std::to_string(pad_begin) + " and " + n.pad_end +
                                 " " + std::to_string(pad_end) + " is smaller than " + n.kernel + " " +
                                 std::to_string(kernel));
  return cnn::window_output_size(input, kernel, stride, pad_begin, pad_end, 1);
}

// Checks everything shared by max and average pooling and returns the geometry of y = pool(x).
cnn::Pool2dGeometry checked_geometry(cnn_context* context, const cnn_tensor* x_ptr,
                                     const cnn_pool2d_params* params, const cnn_tensor* y_ptr) {
  const cnn_context& ctx = cnn::require_context(context);
  const cnn_tensor& x = cnn::require_rank(x_ptr, "x", 4);
  cnn::require_not_null(params, "params");
  const cnn_tensor& y = cnn::require_tensor(y_ptr, "y");
  cnn::require_device(ctx, x, "x");
  cnn::require_device(ctx, y, "y");

  const cnn_pool2d_params& p = *params;
  if (p.count_include_pad != 0 && p.count_include_pad != 1)
    fail(CNN_INVALID_ARGUMENT, "count_include_pad " + std::to_string(p.count_include_pad) + " must be 0 or 1");

  cnn::Pool2dGeometry g{};
  g.n = x.dim(0);
  g.c = x.dim(1);
  g.h = x.dim(2);
  g.w = x.dim(3);
  g.oh = pooled_size(x, g.h, p.kernel_h, p.stride_h, p.pad_top, p.pad_bottom,
                     {"height", "kernel_h", "stride_h", "pad_top", "pad_bottom"});
  g.ow = pooled_size(x, g.w, p.kernel_w, p.stride_w, p.pad_left, p.pad_right,
                     {"width", "kernel_w", "stride_w", "pad_left", "pad_right"});
  g.kernel_h = p.kernel_h;
  g.kernel_w = p.kernel_w;
  g.stride_h = p.stride_h;
  g.stride_w = p.stride_w;
  g.pad_top = p.pad_top;
  g.pad_left = p.pad_left;
  g.count_include_pad = p.count_include_pad == 1;

  const std::array<int64_t, 4> expected{g.n, g.c, g.oh, g.ow};
  if (y.rank != 4 || y.dim(0) != g.n || y.dim(1) != g.c || y.dim(2) != g.oh || y.dim(3) != g.ow)
    fail(CNN_SHAPE_MISMATCH, "y is " + cnn::shape_string(y) + " but the output must be " +
                                 cnn::shape_string(expected));
  // The kernels read windows of x after writing earlier cells of y, so pooling cannot run in place.
  cnn::require_no_alias(y, "y", &x, "x");
  return g;
}

void pool2d_forward(cnn::Pool2dForwardFn cnn::KernelTable::*kernel, cnn_context* context, const cnn_tensor* x,
                    const cnn_pool2d_params* params, cnn_tensor* y) {
  const cnn::Pool2dGeometry g = checked_geometry(context, x, params, y);
  (cnn::kernels().*kernel)(*context, g, x->data(), y->data());
}

void global_avgpool2d_forward(cnn_context* context, const cnn_tensor* x_ptr, cnn_tensor* y_ptr) {
  cnn_context& ctx = cnn::require_context(context);
  const cnn_tensor& x = cnn::require_rank(x_ptr, "x", 4);
  const cnn_tensor& y = cnn::require_tensor(y_ptr, "y");
  cnn::require_device(ctx, x, "x");
  cnn::require_device(ctx, y, "y");
  const std::array<int64_t, 4> expected{x.dim(0), x.dim(1), 1, 1};
  if (y.rank != 4 || y.dim(0) != x.dim(0) || y.dim(1) != x.dim(1) || y.dim(2) != 1 || y.dim(3) != 1)
    fail(CNN_SHAPE_MISMATCH, "y is " + cnn::shape_string(y) + " but the output must be " +
                                 cnn::shape_string(expected));
  cnn::require_no_alias(y, "y", &x, "x");
  cnn::kernels().global_avgpool2d_forward(ctx, x.dim(0) * x.dim(1), x.dim(2) * x.dim(3), x.data(), y.data());
}

}  // namespace

extern "C" {

CNN_API cnn_status cnn_maxpool2d_forward(cnn_context* context, const cnn_tensor* x, const cnn_pool2d_params* params,
                                         cnn_tensor* y) {
  return CNN_GUARD({ pool2d_forward(&cnn::KernelTable::maxpool2d_forward, context, x, params, y); });
}

CNN_API cnn_status cnn_avgpool2d_forward(cnn_context* context, const cnn_tensor* x, const cnn_pool2d_params* params,
                                         cnn_tensor* y) {
  return CNN_GUARD({ pool2d_forward(&cnn::KernelTable::avgpool2d_forward, context, x, params, y); });
}

CNN_API cnn_status cnn_global_avgpool2d_forward(cnn_context* context, const cnn_tensor* x, cnn_tensor* y) {
  return CNN_GUARD({ global_avgpool2d_forward(context, x, y); });
}

}  // extern "C"
