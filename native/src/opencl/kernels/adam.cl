// Adam / AdamW update of one parameter tensor: m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2,
// param -= lr * (m / correction1) / (sqrt(v / correction2) + eps), with correction_k = 1 - b_k^step from the host.
// AdamW (decoupled) first shrinks param by lr * wd * param; L2 adds wd * param to g.
// Layout: flat arrays of count floats. Reference: adam_update_ref (same formula, float instead of double).
//
// Work-item g owns elements [g*chunk, min((g+1)*chunk, count)) (launch.h, elementwise_launch): a long contiguous
// run the compiler vectorises on CPU devices, chunk 1 on GPUs.

__kernel void adam_update(const long count, const long chunk, const float learning_rate, const float beta1,
                          const float beta2, const float epsilon, const float weight_decay, const int decoupled,
                          const float correction1, const float correction2, __global float* param,
                          __global const float* grad, __global float* m, __global float* v) {
  const long begin = get_global_id(0) * chunk, end = min(begin + chunk, count);
  for (long i = begin; i < end; ++i) {
    float w = param[i];
    float g = grad[i];
    if (decoupled) {
      w -= learning_rate * weight_decay * w;
    } else {
      g += weight_decay * w;
    }
    const float mi = beta1 * m[i] + (1.0f - beta1) * g;
    const float vi = beta2 * v[i] + (1.0f - beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    param[i] = w - learning_rate * (mi / correction1) / (sqrt(vi / correction2) + epsilon);
  }
}
