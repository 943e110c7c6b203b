// Softmax over the middle axis of [outer, classes, inner]: forward y = exp(x - max) / sum exp(x - max), backward
// dx = y * (dy - sum_k dy_k * y_k). One work-item per (outer, inner) column; element k of a column is at
// offset + k * inner. x == y allowed (each column is read before it is written). Reference: softmax_forward_ref,
// softmax_backward_ref.

__kernel void softmax_forward(const long outer, const long classes, const long inner, __global const float* x,
                              __global float* y) {
  const long columns = outer * inner;
  for (long col = get_global_id(0); col < columns; col += get_global_size(0)) {
    const long offset = (col / inner) * classes * inner + col % inner;
    float max = x[offset];
    for (long k = 1; k < classes; ++k) {
      if (x[offset + k * inner] > max) max = x[offset + k * inner];
    }
    float sum = 0.0f;  // >= 1: the largest term is exp(0)
    for (long k = 0; k < classes; ++k) {
      const float e = exp(x[offset + k * inner] - max);
      y[offset + k * inner] = e;
      sum += e;
    }
    for (long k = 0; k < classes; ++k) y[offset + k * inner] /= sum;
  }
}

__kernel void softmax_backward(const long outer, const long classes, const long inner, __global const float* y,
                               __global const float* dy, __global float* dx) {
  const long columns = outer * inner;
  for (long col = get_global_id(0); col < columns; col += get_global_size(0)) {
    const long offset = (col / inner) * classes * inner + col % inner;
    float dot = 0.0f;
    for (long k = 0; k < classes; ++k) dot += dy[offset + k * inner] * y[offset + k * inner];
    for (long k = 0; k < classes; ++k) {
      const long i = offset + k * inner;
      dx[i] = y[i] * (dy[i] - dot);
    }
  }
}
