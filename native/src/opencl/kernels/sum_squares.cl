// partial[g] = sum of x[i]^2 over i = g, g + G, g + 2G, ... < count, for the G = get_global_size(0) work-items;
// the host adds the G partials in double, in order (cnn_tensor_sum_squares on a device tensor).
// Layout: a flat array of count floats. Reference: the CPU table's sum_squares kernel (kernels().sum_squares).

__kernel void sum_squares(const long count, __global const float* x, __global float* partial) {
  // Kahan-compensated: fp64 is optional in OpenCL, and each partial may cover millions of elements.
  float sum = 0.0f, compensation = 0.0f;
  for (long i = get_global_id(0); i < count; i += get_global_size(0)) {
    const float term = x[i] * x[i] - compensation;
    const float next = sum + term;
    compensation = (next - sum) - term;
    sum = next;
  }
  partial[get_global_id(0)] = sum;
}
