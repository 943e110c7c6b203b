// x[i] *= factor for i < count (cnn_tensor_scale on a device tensor).
// Layout: any; the tensor is a flat array of count floats.
// Reference: the CPU table's scale kernel (kernels().scale).

__kernel void scale(const long count, const float factor, __global float* x) {
  // Grid-stride loop: the host caps the number of work-items, so any count fits one launch.
  for (long i = get_global_id(0); i < count; i += get_global_size(0)) x[i] *= factor;
}
