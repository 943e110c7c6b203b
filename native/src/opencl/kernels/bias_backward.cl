// db[c] = sum over images and the plane of dy [n,channels,plane]: one work-group per channel.
// Layout: dy row-major [n, channels, plane] (conv: plane = oh*ow; dense: plane = 1). Reference: bias_backward_ref.
// GROUP_SIZE (a power of two) comes from the host; each work-item sums a strided share, then a tree in local memory.

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
