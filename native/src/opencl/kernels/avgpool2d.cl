// Average pooling, forward (y = window sum / divisor) and backward (dx gathers dy / divisor from every window
// that contains its cell). Layout: x, dx [planes, h, w] and y, dy [planes, oh, ow], NCHW with planes = n*c.
// Reference: avgpool2d_forward_ref / avgpool2d_backward_ref with window_divisor of kernels/ref/pool2d_window.h.

// window_divisor's rule: kernel_h*kernel_w with count_include_pad (padding counts as zeros), else the number
// of cells inside the input (never 0: every pad is smaller than its kernel).
float divisor(const int count_include_pad, const int kernel_h, const int kernel_w, const int rows, const int cols) {
  return count_include_pad ? (float)(kernel_h * kernel_w) : (float)(rows * cols);
}

__kernel void avgpool2d_forward(const long planes, const int h, const int w, const int oh, const int ow,
                                const int kernel_h, const int kernel_w, const int stride_h, const int stride_w,
                                const int pad_top, const int pad_left, const int count_include_pad,
                                __global const float* x, __global float* y) {
  const long out_plane = (long)oh * ow;
  const long count = planes * out_plane;
  for (long i = get_global_id(0); i < count; i += get_global_size(0)) {
    __global const float* xp = x + (i / out_plane) * h * w;
    const int oy = (int)(i % out_plane) / ow, ox = (int)(i % out_plane) % ow;
    const int y0 = oy * stride_h - pad_top, x0 = ox * stride_w - pad_left;
    const int row0 = max(y0, 0), row1 = min(y0 + kernel_h, h), col0 = max(x0, 0), col1 = min(x0 + kernel_w, w);
    float sum = 0.0f;
    for (int iy = row0; iy < row1; ++iy)
      for (int ix = col0; ix < col1; ++ix) sum += xp[(long)iy * w + ix];
    y[i] = sum / divisor(count_include_pad, kernel_h, kernel_w, row1 - row0, col1 - col0);
  }
}

// Windows are visited in the reference's order (oy, then ox, ascending), as its scatter adds them.
__kernel void avgpool2d_backward(const long planes, const int h, const int w, const int oh, const int ow,
                                 const int kernel_h, const int kernel_w, const int stride_h, const int stride_w,
                                 const int pad_top, const int pad_left, const int count_include_pad,
                                 __global const float* dy, __global float* dx) {
  const long in_plane = (long)h * w;
  const long count = planes * in_plane;
  for (long i = get_global_id(0); i < count; i += get_global_size(0)) {
    const long p = i / in_plane;
    const int iy = (int)((i % in_plane) / w), ix = (int)((i % in_plane) % w);
    const int ty = iy + pad_top - kernel_h + 1, tx = ix + pad_left - kernel_w + 1;
    const int oy0 = ty <= 0 ? 0 : (ty + stride_h - 1) / stride_h, oy1 = min((iy + pad_top) / stride_h, oh - 1);
    const int ox0 = tx <= 0 ? 0 : (tx + stride_w - 1) / stride_w, ox1 = min((ix + pad_left) / stride_w, ow - 1);
    float sum = 0.0f;
    for (int oy = oy0; oy <= oy1; ++oy) {
      const int y0 = oy * stride_h - pad_top;
      const int rows = min(y0 + kernel_h, h) - max(y0, 0);
      for (int ox = ox0; ox <= ox1; ++ox) {
        const int x0 = ox * stride_w - pad_left;
        const int cols = min(x0 + kernel_w, w) - max(x0, 0);
        sum += dy[p * oh * ow + (long)oy * ow + ox] / divisor(count_include_pad, kernel_h, kernel_w, rows, cols);
      }
    }
    dx[i] = sum;
  }
}
