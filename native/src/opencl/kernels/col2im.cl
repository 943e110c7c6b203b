// dx [images,c,h,w] (the first image at dx + dx_offset) from col [c*kh*kw, images*oh*ow]: every cell gathers
// the col entries whose window tap lands on it (the adjoint of im2col.cl). Layout: NCHW images, row-major col.
// Reference: conv2d_backward_data_ref (col = w^T * dy; this kernel is its col2im).
//
// A gather, not a scatter: each work-item owns one cell, so no atomics and the sum order is fixed.

__kernel void col2im(__global const float* col, const int images, const int c, const int h, const int w,
                     const int kh, const int kw, const int oh, const int ow, const int stride_h, const int stride_w,
                     const int pad_top, const int pad_left, const int dilation_h, const int dilation_w,
                     __global float* dx, const long dx_offset) {
  const long plane = (long)oh * ow;
  const long columns = images * plane;
  const long image = (long)c * h * w;
  const long count = images * image;
  dx += dx_offset;
  for (long i = get_global_id(0); i < count; i += get_global_size(0)) {
    const long img = i / image;
    const int ix = (int)(i % w), iy = (int)((i / w) % h), ci = (int)((i % image) / ((long)h * w));
    __global const float* col_img = col + img * plane;
    float sum = 0.0f;
    for (int ky = 0; ky < kh; ++ky) {
      const int ty = iy + pad_top - ky * dilation_h;  // oy * stride_h when tap ky of row oy hits iy
      if (ty < 0 || ty % stride_h != 0 || ty / stride_h >= oh) continue;
      for (int kx = 0; kx < kw; ++kx) {
        const int tx = ix + pad_left - kx * dilation_w;
        if (tx < 0 || tx % stride_w != 0 || tx / stride_w >= ow) continue;
        sum += col_img[(((long)ci * kh + ky) * kw + kx) * columns + (long)(ty / stride_h) * ow + tx / stride_w];
      }
    }
    dx[i] = sum;
  }
}
