// Max, average and global average 2-D pooling, forward pass: one output cell per window, per plane.
// Layout: x [n,c,h,w] and y [n,c,oh,ow], float32 row-major NCHW; padding cells are virtual, never read.
// Reference kernel: this file (the oracle for any faster pooling kernel).
#include <cmath>
#include <cstdint>
#include <limits>

#include "core/context.h"
#include "kernels/kernels.h"

namespace cnn {

namespace {

// Planes are independent and each output cell is written by exactly one thread, so the results do not
// depend on the thread count. Small jobs stay on the calling thread.
constexpr int64_t kMinCellsPerParallelJob = 1 << 14;


// The in-bounds part [begin, end) of the window that starts at `start` (may be negative) and spans
// `kernel` cells over an axis of `size` cells.
struct Span1d {
  int64_t begin, end;
};

Span1d clip_window(int64_t start, int64_t kernel, int64_t size) {
  int64_t begin = start < 0 ? 0 : start;
  int64_t end = start + kernel > size ? size : start + kernel;
  return {begin, end};
}

}  // namespace

// Padding cells never win: they are not visited at all (as if they held -inf). Ties: the first maximum
// in row-major order within the window wins (strict '>' below); for forward values this only matters
// to a later argmax / backward pass, which must follow the same rule. A NaN anywhere in the window
// makes the result NaN (as in PyTorch), so bad inputs are not silently dropped; faster kernels must
// match this.
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
        float best = -std::numeric_limits<float>::infinity();
        for (int64_t iy = rows.begin; iy < rows.end; ++iy) {
          for (int64_t ix = cols.begin; ix < cols.end; ++ix) {
            const float v = xp[iy * g.w + ix];
            if (v > best || std::isnan(v)) best = v;
          }
        }
        yp[oy * g.ow + ox] = best;
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
        const int64_t inside = (rows.end - rows.begin) * (cols.end - cols.begin);
        const int64_t divisor = g.count_include_pad ? window : inside;
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
