// Launch geometry shared by the OpenCL ops: how row and element-wise kernels spread work over work-items per
// device type (Geometry, one table in launch.cpp), fixed work-group sizes, grid-stride sizes, and the
// work-group size of the reduction kernels (one work-group per channel or plane, a tree sum in local memory).
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

// How kernels that walk images, rows or flat arrays spread their work (one kernel per geometry in each .cl file).
//  Rows: a work-item owns contiguous runs (a plane or row of an image, `chunk` elements of a flat array) and walks
//    them with plain inner loops the compiler vectorises; few work-items. CPU devices.
//  Elements: a work-item owns one element; neighbouring work-items touch neighbouring floats (coalesced). GPUs.
enum class Geometry { Rows, Elements };

// The geometry of this device (launch.cpp's table), unless a test forced one with force_geometry.
Geometry geometry(const Runtime& runtime);
// Tests only: runs every op of the process in `geometry` (nullptr: back to the table). Not thread-safe with
// launches in flight.
void force_geometry(const Geometry* geometry);
const char* geometry_name(Geometry geometry);  // "rows" | "elements"

// Floats per convolution scratch buffer on this device (conv2d.cpp sizes its chunks of images by it): small enough
// to stay in cache on CPU devices, larger on GPUs (launch.cpp's table has the measurements).
int64_t conv_scratch_floats(const Runtime& runtime);

// A launch of fixed-size work-groups: PoCL compiles a kernel again for every new work-group size, so the driver's
// choice (local = nullptr, derived from each global size) would mean a compile per shape. Global sizes are rounded
// up to the work-group; kernels check bounds.
struct Range {
  size_t global[2] = {1, 1};
  size_t local[2] = {1, 1};
};
// `items` work-items in one dimension in work-groups of the geometry's size for row kernels.
Range rows_range(const Runtime& runtime, int64_t items);
// (inner rounded up, outer) work-items; work-groups of (the geometry's element group size, 1).
Range elements_range(const Runtime& runtime, int64_t inner, int64_t outer);

// An element-wise kernel over `count` elements (or blocks): work-item g owns [g*chunk, min((g+1)*chunk, count)).
// Rows: a few long chunks per compute unit; Elements: chunk 1 (more only beyond 2^24 work-items).
struct Elementwise {
  cl_long chunk = 1;
  Range range;
};
Elementwise elementwise_launch(const Runtime& runtime, int64_t count);

// A grid-stride kernel over `count` elements ("for (i = gid; i < count; i += global size)"): enough work-items to
// fill any device, capped so that kernels writing one partial result per work-item stay small, rounded up to a
// fixed work-group of the Elements size (extra work-items find nothing to do).
Range grid_stride_range(const Runtime& runtime, int64_t count);

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
