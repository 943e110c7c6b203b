// The two layouts of a convolution's output over a batch of `images`: NCHW y [images, oc, plane] (what layers
// see) and the GEMM's [oc, images*plane] (one GEMM for a batch: w [oc, c*kh*kw] * col). to_gemm reads the NCHW
// tensor at nchw + offset, from_gemm writes it there. Reference: conv2d_forward_ref's output layout.
//
// Both are a permutation of planes: plane (img, oc) moves between index img*channels + oc (NCHW) and
// oc*images + img (GEMM). Two geometries (launch.h, Geometry): *_planes, one work-item per plane copying it with a
// contiguous loop (CPU devices); *_elements, global (plane rounded up, images*channels), one float per work-item,
// neighbours on neighbouring floats (GPUs). A chunk has fewer than 2^31 floats (the host checks).

__kernel void conv_layout_to_gemm_planes(__global const float* nchw, const long offset, const int images,
                                         const int channels, const int plane, __global float* gemm) {
  const int p = get_global_id(0);  // NCHW plane index img*channels + oc
  if (p >= images * channels) return;
  const int img = p / channels, oc = p - img * channels;
  __global const float* src = nchw + offset + (long)p * plane;
  __global float* dst = gemm + (long)(oc * images + img) * plane;
  for (int j = 0; j < plane; ++j) dst[j] = src[j];
}

__kernel void conv_layout_from_gemm_planes(__global const float* gemm, const int images, const int channels,
                                           const int plane, __global float* nchw, const long offset) {
  const int p = get_global_id(0);
  if (p >= images * channels) return;
  const int img = p / channels, oc = p - img * channels;
  __global const float* src = gemm + (long)(oc * images + img) * plane;
  __global float* dst = nchw + offset + (long)p * plane;
  for (int j = 0; j < plane; ++j) dst[j] = src[j];
}

__kernel void conv_layout_to_gemm_elements(__global const float* nchw, const long offset, const int images,
                                           const int channels, const int plane, __global float* gemm) {
  const int j = get_global_id(0), p = get_global_id(1);
  if (j >= plane) return;
  const int img = p / channels, oc = p - img * channels;
  gemm[(long)(oc * images + img) * plane + j] = nchw[offset + (long)p * plane + j];
}

__kernel void conv_layout_from_gemm_elements(__global const float* gemm, const int images, const int channels,
                                             const int plane, __global float* nchw, const long offset) {
  const int j = get_global_id(0), p = get_global_id(1);
  if (j >= plane) return;
  const int img = p / channels, oc = p - img * channels;
  nchw[offset + (long)p * plane + j] = gemm[(long)(oc * images + img) * plane + j];
}
