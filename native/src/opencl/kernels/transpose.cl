// out [cols, rows] = in [rows, cols]^T, both row-major. Used where a product is cheaper computed transposed
// (conv2d.cpp: the filter gradient; dense.cpp: the forward on CPU devices). Reference: the definition.
//
// The matrices are small (a layer's weights or one batch of outputs), so one geometry serves every device:
// global (cols rounded up, rows), consecutive work-items read consecutive floats of one row of in.
__kernel void transpose(__global const float* in, const int rows, const int cols, __global float* out) {
  const int j = get_global_id(0), i = get_global_id(1);
  if (j >= cols) return;
  out[(long)j * rows + i] = in[(long)i * cols + j];
}
