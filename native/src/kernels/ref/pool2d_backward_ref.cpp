// Max, average and global average 2-D pooling, backward pass: dx from dy, each window's gradient routed
// to its max-pool winner or spread evenly with the forward's divisor. Layout: x and dx [n,c,h,w], dy
// [n,c,oh,ow], float32 row-major NCHW. Reference kernel: this file (the oracle for faster pooling kernels).
#include <algorithm>
#include <cstdint>

#include "core/context.h"
#include "kernels/kernels.h"
#include "kernels/ref/pool2d_window.h"

namespace cnn {

namespace {

// Overlapping windows add into the same dx cell, so each plane is owned by one thread and visits its
// windows in a fixed order: the sums (and their rounding) never depend on the thread count.
constexpr int64_t kMinCellsPerParallelJob = 1 << 14;

}  // namespace

// The winner of each window is recomputed from x with window_max, the forward's own rule, so dy goes to
// exactly the cell whose value the forward output (first maximum on ties, never a padding cell).
void maxpool2d_backward_ref(cnn_context& ctx, const Pool2dGeometry& g, const float* x, const float* dy, float* dx) {
  const int64_t planes = g.n * g.c;
  const int64_t in_plane = g.h * g.w;
  const int64_t out_plane = g.oh * g.ow;
  const int64_t window = int64_t{g.kernel_h} * g.kernel_w;
#pragma omp parallel for num_threads(parallel_threads(ctx, planes * out_plane * window, kMinCellsPerParallelJob))
  for (int64_t p = 0; p < planes; ++p) {
    const float* xp = x + p * in_plane;
    const float* dyp = dy + p * out_plane;
    float* dxp = dx + p * in_plane;
    std::fill(dxp, dxp + in_plane, 0.0f);
    for (int64_t oy = 0; oy < g.oh; ++oy) {
      const Span1d rows = clip_window(oy * g.stride_h - g.pad_top, g.kernel_h, g.h);
      for (int64_t ox = 0; ox < g.ow; ++ox) {
        const Span1d cols = clip_window(ox * g.stride_w - g.pad_left, g.kernel_w, g.w);
        dxp[window_max(xp, g.w, rows, cols).index] += dyp[oy * g.ow + ox];
      }
    }
  }
}

// Each in-bounds cell of a window receives dy / divisor with the forward's divisor (window_divisor);
// padding cells would receive their share too, but they are not part of x, so it is dropped.
void avgpool2d_backward_ref(cnn_context& ctx, const Pool2dGeometry& g, const float* dy, float* dx) {
  const int64_t planes = g.n * g.c;
  const int64_t in_plane = g.h * g.w;
  const int64_t out_plane = g.oh * g.ow;
  const int64_t window = int64_t{g.kernel_h} * g.kernel_w;
#pragma omp parallel for num_threads(parallel_threads(ctx, planes * out_plane * window, kMinCellsPerParallelJob))
  for (int64_t p = 0; p < planes; ++p) {
    const float* dyp = dy + p * out_plane;
    float* dxp = dx + p * in_plane;
    std::fill(dxp, dxp + in_plane, 0.0f);
    for (int64_t oy = 0; oy < g.oh; ++oy) {
      const Span1d rows = clip_window(oy * g.stride_h - g.pad_top, g.kernel_h, g.h);
      for (int64_t ox = 0; ox < g.ow; ++ox) {
        const Span1d cols = clip_window(ox * g.stride_w - g.pad_left, g.kernel_w, g.w);
        const int64_t divisor = window_divisor(g.count_include_pad, g.kernel_h, g.kernel_w, rows, cols);
        const float share = static_cast<float>(static_cast<double>(dyp[oy * g.ow + ox]) / static_cast<double>(divisor));
        for (int64_t iy = rows.begin; iy < rows.end; ++iy) {
          for (int64_t ix = cols.begin; ix < cols.end; ++ix) dxp[iy * g.w + ix] += share;
        }
      }
    }
  }
}

// dx[p, i] = dy[p] / plane_size for every cell i of plane p.
void global_avgpool2d_backward_ref(cnn_context& ctx, int64_t planes, int64_t plane_size, const float* dy, float* dx) {
#pragma omp parallel for num_threads(parallel_threads(ctx, planes * plane_size, kMinCellsPerParallelJob))
  for (int64_t p = 0; p < planes; ++p) {
    const float share = static_cast<float>(static_cast<double>(dy[p]) / static_cast<double>(plane_size));
    std::fill(dx + p * plane_size, dx + (p + 1) * plane_size, share);
  }
}

}  // namespace cnn
