// Launch geometry shared by the OpenCL ops (see launch.h).
#include "opencl/launch.h"

#include <algorithm>
#include <limits>

#include "core/error.h"

namespace cnn::opencl {

namespace {

// 64Ki work-items fill the largest GPUs several times over; grid-stride loops cover any count beyond.
constexpr int64_t kMaxGridItems = 1 << 16;
// Reduction work-groups: 256 is the common maximum of GPUs; a larger group only lengthens the tree.
constexpr size_t kMaxGroupSize = 256;
constexpr const char* kStandard = "-cl-std=CL1.2";

size_t floor_power_of_two(uint64_t value) {
  size_t p = 1;
  while (p * 2 <= value) p *= 2;
  return p;
}

}  // namespace

size_t grid_stride_items(int64_t count) { return static_cast<size_t>(std::clamp<int64_t>(count, 1, kMaxGridItems)); }

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
