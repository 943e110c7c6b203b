// Element-wise activations: forward y[i] = f(x[i]) and backward dx[i] = f'(x[i]) * dy[i], for the activation
// code `a` (the values of cnn_activation in cnn.h). Layout: flat arrays of count floats; y may be x and dx may
// be dy (each element is read before it is written). Reference: activation_forward_ref /
// activation_backward_ref with the formulas of kernels/ref/activation_math.h, repeated here one for one.

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
float forward(const int a, const float alpha, const float v) {
  switch (a) {
    case RELU: return v < 0.0f ? 0.0f : v;
    case LEAKY_RELU: return v < 0.0f ? alpha * v : v;
    case ELU: return v > 0.0f ? v : alpha * expm1(v);
    case SIGMOID: return sigmoid(v);
    case TANH: return tanh(v);
    default: return v;
  }
}

// At the kink x == 0 ReLU takes slope 0 and leaky ReLU slope alpha; sigmoid' is sigmoid(x) * sigmoid(-x).
float backward(const int a, const float alpha, const float v, const float dy) {
  switch (a) {
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

__kernel void activation_forward(const long count, const int a, const float alpha, __global const float* x,
                                 __global float* y) {
  for (long i = get_global_id(0); i < count; i += get_global_size(0)) y[i] = forward(a, alpha, x[i]);
}

__kernel void activation_backward(const long count, const int a, const float alpha, __global const float* x,
                                  __global const float* dy, __global float* dx) {
  for (long i = get_global_id(0); i < count; i += get_global_size(0)) dx[i] = backward(a, alpha, x[i], dy[i]);
}
