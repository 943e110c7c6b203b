// Max pooling, forward (y = the winner of each window) and backward (dx gathers dy from every window its cell
// won). Layout: x, dx [planes, h, w] and y, dy [planes, oh, ow], NCHW with planes = n*c; padding is virtual.
// Reference: maxpool2d_forward_ref / maxpool2d_backward_ref with window_max of kernels/ref/pool2d_window.h.
//
// Two geometries (launch.h, Geometry): *_rows, one work-item per output row (forward) or input row (backward)
// walking it with a loop and no per-cell divisions (CPU devices), global planes*oh or planes*h rounded up;
// *_elements, global (plane size rounded up, planes), one cell per work-item (GPUs). A plane has fewer than 2^31
// cells (the host checks); plane offsets are long.

// window_max's rule: cells in row-major window order, padding never visited, a later cell wins only when
// strictly greater (the first maximum wins ties), a NaN wins and the first NaN stays. Returns the winner's
// index in the plane (its value is plane[index]; no pointer out-parameter, which kept PoCL from inlining the call
// into the per-cell loops). Branch-free selects: on random data "is it larger" is a coin toss, which
// a branch would mispredict half the time.
int window_max(__global const float* plane, const int w, const int row0, const int row1, const int col0,
               const int col1) {
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
  return best_index;
}

// The window at (y0, x0) of kernel_h x kernel_w: window_max over its cells inside the plane. POOL_KH and POOL_KW
// (build options, 0 when the host does not fix them) make the window size a compile-time constant: a window wholly
// inside the plane then runs as fully unrolled selects, the same cells in the same order as window_max.
#ifndef POOL_KH
#define POOL_KH 0
#define POOL_KW 0
#endif
int pooled_window(__global const float* plane, const int h, const int w, const int y0, const int x0,
                  const int kernel_h, const int kernel_w) {
  const int kh = POOL_KH > 0 ? POOL_KH : kernel_h, kw = POOL_KW > 0 ? POOL_KW : kernel_w;
  if (POOL_KH > 0 && y0 >= 0 && x0 >= 0 && y0 + kh <= h && x0 + kw <= w) {
    int best_index = y0 * w + x0;
    float best = plane[best_index];
    for (int ky = 0; ky < kh; ++ky) {
      for (int kx = 0; kx < kw; ++kx) {
        const int cell = (y0 + ky) * w + x0 + kx;
        const float v = plane[cell];
        const bool take = !isnan(best) && (v > best || isnan(v));
        best = take ? v : best;
        best_index = take ? cell : best_index;
      }
    }
    return best_index;
  }
  return window_max(plane, w, max(y0, 0), min(y0 + kh, h), max(x0, 0), min(x0 + kw, w));
}

// Windows ox .. ox+3 of one output row, all four inside the plane (x0 the first one's left column), with the
// window size fixed at build time: their winners by window_max's rule, four lanes at a time. Vector compares and
// selects: PoCL's x86 code generator turns the scalar selects of window_max back into branches, which random
// data mispredicts half the time.
int4 winners4(__global const float* plane, const int w, const int y0, const int x0, const int stride_w) {
  const int4 lane = (int4)(0, 1, 2, 3) * stride_w;
  int4 best_index = (int4)(y0 * w + x0) + lane;
  float4 best = (float4)(plane[best_index.s0], plane[best_index.s1], plane[best_index.s2], plane[best_index.s3]);
  for (int ky = 0; ky < POOL_KH; ++ky) {
    for (int kx = 0; kx < POOL_KW; ++kx) {
      const int4 cell = (int4)((y0 + ky) * w + x0 + kx) + lane;
      const float4 v = (float4)(plane[cell.s0], plane[cell.s1], plane[cell.s2], plane[cell.s3]);
      const int4 take = ~isnan(best) & (isgreater(v, best) | isnan(v));
      best = select(best, v, take);
      best_index = select(best_index, cell, take);
    }
  }
  return best_index;
}

// Whether windows ox .. ox+3 of the output row at y0 all lie inside the plane (and the window size is fixed).
bool four_inside(const int h, const int w, const int ow, const int y0, const int ox, const int stride_w,
                 const int pad_left) {
  return POOL_KH > 0 && ox + 4 <= ow && y0 >= 0 && y0 + POOL_KH <= h && ox * stride_w - pad_left >= 0 &&
         (ox + 3) * stride_w - pad_left + POOL_KW <= w;
}

float pool_cell(__global const float* xp, const int h, const int w, const int oy, const int ox, const int kernel_h,
                const int kernel_w, const int stride_h, const int stride_w, const int pad_top, const int pad_left) {
  return xp[pooled_window(xp, h, w, oy * stride_h - pad_top, ox * stride_w - pad_left, kernel_h, kernel_w)];
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
      if (pooled_window(xp, h, w, y0, ox * stride_w - pad_left, kernel_h, kernel_w) == cell)
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
  const int y0 = oy * stride_h - pad_top;
  for (int ox = 0; ox < ow;) {
    if (four_inside(h, w, ow, y0, ox, stride_w, pad_left)) {
      const int4 winner = winners4(xp, w, y0, ox * stride_w - pad_left, stride_w);
      vstore4((float4)(xp[winner.s0], xp[winner.s1], xp[winner.s2], xp[winner.s3]), 0, out + ox);
      ox += 4;
    } else {
      out[ox] = pool_cell(xp, h, w, oy, ox, kernel_h, kernel_w, stride_h, stride_w, pad_top, pad_left);
      ++ox;
    }
  }
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
    for (int ox = 0; ox < ow;) {
      if (four_inside(h, w, ow, y0, ox, stride_w, pad_left)) {
        // In ox order, as the reference adds. A winner outside this row adds +0.0f to cell 0 instead of branching:
        // the row starts at +0.0f and no sum of nonzero floats rounds to -0.0f, so adding +0.0f changes no bits.
        const int4 col = (int4)(-first) + winners4(xp, w, y0, ox * stride_w - pad_left, stride_w);
        const int4 inside = col >= 0 && col < w;
        const int4 at = select((int4)(0), col, inside);
        const float4 add = select((float4)(0.0f), vload4(0, dyp + oy * ow + ox), inside);
        out[at.s0] += add.s0;
        out[at.s1] += add.s1;
        out[at.s2] += add.s2;
        out[at.s3] += add.s3;
        ox += 4;
      } else {
        const int winner = pooled_window(xp, h, w, y0, ox * stride_w - pad_left, kernel_h, kernel_w);
        if (winner >= first && winner < end) out[winner - first] += dyp[oy * ow + ox];
        ++ox;
      }
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
