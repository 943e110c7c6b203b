// Launch geometry shared by the OpenCL ops (see launch.h).
#include "opencl/launch.h"

#include <algorithm>
#include <atomic>
#include <iterator>
#include <limits>

#include "core/error.h"

namespace cnn::opencl {

namespace {

// 64Ki work-items fill the largest GPUs several times over; grid-stride loops cover any count beyond.
constexpr int64_t kMaxGridItems = 1 << 16;
// Reduction work-groups: 256 is the common maximum of GPUs; a larger group only lengthens the tree.
constexpr size_t kMaxGroupSize = 256;
constexpr const char* kStandard = "-cl-std=CL1.2";

// The geometry per device type and its sizes. First match wins.
//  CPU devices (PoCL, Intel's and AMD's CPU runtimes) run a work-group as one task on one thread, looping over its
//  work-items, so each work-item should carry a long contiguous run: the compiler vectorises its inner loop, index
//  arithmetic is paid once per run, and no barriers split the loop. Row kernels use work-groups of 16 (fewer tasks
//  to schedule: a row kernel has 10^3-10^5 items; measured on PoCL, 2 cores, bench/opencl/bench_opencl_ops.cpp),
//  element-wise kernels one work-item per work-group with runs of >= 4Ki floats, at most 16 per compute unit.
//  GPUs and accelerators want one element per work-item, neighbours on neighbouring addresses (coalesced), in
//  work-groups of 64: a multiple of NVIDIA's warp (32), AMD's wavefront (64) and Intel's SIMD widths (8-32).
//  Convolution scratch (conv2d.cpp: im2col's col and the GEMM's output, per chunk of images): on a CPU device the
//  col that im2col writes should still be in cache when the SGEMM reads it. Measured on PoCL (2 cores, 2 MiB L2
//  each, shared L3), the reference network's 32->64 5x5 layer at batch 64: chunks of 8 MiB (13 images) ran the
//  forward in 28 ms and the backward in 48, chunks of 32 MiB (53 images) in 48 and 76-90; 2 and 4 MiB were no
//  better than 8. GPUs keep 32 MiB: fewer, larger launches, and their memory is fast.
struct GeometryRow {
  cl_device_type types;  // CL_DEVICE_TYPE_* bits this row applies to (0: any device)
  Geometry geometry;
  size_t row_group;        // work-items per work-group of row kernels (Rows) or of element kernels (Elements)
  int64_t min_chunk;       // element-wise: fewest elements per work-item (Rows)
  int64_t items_per_cu;    // element-wise: most work-items per compute unit (Rows)
  int64_t scratch_floats;  // convolution: floats per scratch buffer, hence images per chunk
};
constexpr GeometryRow kGeometryTable[] = {
    {CL_DEVICE_TYPE_CPU, Geometry::Rows, 16, 4 * 1024, 16, int64_t{1} << 21},
    {0, Geometry::Elements, 64, 1, 0, int64_t{1} << 23},
};
// Elements: beyond this many work-items each takes several elements (global sizes stay far below size_t limits).
constexpr int64_t kMaxElementItems = int64_t{1} << 24;

std::atomic<const Geometry*> g_forced{nullptr};

const GeometryRow& geometry_row(const Runtime& runtime) {
  for (const GeometryRow& row : kGeometryTable)
    if (row.types == 0 || (runtime.device().type & row.types) != 0) return row;
  return kGeometryTable[std::size(kGeometryTable) - 1];
}

// The work-group size `wanted` clamped to the device's limits (a power of two stays one).
size_t fit_group(const Runtime& runtime, size_t wanted) {
  const DeviceInfo& d = runtime.device();
  return static_cast<size_t>(
      std::max<uint64_t>(1, std::min<uint64_t>({wanted, d.max_work_group_size, d.max_work_item_sizes[0]})));
}

size_t floor_power_of_two(uint64_t value) {
  size_t p = 1;
  while (p * 2 <= value) p *= 2;
  return p;
}

}  // namespace

Geometry geometry(const Runtime& runtime) {
  const Geometry* forced = g_forced.load();
  return forced != nullptr ? *forced : geometry_row(runtime).geometry;
}

void force_geometry(const Geometry* geometry) {
  static const Geometry kRows = Geometry::Rows, kElements = Geometry::Elements;
  g_forced.store(geometry == nullptr ? nullptr : *geometry == Geometry::Rows ? &kRows : &kElements);
}

const char* geometry_name(Geometry geometry) { return geometry == Geometry::Rows ? "rows" : "elements"; }

int64_t conv_scratch_floats(const Runtime& runtime) { return geometry_row(runtime).scratch_floats; }

Range rows_range(const Runtime& runtime, int64_t items) {
  // The row kernels' group comes from the CPU row even when a test forces Rows onto another device.
  const size_t group = fit_group(runtime, kGeometryTable[0].row_group);
  Range r;
  r.local[0] = group;
  r.global[0] = round_up(std::max<int64_t>(items, 1), static_cast<int64_t>(group));
  return r;
}

Range elements_range(const Runtime& runtime, int64_t inner, int64_t outer) {
  const size_t group = fit_group(runtime, kGeometryTable[std::size(kGeometryTable) - 1].row_group);
  Range r;
  r.local[0] = group;
  r.global[0] = round_up(std::max<int64_t>(inner, 1), static_cast<int64_t>(group));
  r.global[1] = static_cast<size_t>(std::max<int64_t>(outer, 1));
  return r;
}

Elementwise elementwise_launch(const Runtime& runtime, int64_t count) {
  Elementwise e;
  count = std::max<int64_t>(count, 1);
  int64_t items;
  if (geometry(runtime) == Geometry::Rows) {
    const GeometryRow& row = kGeometryTable[0];
    const int64_t most = std::max<int64_t>(1, row.items_per_cu * std::max(1, runtime.device().compute_units));
    items = std::clamp<int64_t>(count / row.min_chunk, 1, most);
    e.chunk = round_up((count + items - 1) / items, 16);  // whole 64-byte lines per work-item
    e.range.local[0] = 1;
    e.range.global[0] = static_cast<size_t>((count + e.chunk - 1) / e.chunk);
  } else {
    e.chunk = (count + kMaxElementItems - 1) / kMaxElementItems;
    items = (count + e.chunk - 1) / e.chunk;
    e.range = elements_range(runtime, items, 1);
  }
  return e;
}

Range grid_stride_range(const Runtime& runtime, int64_t count) {
  return elements_range(runtime, std::clamp<int64_t>(count, 1, kMaxGridItems), 1);
}

cl_int int_arg(const Runtime& runtime, int64_t value, const char* what) {
  if (value > std::numeric_limits<cl_int>::max())
    fail(CNN_UNSUPPORTED, std::string(what) + " " + std::to_string(value) + " exceeds " +
                              std::to_string(std::numeric_limits<cl_int>::max()) +
                              ", the largest index the kernels of " + runtime.describe() + " take");
  return static_cast<cl_int>(value);
}

cl_kernel plain_kernel(Runtime& runtime, std::string_view file, const char* kernel_name) {
  return runtime.kernel(file, kStandard, kernel_name);
}

GroupKernel group_kernel(Runtime& runtime, std::string_view file, const char* kernel_name, const std::string& options) {
  const DeviceInfo& d = runtime.device();
  size_t group = floor_power_of_two(std::min<uint64_t>({kMaxGroupSize, d.max_work_group_size, d.max_work_item_sizes[0],
                                                        d.local_memory_bytes / (2 * sizeof(float))}));
  // The compiled kernel may allow fewer work-items than the device (registers, local memory): halve until it fits.
  for (;;) {
    std::string all = std::string(kStandard) + " -DGROUP_SIZE=" + std::to_string(group);
    if (!options.empty()) all += " " + options;
    cl_kernel kernel = runtime.kernel(file, all, kernel_name);
    size_t limit = 0;
    runtime.check(runtime.cl().GetKernelWorkGroupInfo(kernel, d.id, CL_KERNEL_WORK_GROUP_SIZE, sizeof(limit), &limit,
                                                      nullptr),
                  std::string("clGetKernelWorkGroupInfo(") + kernel_name + ")");
    if (group <= limit) return {kernel, group};
    if (group == 1) break;
    group /= 2;
  }
  fail(CNN_UNSUPPORTED, std::string("the reduction kernel ") + kernel_name + " of kernels/" + std::string(file) +
                            ".cl fits no work-group size on " + runtime.describe());
}

}  // namespace cnn::opencl
