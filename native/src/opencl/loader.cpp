// Opens the Khronos ICD loader with dlopen and resolves the OpenCL 1.2 entry points we use, once per process.
#include "opencl/loader.h"

#include <dlfcn.h>

#include <mutex>
#include <string>

#include "core/error.h"

namespace cnn::opencl {

namespace {

constexpr const char* kLoaderName = "libOpenCL.so.1";

struct Loaded {
  Api api{};
  std::string error;  // empty when every entry point was found
};

template <class Fn>
bool resolve(void* handle, const char* name, Fn& slot, std::string& error) {
  slot = reinterpret_cast<Fn>(dlsym(handle, name));
  if (slot == nullptr && error.empty())
    error = std::string("OpenCL ICD loader ") + kLoaderName + " lacks " + name +
            ": it predates OpenCL 1.2; install a current ocl-icd-libopencl1";
  return slot != nullptr;
}

Loaded load() {
  Loaded out;
  // RTLD_LOCAL: the loader's symbols stay out of the global namespace, so they cannot clash with a host
  // application that links its own OpenCL. Never dlclose'd: ICD drivers keep threads and atexit handlers.
  void* handle = dlopen(kLoaderName, RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    out.error = std::string("OpenCL ICD loader ") + kLoaderName +
                " not found: install ocl-icd-libopencl1 and a driver such as pocl-opencl-icd (dlopen: " +
                dlerror() + ")";
    return out;
  }
  Api& a = out.api;
  std::string& e = out.error;
  resolve(handle, "clGetPlatformIDs", a.GetPlatformIDs, e);
  resolve(handle, "clGetPlatformInfo", a.GetPlatformInfo, e);
  resolve(handle, "clGetDeviceIDs", a.GetDeviceIDs, e);
  resolve(handle, "clGetDeviceInfo", a.GetDeviceInfo, e);
  resolve(handle, "clCreateContext", a.CreateContext, e);
  resolve(handle, "clReleaseContext", a.ReleaseContext, e);
  resolve(handle, "clCreateCommandQueue", a.CreateCommandQueue, e);
  resolve(handle, "clReleaseCommandQueue", a.ReleaseCommandQueue, e);
  resolve(handle, "clCreateBuffer", a.CreateBuffer, e);
  resolve(handle, "clReleaseMemObject", a.ReleaseMemObject, e);
  resolve(handle, "clEnqueueReadBuffer", a.EnqueueReadBuffer, e);
  resolve(handle, "clEnqueueWriteBuffer", a.EnqueueWriteBuffer, e);
  resolve(handle, "clEnqueueCopyBuffer", a.EnqueueCopyBuffer, e);
  resolve(handle, "clEnqueueFillBuffer", a.EnqueueFillBuffer, e);
  resolve(handle, "clCreateProgramWithSource", a.CreateProgramWithSource, e);
  resolve(handle, "clBuildProgram", a.BuildProgram, e);
  resolve(handle, "clGetProgramBuildInfo", a.GetProgramBuildInfo, e);
  resolve(handle, "clReleaseProgram", a.ReleaseProgram, e);
  resolve(handle, "clCreateKernel", a.CreateKernel, e);
  resolve(handle, "clReleaseKernel", a.ReleaseKernel, e);
  resolve(handle, "clSetKernelArg", a.SetKernelArg, e);
  resolve(handle, "clGetKernelWorkGroupInfo", a.GetKernelWorkGroupInfo, e);
  resolve(handle, "clEnqueueNDRangeKernel", a.EnqueueNDRangeKernel, e);
  resolve(handle, "clFinish", a.Finish, e);
  resolve(handle, "clGetEventProfilingInfo", a.GetEventProfilingInfo, e);
  resolve(handle, "clReleaseEvent", a.ReleaseEvent, e);
  return out;
}

}  // namespace

const Api& api() {
  // Thread-safe one-time initialisation; never destroyed, so a runtime released during static destruction
  // (a tensor freed by another static object) still finds its entry points.
  static const Loaded* loaded = new Loaded(load());
  if (!loaded->error.empty()) fail(CNN_UNSUPPORTED, loaded->error);
  return loaded->api;
}

const char* error_name(cl_int code) {
  switch (code) {
#define CNN_CL_ERROR(name) \
  case name:               \
    return #name;
    CNN_CL_ERROR(CL_DEVICE_NOT_FOUND)
    CNN_CL_ERROR(CL_DEVICE_NOT_AVAILABLE)
    CNN_CL_ERROR(CL_COMPILER_NOT_AVAILABLE)
    CNN_CL_ERROR(CL_MEM_OBJECT_ALLOCATION_FAILURE)
    CNN_CL_ERROR(CL_OUT_OF_RESOURCES)
    CNN_CL_ERROR(CL_OUT_OF_HOST_MEMORY)
    CNN_CL_ERROR(CL_PROFILING_INFO_NOT_AVAILABLE)
    CNN_CL_ERROR(CL_MEM_COPY_OVERLAP)
    CNN_CL_ERROR(CL_IMAGE_FORMAT_MISMATCH)
    CNN_CL_ERROR(CL_IMAGE_FORMAT_NOT_SUPPORTED)
    CNN_CL_ERROR(CL_BUILD_PROGRAM_FAILURE)
    CNN_CL_ERROR(CL_MAP_FAILURE)
    CNN_CL_ERROR(CL_MISALIGNED_SUB_BUFFER_OFFSET)
    CNN_CL_ERROR(CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST)
    CNN_CL_ERROR(CL_COMPILE_PROGRAM_FAILURE)
    CNN_CL_ERROR(CL_LINKER_NOT_AVAILABLE)
    CNN_CL_ERROR(CL_LINK_PROGRAM_FAILURE)
    CNN_CL_ERROR(CL_DEVICE_PARTITION_FAILED)
    CNN_CL_ERROR(CL_KERNEL_ARG_INFO_NOT_AVAILABLE)
    CNN_CL_ERROR(CL_INVALID_VALUE)
    CNN_CL_ERROR(CL_INVALID_DEVICE_TYPE)
    CNN_CL_ERROR(CL_INVALID_PLATFORM)
    CNN_CL_ERROR(CL_INVALID_DEVICE)
    CNN_CL_ERROR(CL_INVALID_CONTEXT)
    CNN_CL_ERROR(CL_INVALID_QUEUE_PROPERTIES)
    CNN_CL_ERROR(CL_INVALID_COMMAND_QUEUE)
    CNN_CL_ERROR(CL_INVALID_HOST_PTR)
    CNN_CL_ERROR(CL_INVALID_MEM_OBJECT)
    CNN_CL_ERROR(CL_INVALID_BINARY)
    CNN_CL_ERROR(CL_INVALID_BUILD_OPTIONS)
    CNN_CL_ERROR(CL_INVALID_PROGRAM)
    CNN_CL_ERROR(CL_INVALID_PROGRAM_EXECUTABLE)
    CNN_CL_ERROR(CL_INVALID_KERNEL_NAME)
    CNN_CL_ERROR(CL_INVALID_KERNEL_DEFINITION)
    CNN_CL_ERROR(CL_INVALID_KERNEL)
    CNN_CL_ERROR(CL_INVALID_ARG_INDEX)
    CNN_CL_ERROR(CL_INVALID_ARG_VALUE)
    CNN_CL_ERROR(CL_INVALID_ARG_SIZE)
    CNN_CL_ERROR(CL_INVALID_KERNEL_ARGS)
    CNN_CL_ERROR(CL_INVALID_WORK_DIMENSION)
    CNN_CL_ERROR(CL_INVALID_WORK_GROUP_SIZE)
    CNN_CL_ERROR(CL_INVALID_WORK_ITEM_SIZE)
    CNN_CL_ERROR(CL_INVALID_GLOBAL_OFFSET)
    CNN_CL_ERROR(CL_INVALID_EVENT_WAIT_LIST)
    CNN_CL_ERROR(CL_INVALID_EVENT)
    CNN_CL_ERROR(CL_INVALID_OPERATION)
    CNN_CL_ERROR(CL_INVALID_BUFFER_SIZE)
    CNN_CL_ERROR(CL_INVALID_GLOBAL_WORK_SIZE)
    CNN_CL_ERROR(CL_INVALID_PROPERTY)
#undef CNN_CL_ERROR
    case -1001:
      return "CL_PLATFORM_NOT_FOUND_KHR";
    default:
      return "unknown OpenCL error";
  }
}

}  // namespace cnn::opencl
