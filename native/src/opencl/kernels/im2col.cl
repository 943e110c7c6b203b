// col [c*kh*kw, images*oh*ow] of `images` consecutive images x [images,c,h,w] (the first at x + x_offset):
// col[(ci*kh + ky)*kw + kx][img*oh*ow + oy*ow + ox] =
//   x[img][ci][oy*stride_h - pad_top + ky*dilation_h][ox*stride_w - pad_left + kx*dilation_w], 0 outside the image.
// Layout: NCHW images, row-major col. Reference: conv2d_forward_ref (the convolution is w [oc, c*kh*kw] * col).
//
// Two geometries (launch.h, Geometry): im2col_planes, one work-item per (col row, image) writing that image's
// oh*ow run of the row with contiguous inner loops (CPU devices); im2col_elements, one work-item per col entry,
// neighbours writing neighbouring columns (GPUs). Indices within one chunk fit int (the host checks); the image
// offset is long.

// The first o in [0, n) with o*stride + shift >= 0 and the end of those with o*stride + shift < limit, shift =
// kernel offset - padding: the output positions whose tap lands inside [0, limit).
int first_inside(const int shift, const int stride) { return shift >= 0 ? 0 : (-shift + stride - 1) / stride; }
int end_inside(const int shift, const int stride, const int limit, const int n) {
  return limit - 1 - shift < 0 ? 0 : min(n, (limit - 1 - shift) / stride + 1);
}

__kernel void im2col_planes(__global const float* x, const long x_offset, const int images, const int c,
                            const int h, const int w, const int kh, const int kw, const int oh, const int ow,
                            const int stride_h, const int stride_w, const int pad_top, const int pad_left,
                            const int dilation_h, const int dilation_w, __global float* col) {
  const int item = get_global_id(0);
  if (item >= c * kh * kw * images) return;
  const int row = item / images, img = item - row * images;
  const int kx = row % kw, ky = (row / kw) % kh, ci = row / (kw * kh);
  const int plane = oh * ow;
  __global const float* src = x + x_offset + ((long)img * c + ci) * h * w;
  __global float* dst = col + (long)row * images * plane + (long)img * plane;
  const int shift_y = ky * dilation_h - pad_top, shift_x = kx * dilation_w - pad_left;
  const int oy0 = first_inside(shift_y, stride_h), oy1 = end_inside(shift_y, stride_h, h, oh);
  const int ox0 = min(first_inside(shift_x, stride_w), ow), ox1 = max(ox0, end_inside(shift_x, stride_w, w, ow));
  for (int oy = 0; oy < oh; ++oy) {
    __global float* out = dst + oy * ow;
    if (oy < oy0 || oy >= oy1) {
      for (int ox = 0; ox < ow; ++ox) out[ox] = 0.0f;
      continue;
    }
    const int base = (oy * stride_h + shift_y) * w + shift_x;  // + ox*stride_w is inside the row for ox0 <= ox < ox1
    for (int ox = 0; ox < ox0; ++ox) out[ox] = 0.0f;
    if (stride_w == 1) {
      for (int ox = ox0; ox < ox1; ++ox) out[ox] = src[base + ox];
    } else {
      for (int ox = ox0; ox < ox1; ++ox) out[ox] = src[base + ox * stride_w];
    }
    for (int ox = ox1; ox < ow; ++ox) out[ox] = 0.0f;
  }
}

// global: (images*oh*ow rounded up to the work-group, c*kh*kw).
__kernel void im2col_elements(__global const float* x, const long x_offset, const int images, const int c,
                              const int h, const int w, const int kh, const int kw, const int oh, const int ow,
                              const int stride_h, const int stride_w, const int pad_top, const int pad_left,
                              const int dilation_h, const int dilation_w, __global float* col) {
  const int plane = oh * ow, columns = images * plane;
  const int column = get_global_id(0), row = get_global_id(1);
  if (column >= columns) return;
  const int img = column / plane, j = column - img * plane;
  const int kx = row % kw, ky = (row / kw) % kh, ci = row / (kw * kh);
  const int iy = (j / ow) * stride_h - pad_top + ky * dilation_h;
  const int ix = (j % ow) * stride_w - pad_left + kx * dilation_w;
  col[(long)row * columns + column] =
      (iy >= 0 && iy < h && ix >= 0 && ix < w) ? x[x_offset + (((long)img * c + ci) * h + iy) * w + ix] : 0.0f;
}
