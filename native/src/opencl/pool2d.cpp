// 2-D pooling on a device: max and average pooling forward and backward (kernels/maxpool2d.cl, avgpool2d.cl),
// one work-item per output cell forward and per input cell backward (a gather: no atomics, the reference's
// summation order), and global average pooling (kernels/global_avgpool2d.cl, one work-group per plane).
#include <string>

#include "opencl/launch.h"
#include "opencl/ops.h"

namespace cnn::opencl {

namespace {

// The window geometry as the kernels' int arguments, checked to fit.
struct PoolInts {
  cl_int h, w, oh, ow;
};

PoolInts pool_ints(const Runtime& runtime, const Pool2dGeometry& g) {
  int_arg(runtime, g.h * g.w, "input plane size");
  int_arg(runtime, g.oh * g.ow, "output plane size");
  return {int_arg(runtime, g.h, "input height"), int_arg(runtime, g.w, "input width"),
          int_arg(runtime, g.oh, "output height"), int_arg(runtime, g.ow, "output width")};
}

// Window sizes up to this are compiled in (kernels/maxpool2d.cl, POOL_KH/POOL_KW: unrolled windows), one program
// per size; larger windows share the generic program.
constexpr int32_t kMaxFixedWindow = 4;

cl_kernel maxpool_kernel(Runtime& runtime, const Pool2dGeometry& g, const char* name) {
  if (g.kernel_h > kMaxFixedWindow || g.kernel_w > kMaxFixedWindow) return plain_kernel(runtime, "maxpool2d", name);
  return runtime.kernel(
      "maxpool2d", "-cl-std=CL1.2 -DPOOL_KH=" + std::to_string(g.kernel_h) + " -DPOOL_KW=" + std::to_string(g.kernel_w),
      name);
}

}  // namespace

void maxpool2d_forward(Runtime& runtime, const Pool2dGeometry& g, cl_mem x, cl_mem y) {
  const PoolInts a = pool_ints(runtime, g);
  const bool rows = geometry(runtime) == Geometry::Rows;
  const Range r = rows ? rows_range(runtime, g.n * g.c * g.oh) : elements_range(runtime, g.oh * g.ow, g.n * g.c);
  const char* name = rows ? "maxpool2d_forward_rows" : "maxpool2d_forward_elements";
  runtime.launch(maxpool_kernel(runtime, g, name), name, rows ? 1 : 2, r.global, r.local,
                 static_cast<cl_long>(g.n * g.c), a.h, a.w, a.oh, a.ow, g.kernel_h, g.kernel_w, g.stride_h, g.stride_w,
                 g.pad_top, g.pad_left, x, y);
}

void maxpool2d_backward(Runtime& runtime, const Pool2dGeometry& g, cl_mem x, cl_mem dy, cl_mem dx) {
  const PoolInts a = pool_ints(runtime, g);
  const bool rows = geometry(runtime) == Geometry::Rows;
  const Range r = rows ? rows_range(runtime, g.n * g.c * g.h) : elements_range(runtime, g.h * g.w, g.n * g.c);
  const char* name = rows ? "maxpool2d_backward_rows" : "maxpool2d_backward_elements";
  runtime.launch(maxpool_kernel(runtime, g, name), name, rows ? 1 : 2, r.global, r.local,
                 static_cast<cl_long>(g.n * g.c), a.h, a.w, a.oh, a.ow, g.kernel_h, g.kernel_w, g.stride_h, g.stride_w,
                 g.pad_top, g.pad_left, x, dy, dx);
}

void avgpool2d_forward(Runtime& runtime, const Pool2dGeometry& g, cl_mem x, cl_mem y) {
  const PoolInts a = pool_ints(runtime, g);
  const Range r = grid_stride_range(runtime, g.n * g.c * g.oh * g.ow);
  const cl_int include_pad = g.count_include_pad ? 1 : 0;
  runtime.launch(plain_kernel(runtime, "avgpool2d", "avgpool2d_forward"), "avgpool2d_forward", 1, r.global, r.local,
                 static_cast<cl_long>(g.n * g.c), a.h, a.w, a.oh, a.ow, g.kernel_h, g.kernel_w, g.stride_h, g.stride_w,
                 g.pad_top, g.pad_left, include_pad, x, y);
}

void avgpool2d_backward(Runtime& runtime, const Pool2dGeometry& g, cl_mem dy, cl_mem dx) {
  const PoolInts a = pool_ints(runtime, g);
  const Range r = grid_stride_range(runtime, g.n * g.c * g.h * g.w);
  const cl_int include_pad = g.count_include_pad ? 1 : 0;
  runtime.launch(plain_kernel(runtime, "avgpool2d", "avgpool2d_backward"), "avgpool2d_backward", 1, r.global, r.local,
                 static_cast<cl_long>(g.n * g.c), a.h, a.w, a.oh, a.ow, g.kernel_h, g.kernel_w, g.stride_h, g.stride_w,
                 g.pad_top, g.pad_left, include_pad, dy, dx);
}

void global_avgpool2d_forward(Runtime& runtime, int64_t planes, int64_t plane_size, cl_mem x, cl_mem y) {
  const GroupKernel k = group_kernel(runtime, "global_avgpool2d", "global_avgpool2d_forward");
  const size_t global[1] = {static_cast<size_t>(planes) * k.group_size}, local[1] = {k.group_size};
  runtime.launch(k.kernel, "global_avgpool2d_forward", 1, global, local, static_cast<cl_long>(plane_size), x, y);
}

void global_avgpool2d_backward(Runtime& runtime, int64_t planes, int64_t plane_size, cl_mem dy, cl_mem dx) {
  // The same program as the forward (it needs GROUP_SIZE to build), so one build serves both directions.
  cl_kernel kernel = group_kernel(runtime, "global_avgpool2d", "global_avgpool2d_backward").kernel;
  const Range r = grid_stride_range(runtime, planes * plane_size);
  runtime.launch(kernel, "global_avgpool2d_backward", 1, r.global, r.local, static_cast<cl_long>(planes * plane_size),
                 static_cast<cl_long>(plane_size), dy, dx);
}

}  // namespace cnn::opencl
