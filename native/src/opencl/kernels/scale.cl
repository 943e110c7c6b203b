// x[i] *= factor for i < count (cnn_tensor_scale on a device tensor).
// Layout: any; the tensor is a flat array of count floats.
// Reference: the CPU table's scale kernel (kernels().scale).
//
// Work-item g owns elements [g*chunk, min((g+1)*chunk, count)) (launch.h, elementwise_launch): a long contiguous
// run the compiler vectorises on CPU devices, chunk 1 on GPUs.

__kernel void scale(const long count, const long chunk, const float factor, __global float* x) {
  const long begin = get_global_id(0) * chunk, end = min(begin + chunk, count);
  for (long i = begin; i < end; ++i) x[i] *= factor;
}
