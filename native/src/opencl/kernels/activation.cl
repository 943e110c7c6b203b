// Element-wise activations: forward y[i] = f(x[i]) and backward dx[i] = f'(x[i]) * dy[i], for the activation
// code ACTIVATION (the values of cnn_activation in cnn.h, a build option: one program per activation, so the
// per-element loop has no branch on it). Layout: flat arrays of count floats; y may be x and dx may be dy (each
// element is read before it is written). Reference: activation_forward_ref / activation_backward_ref with the
// formulas of kernels/ref/activation_math.h, repeated here one for one.
//
// Work-item g owns elements [g*chunk, min((g+1)*chunk, count)) (launch.h, elementwise_launch): a long contiguous
// run the compiler vectorises on CPU devices, chunk 1 on GPUs.

#define IDENTITY 0
#define RELU 1
#define LEAKY_RELU 2
#define ELU 3
#define SIGMOID 4
#define TANH 5

// Never exp of a large positive number: sigmoid(-1000) is 0 and sigmoid(1000) is 1 without inf/inf.
float sigmoid(const float v) {
  if (v >= 0.0f) return 1.0f / (1.0f + exp(-v));
  const float e = exp(v);
  return e / (1.0f + e);
}

// "v < 0 ? ... : v" lets a NaN through as NaN.
float forward(const float alpha, const float v) {
  switch (ACTIVATION) {
    case RELU: return v < 0.0f ? 0.0f : v;
    case LEAKY_RELU: return v < 0.0f ? alpha * v : v;
    case ELU: return v > 0.0f ? v : alpha * expm1(v);
    case SIGMOID: return sigmoid(v);
    case TANH: return tanh(v);
    default: return v;
  }
}

// At the kink x == 0 ReLU takes slope 0 and leaky ReLU slope alpha; sigmoid' is sigmoid(x) * sigmoid(-x).
float backward(const float alpha, const float v, const float dy) {
  switch (ACTIVATION) {
    case RELU: return v <= 0.0f ? 0.0f : dy;
    case LEAKY_RELU: return v <= 0.0f ? alpha * dy : dy;
    case ELU: return v > 0.0f ? dy : alpha * exp(v) * dy;
    case SIGMOID: return sigmoid(v) * sigmoid(-v) * dy;
    case TANH: {
      const float t = tanh(v);
      return (1.0f - t * t) * dy;
    }
    default: return dy;
  }
}

__kernel void activation_forward(const long count, const long chunk, const float alpha, __global const float* x,
                                 __global float* y) {
  const long begin = get_global_id(0) * chunk, end = min(begin + chunk, count);
  for (long i = begin; i < end; ++i) y[i] = forward(alpha, x[i]);
}

__kernel void activation_backward(const long count, const long chunk, const float alpha, __global const float* x,
                                  __global const float* dy, __global float* dx) {
  const long begin = get_global_id(0) * chunk, end = min(begin + chunk, count);
  for (long i = begin; i < end; ++i) dx[i] = backward(alpha, x[i], dy[i]);
}
