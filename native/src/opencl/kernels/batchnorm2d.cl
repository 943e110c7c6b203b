// Batch norm per channel over (n, plane): training forward (batch statistics, running-statistics update),
// inference forward, backward. Layout: x, y, dy, dx [n, c, plane] row-major (NCHW, plane = h*w); gamma, beta and
// the statistics [c]. Reference: batchnorm2d_*_ref (same formulas; float sums in a tree instead of double).
//
// The training forward and the backward run one work-group of GROUP_SIZE (a power of two from the host) per
// channel: each work-item sums a strided share of the channel, then group_sum adds the shares in local memory.

// The sum of `value` over the work-group, returned to every work-item. The first barrier lets an earlier
// group_sum's readers finish before `partial` is overwritten.
float group_sum(const float value, __local float* partial) {
  const int lid = get_local_id(0);
  barrier(CLK_LOCAL_MEM_FENCE);
  partial[lid] = value;
  for (int stride = GROUP_SIZE / 2; stride > 0; stride >>= 1) {
    barrier(CLK_LOCAL_MEM_FENCE);
    if (lid < stride) partial[lid] += partial[lid + stride];
  }
  barrier(CLK_LOCAL_MEM_FENCE);
  return partial[0];
}

// Element e of the channel's n*plane elements.
#define AT(e) ((((e) / plane) * channels + c) * plane + (e) % plane)

// Two passes (the mean, then squared deviations from it), so a large mean does not cancel the variance.
__kernel __attribute__((reqd_work_group_size(GROUP_SIZE, 1, 1)))
void batchnorm2d_forward_training(const long n, const long channels, const long plane, __global const float* x,
                                  __global const float* gamma, __global const float* beta, const float momentum,
                                  const float epsilon, __global float* running_mean, __global float* running_var,
                                  __global float* saved_mean, __global float* saved_inv_std, __global float* y) {
  __local float partial[GROUP_SIZE];
  const long c = get_group_id(0);
  const long count = n * plane;
  float sum = 0.0f;
  for (long e = get_local_id(0); e < count; e += GROUP_SIZE) sum += x[AT(e)];
  const float mean = group_sum(sum, partial) / (float)count;
  float squares = 0.0f;
  for (long e = get_local_id(0); e < count; e += GROUP_SIZE) {
    const float d = x[AT(e)] - mean;
    squares += d * d;
  }
  squares = group_sum(squares, partial);
  const float var = squares / (float)count;  // biased: what normalises the batch
  const float inv_std = 1.0f / sqrt(var + epsilon);
  const float g = gamma[c], b = beta[c];
  for (long e = get_local_id(0); e < count; e += GROUP_SIZE) y[AT(e)] = g * ((x[AT(e)] - mean) * inv_std) + b;
  if (get_local_id(0) == 0) {
    // The running variance takes the unbiased batch variance; a channel of one element keeps the biased one.
    const float unbiased = count > 1 ? squares / (float)(count - 1) : var;
    running_mean[c] = (1.0f - momentum) * running_mean[c] + momentum * mean;
    running_var[c] = (1.0f - momentum) * running_var[c] + momentum * unbiased;
    saved_mean[c] = mean;
    saved_inv_std[c] = inv_std;
  }
}

// No reductions: one work-item per element (grid-stride).
__kernel void batchnorm2d_forward_inference(const long count, const long channels, const long plane,
                                            __global const float* x, __global const float* gamma,
                                            __global const float* beta, __global const float* running_mean,
                                            __global const float* running_var, const float epsilon,
                                            __global float* y) {
  for (long i = get_global_id(0); i < count; i += get_global_size(0)) {
    const long c = (i / plane) % channels;
    const float inv_std = 1.0f / sqrt(running_var[c] + epsilon);
    y[i] = gamma[c] * ((x[i] - running_mean[c]) * inv_std) + beta[c];
  }
}

// With M = n*plane and xhat = (x - mean) * inv_std: dbeta = sum(dy), dgamma = sum(dy * xhat),
// dx = gamma * inv_std / M * (M * dy - sum(dy) - xhat * sum(dy * xhat)). dgamma and dbeta may be null.
__kernel __attribute__((reqd_work_group_size(GROUP_SIZE, 1, 1)))
void batchnorm2d_backward(const long n, const long channels, const long plane, __global const float* x,
                          __global const float* gamma, __global const float* saved_mean,
                          __global const float* saved_inv_std, __global const float* dy, __global float* dx,
                          __global float* dgamma, __global float* dbeta) {
  __local float partial[GROUP_SIZE];
  const long c = get_group_id(0);
  const long count = n * plane;
  const float mean = saved_mean[c], inv_std = saved_inv_std[c];
  float sum_dy = 0.0f, sum_dy_xhat = 0.0f;
  for (long e = get_local_id(0); e < count; e += GROUP_SIZE) {
    const long j = AT(e);
    sum_dy += dy[j];
    sum_dy_xhat += dy[j] * ((x[j] - mean) * inv_std);
  }
  sum_dy = group_sum(sum_dy, partial);
  sum_dy_xhat = group_sum(sum_dy_xhat, partial);
  if (get_local_id(0) == 0) {
    if (dgamma != 0) dgamma[c] = sum_dy_xhat;
    if (dbeta != 0) dbeta[c] = sum_dy;
  }
  const float m = (float)count;
  const float k = gamma[c] * inv_std / m;
  for (long e = get_local_id(0); e < count; e += GROUP_SIZE) {
    const long j = AT(e);
    dx[j] = k * (m * dy[j] - sum_dy - (x[j] - mean) * inv_std * sum_dy_xhat);
  }
}
