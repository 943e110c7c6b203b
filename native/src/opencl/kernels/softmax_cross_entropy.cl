// Fused softmax + cross-entropy with label smoothing, one work-item per row: stats[r] = the row's loss,
// stats[n + r] = 1 when the row's first largest logit is its label (else 0); the host sums them in row order.
// dlogits (may be null) = (softmax - target) / n. Layout: logits, dlogits [n, classes] row-major, labels[n]
// already range-checked. Reference: softmax_cross_entropy_ref (same formulas, float instead of double).

__kernel void softmax_cross_entropy(const long n, const long classes, __global const float* logits,
                                    __global const int* labels, const float smoothing, __global float* dlogits,
                                    __global float* stats) {
  const float k_inv = 1.0f / (float)classes;
  const float n_inv = 1.0f / (float)n;
  for (long r = get_global_id(0); r < n; r += get_global_size(0)) {
    __global const float* l = logits + r * classes;
    const int label = labels[r];
    float max = l[0];
    long argmax = 0;  // later logits win only when strictly larger
    for (long k = 1; k < classes; ++k) {
      if (l[k] > max) {
        max = l[k];
        argmax = k;
      }
    }
    float sum = 0.0f;  // every exponent <= 0 and the largest term is 1, so lse is finite for logits like +-1000
    for (long k = 0; k < classes; ++k) sum += exp(l[k] - max);
    const float lse = max + log(sum);
    float row = (1.0f - smoothing) * (lse - l[label]);
    if (smoothing != 0.0f) {  // skipped at 0 so that 0 * (an infinite sum from a -inf logit) is not NaN
      float spread = 0.0f;
      for (long k = 0; k < classes; ++k) spread += lse - l[k];
      row += smoothing * k_inv * spread;
    }
    stats[r] = row;
    stats[n + r] = argmax == label ? 1.0f : 0.0f;
    if (dlogits != 0) {
      __global float* d = dlogits + r * classes;
      for (long k = 0; k < classes; ++k) {
        const float target = smoothing * k_inv + (k == label ? 1.0f - smoothing : 0.0f);
        d[k] = (exp(l[k] - lse) - target) * n_inv;
      }
    }
  }
}
