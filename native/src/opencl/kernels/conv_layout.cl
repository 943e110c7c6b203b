// The two layouts of a convolution's output over a batch of `images`: NCHW y [images, oc, plane] (what layers
// see) and the GEMM's [oc, images*plane] (one GEMM for a batch: w [oc, c*kh*kw] * col). to_gemm reads the NCHW
// tensor at nchw + offset, from_gemm writes it there. Reference: conv2d_forward_ref's output layout.

__kernel void conv_layout_to_gemm(__global const float* nchw, const long offset, const long images,
                                  const long channels, const long plane, __global float* gemm) {
  const long columns = images * plane;
  const long count = channels * columns;
  for (long i = get_global_id(0); i < count; i += get_global_size(0)) {
    const long oc = i / columns, img = (i % columns) / plane, j = i % plane;
    gemm[i] = nchw[offset + (img * channels + oc) * plane + j];
  }
}

__kernel void conv_layout_from_gemm(__global const float* gemm, const long images, const long channels,
                                    const long plane, __global float* nchw, const long offset) {
  const long count = images * channels * plane;
  for (long i = get_global_id(0); i < count; i += get_global_size(0)) {
    const long img = i / (channels * plane), oc = (i / plane) % channels, j = i % plane;
    nchw[offset + i] = gemm[(oc * images + img) * plane + j];
  }
}
