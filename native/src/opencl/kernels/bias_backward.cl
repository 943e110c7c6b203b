// db[c] = sum over images and the plane of dy [n,channels,plane]. Layout: dy row-major [n, channels, plane]
// (conv: plane = oh*ow; dense: plane = 1). Reference: bias_backward_ref.
//
// Two geometries (launch.h, Geometry). bias_backward (GPUs): one work-group of GROUP_SIZE (a power of two from
// the host) per channel, each work-item sums a strided share, then a tree in local memory. bias_backward_rows
// (CPU devices, built with GROUP_SIZE 1): one work-item per channel walks each image's plane contiguously (eight
// lanes of running sums) and adds the per-image sums, with no barriers (a CPU driver runs barriers as loop splits).

__kernel __attribute__((reqd_work_group_size(GROUP_SIZE, 1, 1)))
void bias_backward(const long n, const long channels, const long plane, __global const float* dy,
                   __global float* db) {
  __local float partial[GROUP_SIZE];
  const int lid = get_local_id(0);
  const long c = get_group_id(0);
  const long count = n * plane;
  float sum = 0.0f;
  for (long e = lid; e < count; e += GROUP_SIZE) sum += dy[((e / plane) * channels + c) * plane + e % plane];
  partial[lid] = sum;
  for (int stride = GROUP_SIZE / 2; stride > 0; stride >>= 1) {
    barrier(CLK_LOCAL_MEM_FENCE);
    if (lid < stride) partial[lid] += partial[lid + stride];
  }
  if (lid == 0) db[c] = partial[0];
}

__kernel void bias_backward_rows(const long n, const long channels, const long plane, __global const float* dy,
                                 __global float* db) {
  const long c = get_global_id(0);
  if (c >= channels) return;
  float total = 0.0f;
  for (long img = 0; img < n; ++img) {
    __global const float* p = dy + (img * channels + c) * plane;
    float8 lanes = (float8)(0.0f);  // eight running sums: vector adds, and shorter rounding chains
    long j = 0;
    for (; j + 8 <= plane; j += 8) lanes += vload8(0, p + j);
    const float4 quad = lanes.lo + lanes.hi;
    float sum = (quad.x + quad.y) + (quad.z + quad.w);
    for (; j < plane; ++j) sum += p[j];
    total += sum;
  }
  db[c] = total;
}
