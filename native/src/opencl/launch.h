// Launch geometry shared by the OpenCL ops: grid-stride sizes for element-wise kernels and the work-group
// size of the reduction kernels (one work-group per channel or plane, a tree sum in local memory).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "opencl/runtime.h"

namespace cnn::opencl {

inline size_t round_up(int64_t value, int64_t multiple) {
  return static_cast<size_t>((value + multiple - 1) / multiple * multiple);
}

// Work-items for a grid-stride kernel over `count` elements ("for (i = gid; i < count; i += global size)"):
// enough to fill any device, capped so that kernels writing one partial result per work-item stay small.
size_t grid_stride_items(int64_t count);

// A reduction kernel: `kernel_name` of kernels/<file>.cl built with "-DGROUP_SIZE=<g> <options>" and its g, a
// power of two of at most 256 that fits the device's and the compiled kernel's work-group limits.
struct GroupKernel {
  cl_kernel kernel;
  size_t group_size;
};
GroupKernel group_kernel(Runtime& runtime, std::string_view file, const char* kernel_name,
                         const std::string& options = "");

// `value` as the cl_int argument a kernel indexes with; CNN_UNSUPPORTED naming `what` and the device when it
// does not fit (a kernel's int arithmetic is what keeps it fast on GPUs).
cl_int int_arg(const Runtime& runtime, int64_t value, const char* what);

// Builds (once) and returns kernel `kernel_name` of kernels/<file>.cl with the options every op uses.
cl_kernel plain_kernel(Runtime& runtime, std::string_view file, const char* kernel_name);

}  // namespace cnn::opencl
