// dx [images,c,h,w] (the first image at dx + dx_offset) from col [c*kh*kw, images*oh*ow]: every cell gathers
// the col entries whose window tap lands on it (the adjoint of im2col.cl). Layout: NCHW images, row-major col.
// Reference: conv2d_backward_data_ref (col = w^T * dy; this kernel is its col2im).
//
// No atomics and a fixed summation order: every cell sums its taps in (ky, kx) order whatever the geometry
// (launch.h, Geometry). col2im_planes, one work-item per input plane (image, channel) that adds tap after tap into
// its plane of dx with contiguous inner loops (CPU devices); col2im_elements, one work-item per cell (GPUs).
// Indices within one chunk fit int (the host checks); the image offset is long.

// The first o in [0, n) with o*stride + shift >= 0 and the end of those with o*stride + shift < limit.
int first_inside(const int shift, const int stride) { return shift >= 0 ? 0 : (-shift + stride - 1) / stride; }
int end_inside(const int shift, const int stride, const int limit, const int n) {
  return limit - 1 - shift < 0 ? 0 : min(n, (limit - 1 - shift) / stride + 1);
}

// global: images*c rounded up to the work-group. The work-item zeroes its plane of dx, then walks the kh*kw col
// rows of its channel in order, each as one contiguous run of oh*ow floats, adding every tap into the plane (which
// stays in cache): col is streamed once, front to back.
__kernel void col2im_planes(__global const float* col, const int images, const int c, const int h, const int w,
                            const int kh, const int kw, const int oh, const int ow, const int stride_h,
                            const int stride_w, const int pad_top, const int pad_left, const int dilation_h,
                            const int dilation_w, __global float* dx, const long dx_offset) {
  const int item = get_global_id(0);  // (image, channel) as img*c + ci
  if (item >= images * c) return;
  const int ci = item % c, img = item / c;
  const int plane = oh * ow, columns = images * plane;
  __global float* out = dx + dx_offset + (long)item * h * w;
  for (int i = 0; i < h * w; ++i) out[i] = 0.0f;
  for (int ky = 0; ky < kh; ++ky) {
    const int shift_y = ky * dilation_h - pad_top;  // iy = oy*stride_h + shift_y
    const int oy0 = first_inside(shift_y, stride_h), oy1 = end_inside(shift_y, stride_h, h, oh);
    for (int kx = 0; kx < kw; ++kx) {
      const int shift_x = kx * dilation_w - pad_left;
      const int ox0 = first_inside(shift_x, stride_w), ox1 = end_inside(shift_x, stride_w, w, ow);
      __global const float* in = col + ((long)(ci * kh + ky) * kw + kx) * columns + (long)img * plane;
      for (int oy = oy0; oy < oy1; ++oy) {
        const int base = (oy * stride_h + shift_y) * w + shift_x;  // + ox*stride_w is inside the row for ox0..ox1
        __global const float* src = in + oy * ow;
        if (stride_w == 1) {
          for (int ox = ox0; ox < ox1; ++ox) out[base + ox] += src[ox];
        } else {
          for (int ox = ox0; ox < ox1; ++ox) out[base + ox * stride_w] += src[ox];
        }
      }
    }
  }
}

// global: (c*h*w rounded up to the work-group, images).
__kernel void col2im_elements(__global const float* col, const int images, const int c, const int h, const int w,
                              const int kh, const int kw, const int oh, const int ow, const int stride_h,
                              const int stride_w, const int pad_top, const int pad_left, const int dilation_h,
                              const int dilation_w, __global float* dx, const long dx_offset) {
  const int cell = get_global_id(0), img = get_global_id(1);
  if (cell >= c * h * w) return;
  const int ix = cell % w, iy = (cell / w) % h, ci = cell / (h * w);
  const int plane = oh * ow, columns = images * plane;
  __global const float* col_img = col + img * plane;
  float sum = 0.0f;
  for (int ky = 0; ky < kh; ++ky) {
    const int ty = iy + pad_top - ky * dilation_h;
    if (ty < 0 || ty % stride_h != 0 || ty / stride_h >= oh) continue;
    for (int kx = 0; kx < kw; ++kx) {
      const int tx = ix + pad_left - kx * dilation_w;
      if (tx < 0 || tx % stride_w != 0 || tx / stride_w >= ow) continue;
      sum += col_img[((long)(ci * kh + ky) * kw + kx) * columns + (ty / stride_h) * ow + tx / stride_w];
    }
  }
  dx[dx_offset + (long)img * c * h * w + cell] = sum;
}
