// extern "C" shims for 2-D pooling, forward and backward: cnn_maxpool2d_*, cnn_avgpool2d_* and
// cnn_global_avgpool2d_*. Each checks every argument (messages name the shapes and numbers), builds a
// Pool2dGeometry with the same checks for forward and backward, and calls the active kernel table or, on an
// OpenCL context, the device's pooling kernels.
#include <cnn/cnn.h>

#include <algorithm>
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
#include "opencl/ops.h"

namespace {

using cnn::fail;
using cnn::opencl::device_memory;

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

// Checks one axis of `input` (x, or dx for average-pool backward) and returns its output size (dilation 1).
int64_t pooled_size(const cnn_tensor& input, const char* input_name, int64_t size, int32_t kernel, int32_t stride,
                    int32_t pad_begin, int32_t pad_end, const AxisNames& n) {
  require_at_least_one(kernel, n.kernel);
  require_at_least_one(stride, n.stride);
  require_pad(pad_begin, n.pad_begin, kernel, n.kernel);
  require_pad(pad_end, n.pad_end, kernel, n.kernel);
  if (size + pad_begin + pad_end < kernel)
    fail(CNN_SHAPE_MISMATCH, std::string(input_name) + " is " + cnn::shape_string(input) + ": " + n.size + " " +
                                 std::to_string(size) + " plus " + n.pad_begin + " " + std::to_string(pad_begin) +
                                 " and " + n.pad_end + " " + std::to_string(pad_end) + " is smaller than " +
                                 n.kernel + " " + std::to_string(kernel));
  return cnn::window_output_size(size, kernel, stride, pad_begin, pad_end, 1);
}

// Checks the parameters against the pooled tensor `input` [N,C,H,W] (x, or dx when x is not passed) and
// returns the geometry of pool(input); shared by every max and average pooling call, forward and backward.
cnn::Pool2dGeometry pool_geometry(const cnn_tensor& input, const char* input_name, const cnn_pool2d_params& p) {
  if (p.count_include_pad != 0 && p.count_include_pad != 1)
    fail(CNN_INVALID_ARGUMENT, "count_include_pad " + std::to_string(p.count_include_pad) + " must be 0 or 1");

  cnn::Pool2dGeometry g{};
  g.n = input.dim(0);
  g.c = input.dim(1);
  g.h = input.dim(2);
  g.w = input.dim(3);
  g.oh = pooled_size(input, input_name, g.h, p.kernel_h, p.stride_h, p.pad_top, p.pad_bottom,
                     {"height", "kernel_h", "stride_h", "pad_top", "pad_bottom"});
  g.ow = pooled_size(input, input_name, g.w, p.kernel_w, p.stride_w, p.pad_left, p.pad_right,
                     {"width", "kernel_w", "stride_w", "pad_left", "pad_right"});
  g.kernel_h = p.kernel_h;
  g.kernel_w = p.kernel_w;
  g.stride_h = p.stride_h;
  g.stride_w = p.stride_w;
  g.pad_top = p.pad_top;
  g.pad_left = p.pad_left;
  g.count_include_pad = p.count_include_pad == 1;
  return g;
}

// t must be [N,C,OH,OW]: "y is [..] but the output must be [..]" (forward) or
// "dy is [..] but the output of the forward is [..]" (backward).
void require_output_shape(const cnn_tensor& t, const char* name, const char* must_be, int64_t n, int64_t c,
                          int64_t oh, int64_t ow) {
  const std::array<int64_t, 4> expected{n, c, oh, ow};
  if (t.rank != 4 || t.dim(0) != n || t.dim(1) != c || t.dim(2) != oh || t.dim(3) != ow)
    fail(CNN_SHAPE_MISMATCH, std::string(name) + " is " + cnn::shape_string(t) + " but " + must_be + " " +
                                 cnn::shape_string(expected));
}

constexpr const char* kForwardOutput = "the output must be";
constexpr const char* kBackwardOutput = "the output of the forward is";

// dx must have x's shape: "dx is [..] but must be [..], the shape of x".
void require_shape_of_x(const cnn_tensor& dx, const cnn_tensor& x) {
  if (dx.rank != x.rank || !std::equal(x.shape().begin(), x.shape().end(), dx.shape().begin()))
    fail(CNN_SHAPE_MISMATCH, "dx is " + cnn::shape_string(dx) + " but must be " + cnn::shape_string(x) +
                                 ", the shape of x");
}

// The device's twin of a Pool2dForwardFn (cnn::opencl::maxpool2d_forward, avgpool2d_forward).
using DevicePoolForwardFn = void (*)(cnn::opencl::Runtime&, const cnn::Pool2dGeometry&, cl_mem, cl_mem);

void pool2d_forward(cnn::Pool2dForwardFn cnn::KernelTable::*kernel, DevicePoolForwardFn device_kernel,
                    cnn_context* context, const cnn_tensor* x_ptr, const cnn_pool2d_params* params,
                    cnn_tensor* y_ptr) {
  cnn_context& ctx = cnn::require_context(context);
  const cnn_tensor& x = cnn::require_rank(x_ptr, "x", 4);
  cnn::require_not_null(params, "params");
  const cnn_tensor& y = cnn::require_tensor(y_ptr, "y");
  cnn::require_same_device(ctx, x, "x");
  cnn::require_same_device(ctx, y, "y");
  const cnn::Pool2dGeometry g = pool_geometry(x, "x", *params);
  require_output_shape(y, "y", kForwardOutput, g.n, g.c, g.oh, g.ow);
  // The kernels read windows of x after writing earlier cells of y, so pooling cannot run in place.
  cnn::require_no_alias(y, "y", &x, "x");
  if (ctx.opencl != nullptr) return device_kernel(*ctx.opencl, g, device_memory(&x), device_memory(&y));
  (cnn::kernels().*kernel)(ctx, g, x.data(), y.data());
}

void global_avgpool2d_forward(cnn_context* context, const cnn_tensor* x_ptr, cnn_tensor* y_ptr) {
  cnn_context& ctx = cnn::require_context(context);
  const cnn_tensor& x = cnn::require_rank(x_ptr, "x", 4);
  const cnn_tensor& y = cnn::require_tensor(y_ptr, "y");
  cnn::require_same_device(ctx, x, "x");
  cnn::require_same_device(ctx, y, "y");
  require_output_shape(y, "y", kForwardOutput, x.dim(0), x.dim(1), 1, 1);
  cnn::require_no_alias(y, "y", &x, "x");
  if (ctx.opencl != nullptr)
    return cnn::opencl::global_avgpool2d_forward(*ctx.opencl, x.dim(0) * x.dim(1), x.dim(2) * x.dim(3),
                                                 device_memory(&x), device_memory(&y));
  cnn::kernels().global_avgpool2d_forward(ctx, x.dim(0) * x.dim(1), x.dim(2) * x.dim(3), x.data(), y.data());
}

// ---- backward: dx is overwritten; it must not share storage with x or dy, since overlapping windows
// add into dx while x and dy are still being read -------------------------------------------------

void maxpool2d_backward(cnn_context* context, const cnn_tensor* x_ptr, const cnn_tensor* dy_ptr,
                        const cnn_pool2d_params* params, cnn_tensor* dx_ptr) {
  cnn_context& ctx = cnn::require_context(context);
  const cnn_tensor& x = cnn::require_rank(x_ptr, "x", 4);
  const cnn_tensor& dy = cnn::require_tensor(dy_ptr, "dy");
  cnn::require_not_null(params, "params");
  const cnn_tensor& dx = cnn::require_tensor(dx_ptr, "dx");
  cnn::require_same_device(ctx, x, "x");
  cnn::require_same_device(ctx, dy, "dy");
  cnn::require_same_device(ctx, dx, "dx");
  const cnn::Pool2dGeometry g = pool_geometry(x, "x", *params);
  require_output_shape(dy, "dy", kBackwardOutput, g.n, g.c, g.oh, g.ow);
  require_shape_of_x(dx, x);
  cnn::require_no_alias(dx, "dx", &x, "x");
  cnn::require_no_alias(dx, "dx", &dy, "dy");
  if (ctx.opencl != nullptr)
    return cnn::opencl::maxpool2d_backward(*ctx.opencl, g, device_memory(&x), device_memory(&dy), device_memory(&dx));
  cnn::kernels().maxpool2d_backward(ctx, g, x.data(), dy.data(), dx.data());
}

// Average pooling never reads x, so the geometry comes from dx, which has x's shape.
void avgpool2d_backward(cnn_context* context, const cnn_tensor* dy_ptr, const cnn_pool2d_params* params,
                        cnn_tensor* dx_ptr) {
  cnn_context& ctx = cnn::require_context(context);
  const cnn_tensor& dy = cnn::require_tensor(dy_ptr, "dy");
  cnn::require_not_null(params, "params");
  const cnn_tensor& dx = cnn::require_rank(dx_ptr, "dx", 4);
  cnn::require_same_device(ctx, dy, "dy");
  cnn::require_same_device(ctx, dx, "dx");
  const cnn::Pool2dGeometry g = pool_geometry(dx, "dx", *params);
  require_output_shape(dy, "dy", kBackwardOutput, g.n, g.c, g.oh, g.ow);
  cnn::require_no_alias(dx, "dx", &dy, "dy");
  if (ctx.opencl != nullptr)
    return cnn::opencl::avgpool2d_backward(*ctx.opencl, g, device_memory(&dy), device_memory(&dx));
  cnn::kernels().avgpool2d_backward(ctx, g, dy.data(), dx.data());
}

void global_avgpool2d_backward(cnn_context* context, const cnn_tensor* dy_ptr, cnn_tensor* dx_ptr) {
  cnn_context& ctx = cnn::require_context(context);
  const cnn_tensor& dy = cnn::require_tensor(dy_ptr, "dy");
  const cnn_tensor& dx = cnn::require_rank(dx_ptr, "dx", 4);
  cnn::require_same_device(ctx, dy, "dy");
  cnn::require_same_device(ctx, dx, "dx");
  require_output_shape(dy, "dy", kBackwardOutput, dx.dim(0), dx.dim(1), 1, 1);
  cnn::require_no_alias(dx, "dx", &dy, "dy");
  if (ctx.opencl != nullptr)
    return cnn::opencl::global_avgpool2d_backward(*ctx.opencl, dx.dim(0) * dx.dim(1), dx.dim(2) * dx.dim(3),
                                                  device_memory(&dy), device_memory(&dx));
  cnn::kernels().global_avgpool2d_backward(ctx, dx.dim(0) * dx.dim(1), dx.dim(2) * dx.dim(3), dy.data(), dx.data());
}

}  // namespace

extern "C" {

CNN_API cnn_status cnn_maxpool2d_forward(cnn_context* context, const cnn_tensor* x, const cnn_pool2d_params* params,
                                         cnn_tensor* y) {
  return CNN_GUARD({
    pool2d_forward(&cnn::KernelTable::maxpool2d_forward, cnn::opencl::maxpool2d_forward, context, x, params, y);
  });
}

CNN_API cnn_status cnn_avgpool2d_forward(cnn_context* context, const cnn_tensor* x, const cnn_pool2d_params* params,
                                         cnn_tensor* y) {
  return CNN_GUARD({
    pool2d_forward(&cnn::KernelTable::avgpool2d_forward, cnn::opencl::avgpool2d_forward, context, x, params, y);
  });
}

CNN_API cnn_status cnn_global_avgpool2d_forward(cnn_context* context, const cnn_tensor* x, cnn_tensor* y) {
  return CNN_GUARD({ global_avgpool2d_forward(context, x, y); });
}

CNN_API cnn_status cnn_maxpool2d_backward(cnn_context* context, const cnn_tensor* x, const cnn_tensor* dy,
                                          const cnn_pool2d_params* params, cnn_tensor* dx) {
  return CNN_GUARD({ maxpool2d_backward(context, x, dy, params, dx); });
}

CNN_API cnn_status cnn_avgpool2d_backward(cnn_context* context, const cnn_tensor* dy, const cnn_pool2d_params* params,
                                          cnn_tensor* dx) {
  return CNN_GUARD({ avgpool2d_backward(context, dy, params, dx); });
}

CNN_API cnn_status cnn_global_avgpool2d_backward(cnn_context* context, const cnn_tensor* dy, cnn_tensor* dx) {
  return CNN_GUARD({ global_avgpool2d_backward(context, dy, dx); });
}

}  // extern "C"
