// col [c*kh*kw, images*oh*ow] of `images` consecutive images x [images,c,h,w] (the first at x + x_offset):
// col[(ci*kh + ky)*kw + kx][img*oh*ow + oy*ow + ox] =
//   x[img][ci][oy*stride_h - pad_top + ky*dilation_h][ox*stride_w - pad_left + kx*dilation_w], 0 outside the image.
// Layout: NCHW images, row-major col. Reference: conv2d_forward_ref (the convolution is w [oc, c*kh*kw] * col).

__kernel void im2col(__global const float* x, const long x_offset, const int images, const int c, const int h,
                     const int w, const int kh, const int kw, const int oh, const int ow, const int stride_h,
                     const int stride_w, const int pad_top, const int pad_left, const int dilation_h,
                     const int dilation_w, __global float* col) {
  const long plane = (long)oh * ow;
  const long columns = images * plane;
  const long count = (long)c * kh * kw * columns;
  x += x_offset;
  for (long i = get_global_id(0); i < count; i += get_global_size(0)) {
    const int row = (int)(i / columns);
    const long column = i % columns;
    const long img = column / plane;
    const int j = (int)(column % plane);
    const int kx = row % kw, ky = (row / kw) % kh, ci = row / (kw * kh);
    const int iy = (j / ow) * stride_h - pad_top + ky * dilation_h;
    const int ix = (j % ow) * stride_w - pad_left + kx * dilation_w;
    col[i] = (iy >= 0 && iy < h && ix >= 0 && ix < w) ? x[((img * c + ci) * h + iy) * w + ix] : 0.0f;
  }
}
