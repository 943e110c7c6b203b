// Max pooling, forward (y = the winner of each window) and backward (dx gathers dy from every window its cell
// won). Layout: x, dx [planes, h, w] and y, dy [planes, oh, ow], NCHW with planes = n*c; padding is virtual.
// Reference: maxpool2d_forward_ref / maxpool2d_backward_ref with window_max of kernels/ref/pool2d_window.h.

// window_max's rule: cells in row-major window order, padding never visited, a later cell wins only when
// strictly greater (the first maximum wins ties), a NaN wins and the first NaN stays. Returns the winner's
// index in the plane; *value its value.
long window_max(__global const float* plane, const int w, const int row0, const int row1, const int col0,
                const int col1, float* value) {
  long best_index = (long)row0 * w + col0;
  float best = plane[best_index];
  for (int iy = row0; iy < row1; ++iy) {
    for (int ix = col0; ix < col1; ++ix) {
      if (isnan(best)) {
        *value = best;
        return best_index;
      }
      const float v = plane[(long)iy * w + ix];
      if (v > best || isnan(v)) {
        best = v;
        best_index = (long)iy * w + ix;
      }
    }
  }
  *value = best;
  return best_index;
}

__kernel void maxpool2d_forward(const long planes, const int h, const int w, const int oh, const int ow,
                                const int kernel_h, const int kernel_w, const int stride_h, const int stride_w,
                                const int pad_top, const int pad_left, __global const float* x, __global float* y) {
  const long out_plane = (long)oh * ow;
  const long count = planes * out_plane;
  for (long i = get_global_id(0); i < count; i += get_global_size(0)) {
    const long p = i / out_plane;
    const int oy = (int)(i % out_plane) / ow, ox = (int)(i % out_plane) % ow;
    const int y0 = oy * stride_h - pad_top, x0 = ox * stride_w - pad_left;
    float value;
    window_max(x + p * h * w, w, max(y0, 0), min(y0 + kernel_h, h), max(x0, 0), min(x0 + kernel_w, w), &value);
    y[i] = value;
  }
}

// Each dx cell visits the windows that contain it in the reference's order (oy, then ox, ascending), so its
// sum is rounded exactly as the reference's scatter rounds it.
__kernel void maxpool2d_backward(const long planes, const int h, const int w, const int oh, const int ow,
                                 const int kernel_h, const int kernel_w, const int stride_h, const int stride_w,
                                 const int pad_top, const int pad_left, __global const float* x,
                                 __global const float* dy, __global float* dx) {
  const long in_plane = (long)h * w;
  const long count = planes * in_plane;
  for (long i = get_global_id(0); i < count; i += get_global_size(0)) {
    const long p = i / in_plane;
    const long cell = i % in_plane;
    const int iy = (int)(cell / w), ix = (int)(cell % w);
    // Windows oy with oy*stride_h - pad_top <= iy < oy*stride_h - pad_top + kernel_h, clipped to [0, oh).
    const int ty = iy + pad_top - kernel_h + 1, tx = ix + pad_left - kernel_w + 1;
    const int oy0 = ty <= 0 ? 0 : (ty + stride_h - 1) / stride_h, oy1 = min((iy + pad_top) / stride_h, oh - 1);
    const int ox0 = tx <= 0 ? 0 : (tx + stride_w - 1) / stride_w, ox1 = min((ix + pad_left) / stride_w, ow - 1);
    __global const float* xp = x + p * in_plane;
    float sum = 0.0f;
    for (int oy = oy0; oy <= oy1; ++oy) {
      const int y0 = oy * stride_h - pad_top;
      for (int ox = ox0; ox <= ox1; ++ox) {
        const int x0 = ox * stride_w - pad_left;
        float value;
        if (window_max(xp, w, max(y0, 0), min(y0 + kernel_h, h), max(x0, 0), min(x0 + kernel_w, w), &value) == cell)
          sum += dy[p * oh * ow + (long)oy * ow + ox];
      }
    }
    dx[i] = sum;
  }
}
