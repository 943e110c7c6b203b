// The OpenCL devices of this machine: every device of every platform, numbered in platform order, listed
// once per process (the numbering must not change under a running program), with the facts the ABI reports
// and the kernels are tuned from.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "opencl/cl.h"

namespace cnn::opencl {

struct DeviceInfo {
  int32_t index = 0;  // position in the process-wide list, the number callers pass
  cl_platform_id platform = nullptr;
  cl_device_id id = nullptr;
  std::string platform_name, name, vendor, version, driver_version;
  cl_device_type type = 0;
  int32_t compute_units = 0;
  uint64_t global_memory_bytes = 0, local_memory_bytes = 0, max_allocation_bytes = 0;
  uint64_t max_work_group_size = 0;
  uint64_t max_work_item_sizes[3] = {1, 1, 1};
  // Floats per native SIMD register (CL_DEVICE_NATIVE_VECTOR_WIDTH_FLOAT): 16 on AVX-512 CPUs, 8 on AVX2, 4 on
  // SSE or NEON, often 1 on GPUs (which vectorise across work-items instead).
  int32_t native_float_width = 1;
  bool fp16 = false, fp64 = false;

  // "OpenCL #0 'pthread-haswell' of platform 'Portable Computing Language'": the phrase every message uses.
  std::string describe() const;
};

struct DeviceList {
  std::vector<DeviceInfo> devices;
  std::vector<std::string> platforms;  // every platform found, also those without devices
  // "1 OpenCL device found: #0 'pthread-haswell' (CPU) of 'Portable Computing Language'" or "no OpenCL
  // device found (platforms: none)": what an error about a missing or wrong device lists.
  std::string summary() const;
};

// The list, enumerated on first success. Throws CNN_UNSUPPORTED when the ICD loader is missing and
// CNN_DEVICE_ERROR when the driver fails; no platform at all is an empty list, not an error.
const DeviceList& devices();

// The device at `index`; an index out of range is CNN_INVALID_ARGUMENT naming the count and the list.
const DeviceInfo& device(int32_t index);

// Throws CNN_DEVICE_ERROR "<what> failed on <device>: CL_... (-5)" unless code is CL_SUCCESS; allocation
// failures (CL_MEM_OBJECT_ALLOCATION_FAILURE, CL_OUT_OF_HOST_MEMORY) become CNN_OUT_OF_MEMORY.
// CL_OUT_OF_RESOURCES stays a device error: drivers also report a faulting kernel with it.
void check(cl_int code, const std::string& what, const DeviceInfo& device);

}  // namespace cnn::opencl
