// Global average pooling: forward y[p] = mean of plane p of x (one work-group per plane, a tree sum in local
// memory of GROUP_SIZE, a power of two from the host); backward dx[p*plane_size + i] = dy[p] / plane_size.
// Layout: x, dx [planes, plane_size] (NCHW with planes = n*c); y, dy [planes]. Reference:
// global_avgpool2d_forward_ref and global_avgpool2d_backward_ref.

__kernel __attribute__((reqd_work_group_size(GROUP_SIZE, 1, 1)))
void global_avgpool2d_forward(const long plane_size, __global const float* x, __global float* y) {
  __local float partial[GROUP_SIZE];
  const int lid = get_local_id(0);
  const long p = get_group_id(0);
  float sum = 0.0f;
  for (long i = lid; i < plane_size; i += GROUP_SIZE) sum += x[p * plane_size + i];
  partial[lid] = sum;
  for (int stride = GROUP_SIZE / 2; stride > 0; stride >>= 1) {
    barrier(CLK_LOCAL_MEM_FENCE);
    if (lid < stride) partial[lid] += partial[lid + stride];
  }
  if (lid == 0) y[p] = partial[0] / (float)plane_size;
}

__kernel void global_avgpool2d_backward(const long count, const long plane_size, __global const float* dy,
                                        __global float* dx) {
  for (long i = get_global_id(0); i < count; i += get_global_size(0)) dx[i] = dy[i / plane_size] / (float)plane_size;
}
