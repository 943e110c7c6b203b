// SGD update of one parameter tensor: g = grad + weight_decay * param; with a velocity (may be null)
// v = momentum * v + g and step = v (Nesterov: g + momentum * v); without one step = g; param -= lr * step.
// Layout: flat arrays of count floats. Reference: sgd_update_ref (same formula, float instead of double).

__kernel void sgd_update(const long count, const float learning_rate, const float momentum, const float weight_decay,
                         const int nesterov, __global float* param, __global const float* grad,
                         __global float* velocity) {
  for (long i = get_global_id(0); i < count; i += get_global_size(0)) {
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
