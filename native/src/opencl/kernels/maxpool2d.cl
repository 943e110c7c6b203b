// Max pooling, forward (y = the winner of each window) and backward (dx gathers dy from every window its cell
// won). Layout: x, dx [planes, h, w] and y, dy [planes, oh, ow], NCHW with planes = n*c; padding is virtual.
// Reference: maxpool2d_forward_ref / maxpool2d_backward_ref with window_max of kernels/ref/pool2d_window.h.
//
// Two geometries (launch.h, Geometry): *_rows, one work-item per output row (forward) or input row (backward)
// walking it with a loop and no per-cell divisions (CPU devices), global planes*oh or planes*h rounded up; *_elements, global
// (plane size rounded up, planes), one cell per work-item (GPUs). A plane has fewer than 2^31 cells (the host
// checks); plane offsets are long.

// window_max's rule: cells in row-major window order, padding never visited, a later cell wins only when
// strictly greater (the first maximum wins ties), a NaN wins and the first NaN stays. Returns the winner's
// index in the plane; *value its value. Branch-free selects: on random data "is it larger" is a coin toss, which
// a branch would mispredict half the time.
int window_max(__global const float* plane, const int w, const int row0, const int row1, const int col0,
               const int col1, float* value) {
  int best_index = row0 * w + col0;
  float best = plane[best_index];
  for (int iy = row0; iy < row1; ++iy) {
    for (int ix = col0; ix < col1; ++ix) {
      const float v = plane[iy * w + ix];
      const bool take = !isnan(best) && (v > best || isnan(v));
      best = take ? v : best;
      best_index = take ? iy * w + ix : best_index;
    }
  }
  *value = best;
  return best_index;
}

float pool_cell(__global const float* xp, const int h, const int w, const int oy, const int ox, const int kernel_h,
                const int kernel_w, const int stride_h, const int stride_w, const int pad_top, const int pad_left) {
  const int y0 = oy * stride_h - pad_top, x0 = ox * stride_w - pad_left;
  float value;
  window_max(xp, w, max(y0, 0), min(y0 + kernel_h, h), max(x0, 0), min(x0 + kernel_w, w), &value);
  return value;
}

// Each dx cell visits the windows that contain it in the reference's order (oy, then ox, ascending), so its
// sum is rounded exactly as the reference's scatter rounds it.
float unpool_cell(__global const float* xp, __global const float* dyp, const int h, const int w, const int oh,
                  const int ow, const int iy, const int ix, const int kernel_h, const int kernel_w, const int stride_h,
                  const int stride_w, const int pad_top, const int pad_left) {
  // Windows oy with oy*stride_h - pad_top <= iy < oy*stride_h - pad_top + kernel_h, clipped to [0, oh).
  const int ty = iy + pad_top - kernel_h + 1, tx = ix + pad_left - kernel_w + 1;
  const int oy0 = ty <= 0 ? 0 : (ty + stride_h - 1) / stride_h, oy1 = min((iy + pad_top) / stride_h, oh - 1);
  const int ox0 = tx <= 0 ? 0 : (tx + stride_w - 1) / stride_w, ox1 = min((ix + pad_left) / stride_w, ow - 1);
  const int cell = iy * w + ix;
  float sum = 0.0f;
  for (int oy = oy0; oy <= oy1; ++oy) {
    const int y0 = oy * stride_h - pad_top;
    for (int ox = ox0; ox <= ox1; ++ox) {
      const int x0 = ox * stride_w - pad_left;
      float value;
      if (window_max(xp, w, max(y0, 0), min(y0 + kernel_h, h), max(x0, 0), min(x0 + kernel_w, w), &value) == cell)
        sum += dyp[oy * ow + ox];
    }
  }
  return sum;
}

__kernel void maxpool2d_forward_rows(const long planes, const int h, const int w, const int oh, const int ow,
                                     const int kernel_h, const int kernel_w, const int stride_h, const int stride_w,
                                     const int pad_top, const int pad_left, __global const float* x,
                                     __global float* y) {
  const long row = get_global_id(0);
  if (row >= planes * oh) return;
  const long p = row / oh;
  const int oy = (int)(row - p * oh);
  __global const float* xp = x + p * h * w;
  __global float* out = y + row * ow;
  for (int ox = 0; ox < ow; ++ox)
    out[ox] = pool_cell(xp, h, w, oy, ox, kernel_h, kernel_w, stride_h, stride_w, pad_top, pad_left);
}

__kernel void maxpool2d_forward_elements(const long planes, const int h, const int w, const int oh, const int ow,
                                         const int kernel_h, const int kernel_w, const int stride_h,
                                         const int stride_w, const int pad_top, const int pad_left,
                                         __global const float* x, __global float* y) {
  const int j = get_global_id(0);
  const long p = get_global_id(1);
  if (j >= oh * ow) return;
  y[p * oh * ow + j] =
      pool_cell(x + p * h * w, h, w, j / ow, j % ow, kernel_h, kernel_w, stride_h, stride_w, pad_top, pad_left);
}

// One input row: every window that reaches the row is resolved once (not once per cell, as the elements kernel
// does) and its dy added to its winner when the winner lies in this row. A cell's windows still arrive in (oy, ox)
// order, so the sums round as the reference's do.
__kernel void maxpool2d_backward_rows(const long planes, const int h, const int w, const int oh, const int ow,
                                      const int kernel_h, const int kernel_w, const int stride_h, const int stride_w,
                                      const int pad_top, const int pad_left, __global const float* x,
                                      __global const float* dy, __global float* dx) {
  const long row = get_global_id(0);
  if (row >= planes * h) return;
  const long p = row / h;
  const int iy = (int)(row - p * h);
  __global const float* xp = x + p * h * w;
  __global const float* dyp = dy + p * oh * ow;
  __global float* out = dx + row * w;
  for (int ix = 0; ix < w; ++ix) out[ix] = 0.0f;
  const int ty = iy + pad_top - kernel_h + 1;  // windows oy with oy*stride_h - pad_top <= iy < that + kernel_h
  const int oy0 = ty <= 0 ? 0 : (ty + stride_h - 1) / stride_h, oy1 = min((iy + pad_top) / stride_h, oh - 1);
  const int first = iy * w, end = first + w;  // the row's cells as plane indices
  for (int oy = oy0; oy <= oy1; ++oy) {
    const int y0 = oy * stride_h - pad_top;
    const int r0 = max(y0, 0), r1 = min(y0 + kernel_h, h);
    for (int ox = 0; ox < ow; ++ox) {
      const int x0 = ox * stride_w - pad_left;
      float value;
      const int winner = window_max(xp, w, r0, r1, max(x0, 0), min(x0 + kernel_w, w), &value);
      if (winner >= first && winner < end) out[winner - first] += dyp[oy * ow + ox];
    }
  }
}

__kernel void maxpool2d_backward_elements(const long planes, const int h, const int w, const int oh, const int ow,
                                          const int kernel_h, const int kernel_w, const int stride_h,
                                          const int stride_w, const int pad_top, const int pad_left,
                                          __global const float* x, __global const float* dy, __global float* dx) {
  const int cell = get_global_id(0);
  const long p = get_global_id(1);
  if (cell >= h * w) return;
  dx[p * h * w + cell] = unpool_cell(x + p * h * w, dy + p * oh * ow, h, w, oh, ow, cell / w, cell % w, kernel_h,
                                     kernel_w, stride_h, stride_w, pad_top, pad_left);
}
