// Enumerates the OpenCL platforms and devices once per process and reads the facts the ABI reports.
#include "opencl/device.h"

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "opencl/loader.h"

namespace cnn::opencl {

namespace {

std::string code_text(cl_int code) { return std::string(error_name(code)) + " (" + std::to_string(code) + ")"; }

[[noreturn]] void fail_enumeration(cl_int code, const std::string& what) {
  fail(CNN_DEVICE_ERROR, what + " failed while listing OpenCL devices: " + code_text(code));
}

// A text property through a clGet*Info call `get(size, value, size_ret)`: its size first, then the text, without
// the trailing NUL and the spaces some drivers pad with.
template <class Get>
std::string info_text(Get get, const char* what) {
  size_t size = 0;
  cl_int code = get(0, nullptr, &size);
  if (code != CL_SUCCESS) fail_enumeration(code, what);
  std::string text(size, '\0');
  code = get(size, text.data(), nullptr);
  if (code != CL_SUCCESS) fail_enumeration(code, what);
  while (!text.empty() && (text.back() == '\0' || text.back() == ' ')) text.pop_back();
  return text;
}

std::string platform_text(const Api& cl, cl_platform_id platform, cl_platform_info param) {
  return info_text([&](size_t size, void* value, size_t* size_ret) {
    return cl.GetPlatformInfo(platform, param, size, value, size_ret);
  }, "clGetPlatformInfo");
}

std::string device_text(const Api& cl, cl_device_id device, cl_device_info param) {
  return info_text([&](size_t size, void* value, size_t* size_ret) {
    return cl.GetDeviceInfo(device, param, size, value, size_ret);
  }, "clGetDeviceInfo");
}

template <class T>
T device_value(const Api& cl, cl_device_id device, cl_device_info param) {
  T value{};
  cl_int code = cl.GetDeviceInfo(device, param, sizeof(T), &value, nullptr);
  if (code != CL_SUCCESS) fail_enumeration(code, "clGetDeviceInfo");
  return value;
}

bool has_extension(const std::string& extensions, const std::string& name) {
  for (size_t at = extensions.find(name); at != std::string::npos; at = extensions.find(name, at + 1)) {
    bool starts = at == 0 || extensions[at - 1] == ' ';
    size_t end = at + name.size();
    if (starts && (end == extensions.size() || extensions[end] == ' ')) return true;
  }
  return false;
}

const char* type_name(cl_device_type type) {
  if (type & CL_DEVICE_TYPE_GPU) return "GPU";
  if (type & CL_DEVICE_TYPE_CPU) return "CPU";
  if (type & CL_DEVICE_TYPE_ACCELERATOR) return "accelerator";
  return "other";
}

DeviceInfo read_device(const Api& cl, cl_platform_id platform, const std::string& platform_name, cl_device_id id,
                       int32_t index) {
  DeviceInfo d;
  d.index = index;
  d.platform = platform;
  d.id = id;
  d.platform_name = platform_name;
  d.name = device_text(cl, id, CL_DEVICE_NAME);
  d.vendor = device_text(cl, id, CL_DEVICE_VENDOR);
  d.version = device_text(cl, id, CL_DEVICE_VERSION);
  d.driver_version = device_text(cl, id, CL_DRIVER_VERSION);
  d.type = device_value<cl_device_type>(cl, id, CL_DEVICE_TYPE);
  d.compute_units = static_cast<int32_t>(device_value<cl_uint>(cl, id, CL_DEVICE_MAX_COMPUTE_UNITS));
  d.native_float_width = static_cast<int32_t>(device_value<cl_uint>(cl, id, CL_DEVICE_NATIVE_VECTOR_WIDTH_FLOAT));
  d.global_memory_bytes = device_value<cl_ulong>(cl, id, CL_DEVICE_GLOBAL_MEM_SIZE);
  d.local_memory_bytes = device_value<cl_ulong>(cl, id, CL_DEVICE_LOCAL_MEM_SIZE);
  d.max_allocation_bytes = device_value<cl_ulong>(cl, id, CL_DEVICE_MAX_MEM_ALLOC_SIZE);
  d.max_work_group_size = device_value<size_t>(cl, id, CL_DEVICE_MAX_WORK_GROUP_SIZE);
  // At least 3 dimensions by the standard; a device may have more, and the query needs room for all of them.
  const cl_uint dims = device_value<cl_uint>(cl, id, CL_DEVICE_MAX_WORK_ITEM_DIMENSIONS);
  std::vector<size_t> sizes(dims < 3 ? 3 : dims, 1);
  cl_int code = cl.GetDeviceInfo(id, CL_DEVICE_MAX_WORK_ITEM_SIZES, dims * sizeof(size_t), sizes.data(), nullptr);
  if (code != CL_SUCCESS) fail_enumeration(code, "clGetDeviceInfo(CL_DEVICE_MAX_WORK_ITEM_SIZES)");
  for (size_t i = 0; i < 3; ++i) d.max_work_item_sizes[i] = sizes[i];
  std::string extensions = device_text(cl, id, CL_DEVICE_EXTENSIONS);
  d.fp16 = has_extension(extensions, "cl_khr_fp16");
  d.fp64 = has_extension(extensions, "cl_khr_fp64");
  return d;
}

DeviceList enumerate() {
  const Api& cl = api();
  DeviceList list;
  cl_uint platform_count = 0;
  cl_int code = cl.GetPlatformIDs(0, nullptr, &platform_count);
  // The ICD loader answers CL_PLATFORM_NOT_FOUND_KHR when no driver is installed: an empty list.
  if (code == -1001 || (code == CL_SUCCESS && platform_count == 0)) return list;
  if (code != CL_SUCCESS) fail_enumeration(code, "clGetPlatformIDs");
  std::vector<cl_platform_id> platforms(platform_count);
  code = cl.GetPlatformIDs(platform_count, platforms.data(), nullptr);
  if (code != CL_SUCCESS) fail_enumeration(code, "clGetPlatformIDs");
  for (cl_platform_id platform : platforms) {
    std::string platform_name = platform_text(cl, platform, CL_PLATFORM_NAME);
    list.platforms.push_back(platform_name);
    cl_uint device_count = 0;
    code = cl.GetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, 0, nullptr, &device_count);
    if (code == CL_DEVICE_NOT_FOUND || device_count == 0) continue;
    if (code != CL_SUCCESS) fail_enumeration(code, "clGetDeviceIDs");
    std::vector<cl_device_id> ids(device_count);
    code = cl.GetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, device_count, ids.data(), nullptr);
    if (code != CL_SUCCESS) fail_enumeration(code, "clGetDeviceIDs");
    for (cl_device_id id : ids)
      list.devices.push_back(read_device(cl, platform, platform_name, id, static_cast<int32_t>(list.devices.size())));
  }
  return list;
}

}  // namespace

std::string DeviceInfo::describe() const {
  return "OpenCL #" + std::to_string(index) + " '" + name + "' of platform '" + platform_name + "'";
}

std::string DeviceList::summary() const {
  if (devices.empty()) {
    std::string text = "no OpenCL device found (platforms: ";
    if (platforms.empty()) text += "none; install a driver such as pocl-opencl-icd";
    for (size_t i = 0; i < platforms.size(); ++i) text += (i ? ", '" : "'") + platforms[i] + "'";
    return text + ")";
  }
  std::string text = std::to_string(devices.size()) + (devices.size() == 1 ? " OpenCL device" : " OpenCL devices") +
                     " found: ";
  for (size_t i = 0; i < devices.size(); ++i) {
    const DeviceInfo& d = devices[i];
    text += (i ? "; #" : "#") + std::to_string(d.index) + " '" + d.name + "' (" + type_name(d.type) + ") of '" +
            d.platform_name + "'";
  }
  return text;
}

const DeviceList& devices() {
  // Kept after the first success only, so a failure (say, a driver busy at start-up) can be retried. Never
  // destroyed: runtimes refer to their DeviceInfo and cnn_device_string hands out its strings until exit,
  // also while other static objects are torn down.
  static std::mutex mutex;
  static auto* list = new std::optional<DeviceList>();
  std::lock_guard<std::mutex> lock(mutex);
  if (!*list) *list = enumerate();
  return **list;
}

const DeviceInfo& device(int32_t index) {
  const DeviceList& list = devices();
  if (index < 0 || static_cast<size_t>(index) >= list.devices.size())
    fail(CNN_INVALID_ARGUMENT, "OpenCL device index " + std::to_string(index) + " is out of range: " + list.summary());
  return list.devices[static_cast<size_t>(index)];
}

void check(cl_int code, const std::string& what, const DeviceInfo& device) {
  if (code == CL_SUCCESS) return;
  cnn_status status = code == CL_MEM_OBJECT_ALLOCATION_FAILURE || code == CL_OUT_OF_HOST_MEMORY
                          ? CNN_OUT_OF_MEMORY
                          : CNN_DEVICE_ERROR;
  fail(status, what + " failed on " + device.describe() + ": " + code_text(code));
}

}  // namespace cnn::opencl
