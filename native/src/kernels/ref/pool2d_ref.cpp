// Max, average and global average 2-D pooling, forward pass: one output cell per window, per plane.
// Layout: x [n,c,h,w] and y [n,c,oh,ow], float32 row-major NCHW; padding cells are virtual, never read.
// Reference kernel: this file (the oracle for any faster pooling kernel).
#include <cstdint>

#include "core/context.h"
#include "kernels/kernels.h"
#include "kernels/ref/pool2d_window.h"

namespace cnn {

namespace {

// Planes are independent and each output cell is written by exactly one thread, so the results do not
// depend on the thread count. Small jobs stay on the calling thread.
constexpr int64_t kMinCellsPerParallelJob = 1 << 14;

}  // namespace

// The winner rule (padding never wins, the first maximum wins ties, NaN propagates) is window_max in
// pool2d_window.h, shared with the backward pass; faster kernels must match it.
void maxpool2d_forward_ref(cnn_context& ctx, const Pool2dGeometry& g, const float* x, float* y) {
  const int64_t planes = g.n * g.c;
  const int64_t in_plane = g.h * g.w;
  const int64_t out_plane = g.oh * g.ow;
#pragma omp parallel for num_threads(parallel_threads(ctx, planes * out_plane * g.kernel_h * g.kernel_w, kMinCellsPerParallelJob))
  for (int64_t p = 0; p < planes; ++p) {
    const float* xp = x + p * in_plane;
    float* yp = y + p * out_plane;
    for (int64_t oy = 0; oy < g.oh; ++oy) {
      const Span1d rows = clip_window(oy * g.stride_h - g.pad_top, g.kernel_h, g.h);
      for (int64_t ox = 0; ox < g.ow; ++ox) {
        const Span1d cols = clip_window(ox * g.stride_w - g.pad_left, g.kernel_w, g.w);
        yp[oy * g.ow + ox] = window_max(xp, g.w, rows, cols).value;
      }
    }
  }
}

// count_include_pad: divide by kernel_h*kernel_w (padding counts as zeros); otherwise by the number of
// cells inside the input. Because every pad is smaller than its kernel (checked by the api), every
// window holds at least one input cell and never reaches past the padded input.
void avgpool2d_forward_ref(cnn_context& ctx, const Pool2dGeometry& g, const float* x, float* y) {
  const int64_t planes = g.n * g.c;
  const int64_t in_plane = g.h * g.w;
  const int64_t out_plane = g.oh * g.ow;
  const int64_t window = int64_t{g.kernel_h} * g.kernel_w;
#pragma omp parallel for num_threads(parallel_threads(ctx, planes * out_plane * window, kMinCellsPerParallelJob))
  for (int64_t p = 0; p < planes; ++p) {
    const float* xp = x + p * in_plane;
    float* yp = y + p * out_plane;
    for (int64_t oy = 0; oy < g.oh; ++oy) {
      const Span1d rows = clip_window(oy * g.stride_h - g.pad_top, g.kernel_h, g.h);
      for (int64_t ox = 0; ox < g.ow; ++ox) {
        const Span1d cols = clip_window(ox * g.stride_w - g.pad_left, g.kernel_w, g.w);
        double sum = 0.0;
        for (int64_t iy = rows.begin; iy < rows.end; ++iy) {
          for (int64_t ix = cols.begin; ix < cols.end; ++ix) sum += xp[iy * g.w + ix];
        }
        const int64_t divisor = window_divisor(g.count_include_pad, g.kernel_h, g.kernel_w, rows, cols);
        yp[oy * g.ow + ox] = static_cast<float>(sum / static_cast<double>(divisor));
      }
    }
  }
}

// y[p] = mean of plane p; summed in double so a large plane loses no precision.
void global_avgpool2d_forward_ref(cnn_context& ctx, int64_t planes, int64_t plane_size, const float* x, float* y) {
#pragma omp parallel for num_threads(parallel_threads(ctx, planes * plane_size, kMinCellsPerParallelJob))
  for (int64_t p = 0; p < planes; ++p) {
    const float* xp = x + p * plane_size;
    double sum = 0.0;
    for (int64_t i = 0; i < plane_size; ++i) sum += xp[i];
    y[p] = static_cast<float>(sum / static_cast<double>(plane_size));
  }
}

}  // namespace cnn
