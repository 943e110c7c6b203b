// Scalar activation functions and their derivatives, shared by the forward and backward kernels so the
// backward pass differentiates exactly the function the forward computed. Layout: one float at a time.
// Reference kernels: activation_ref.cpp (forward) and activation_backward_ref.cpp (backward).
#pragma once

#include <cmath>

namespace cnn::activation_math {

// ---- f(x); alpha is ignored where unused --------------------------------------------------------
// Written as "v < 0 ? ... : v" so a NaN input comes out as NaN instead of being hidden as 0.
inline float relu(float v, float) { return v < 0.0f ? 0.0f : v; }
inline float leaky_relu(float v, float alpha) { return v < 0.0f ? alpha * v : v; }
// expm1 keeps exp(x) - 1 accurate for x near 0; for very negative x it tends to -1, so ELU tends to -alpha.
inline float elu(float v, float alpha) { return v > 0.0f ? v : alpha * std::expm1(v); }
// Never evaluates exp of a large positive number: for x < 0 it uses e^x / (1 + e^x), so sigmoid(-1000) is 0
// and sigmoid(1000) is 1 without overflow or inf/inf.
inline float sigmoid(float v, float = 0.0f) {
  if (v >= 0.0f) return 1.0f / (1.0f + std::exp(-v));
  const float e = std::exp(v);
  return e / (1.0f + e);
}
inline float tanh_f(float v, float) { return std::tanh(v); }

// ---- f'(x) * dy --------------------------------------------------------------------------------
// At the kink x == 0 ReLU takes slope 0 and leaky ReLU slope alpha (the left side, as PyTorch does).
// A NaN x passes dy through for ReLU / leaky ReLU, while ELU, sigmoid and tanh give NaN.
inline float relu_grad(float v, float dy, float) { return v <= 0.0f ? 0.0f : dy; }
inline float leaky_relu_grad(float v, float dy, float alpha) { return v <= 0.0f ? alpha * dy : dy; }
// For x <= 0, d/dx alpha * (e^x - 1) = alpha * e^x.
inline float elu_grad(float v, float dy, float alpha) { return v > 0.0f ? dy : alpha * std::exp(v) * dy; }
// s * (1 - s) written as sigmoid(x) * sigmoid(-x): 1 - s would cancel to 0 for large x, while
// sigmoid(-x) keeps its precision; both factors are the forward's own stable formula.
inline float sigmoid_grad(float v, float dy, float) { return sigmoid(v) * sigmoid(-v) * dy; }
inline float tanh_grad(float v, float dy, float) {
  const float t = std::tanh(v);
  return (1.0f - t * t) * dy;
}

}  // namespace cnn::activation_math
