// The window rules shared by every pooling kernel, forward and backward: clipping a window to the input,
// the max-pool winner and the average-pool divisor. Layout: one H x W plane of an NCHW tensor, row-major.
// Reference kernels: pool2d_ref.cpp (forward) and pool2d_backward_ref.cpp (backward) both use this file.
#pragma once

#include <cmath>
#include <cstdint>

namespace cnn {

// The in-bounds part [begin, end) of the window that starts at `start` (may be negative) and spans
// `kernel` cells over an axis of `size` cells.
struct Span1d {
  int64_t begin, end;
};

inline Span1d clip_window(int64_t start, int64_t kernel, int64_t size) {
  const int64_t begin = start < 0 ? 0 : start;
  const int64_t end = start + kernel > size ? size : start + kernel;
  return {begin, end};
}

// The winner of one max-pool window: its value and its index within the plane.
struct WindowMax {
  float value;
  int64_t index;
};

// The max-pool rule, in one place so the backward pass routes gradients to exactly the cell the forward
// chose. Padding cells never win: they are not visited at all. Cells are scanned in row-major window
// order and a later cell wins only when strictly greater, so the first maximum wins ties. A NaN wins
// over everything and the first NaN stays (the result is NaN, as in PyTorch, so bad inputs are not
// silently dropped). The window is never empty: the api keeps every pad smaller than its kernel.
// Starting from the first cell gives the same value as starting from -inf, and a window of only -inf
// still has a winner (its first cell) for the backward pass.
inline WindowMax window_max(const float* plane, int64_t width, Span1d rows, Span1d cols) {
  WindowMax best{plane[rows.begin * width + cols.begin], rows.begin * width + cols.begin};
  for (int64_t iy = rows.begin; iy < rows.end; ++iy) {
    for (int64_t ix = cols.begin; ix < cols.end; ++ix) {
      if (std::isnan(best.value)) return best;
      const float v = plane[iy * width + ix];
      if (v > best.value || std::isnan(v)) best = {v, iy * width + ix};
    }
  }
  return best;
}

// The average-pool divisor of one window, shared by forward and backward: kernel_h*kernel_w with
// count_include_pad (padding counts as zeros), else the number of cells inside the input (never 0).
inline int64_t window_divisor(bool count_include_pad, int32_t kernel_h, int32_t kernel_w, Span1d rows, Span1d cols) {
  return count_include_pad ? int64_t{kernel_h} * kernel_w : (rows.end - rows.begin) * (cols.end - cols.begin);
}

}  // namespace cnn
