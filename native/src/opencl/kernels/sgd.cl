// SGD update of one parameter tensor: g = grad + weight_decay * param; with a velocity (may be null)
// v = momentum * v + g and step = v (Nesterov: g + momentum * v); without one step = g; param -= lr * step.
// Layout: flat arrays of count floats. Reference: sgd_update_ref (same formula, float instead of double).
//
// Work-item g owns elements [g*chunk, min((g+1)*chunk, count)) (launch.h, elementwise_launch): a long contiguous
// run the compiler vectorises on CPU devices, chunk 1 on GPUs.

__kernel void sgd_update(const long count, const long chunk, const float learning_rate, const float momentum,
                         const float weight_decay, const int nesterov, __global float* param,
                         __global const float* grad, __global float* velocity) {
  const long begin = get_global_id(0) * chunk, end = min(begin + chunk, count);
  for (long i = begin; i < end; ++i) {
    const float g = grad[i] + weight_decay * param[i];
    float step = g;
    if (velocity != 0) {
      const float v = momentum * velocity[i] + g;
      velocity[i] = v;
      step = nesterov ? g + momentum * v : v;
    }
    param[i] -= learning_rate * step;
  }
}
