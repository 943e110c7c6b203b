// The OpenCL entry points, reached through the Khronos ICD loader (libOpenCL.so.1) opened at run time with
// dlopen. The library never links against OpenCL, so it loads and runs on the CPU on machines without it;
// only the device functions fail, with a message that says what to install.
#pragma once

#include "opencl/cl.h"

namespace cnn::opencl {

// One pointer per entry point we call; filled once per process by api().
struct Api {
  decltype(&::clGetPlatformIDs) GetPlatformIDs;
  decltype(&::clGetPlatformInfo) GetPlatformInfo;
  decltype(&::clGetDeviceIDs) GetDeviceIDs;
  decltype(&::clGetDeviceInfo) GetDeviceInfo;
  decltype(&::clCreateContext) CreateContext;
  decltype(&::clReleaseContext) ReleaseContext;
  decltype(&::clCreateCommandQueue) CreateCommandQueue;
  decltype(&::clReleaseCommandQueue) ReleaseCommandQueue;
  decltype(&::clCreateBuffer) CreateBuffer;
  decltype(&::clReleaseMemObject) ReleaseMemObject;
  decltype(&::clEnqueueReadBuffer) EnqueueReadBuffer;
  decltype(&::clEnqueueWriteBuffer) EnqueueWriteBuffer;
  decltype(&::clEnqueueCopyBuffer) EnqueueCopyBuffer;
  decltype(&::clEnqueueFillBuffer) EnqueueFillBuffer;
  decltype(&::clCreateProgramWithSource) CreateProgramWithSource;
  decltype(&::clBuildProgram) BuildProgram;
  decltype(&::clGetProgramBuildInfo) GetProgramBuildInfo;
  decltype(&::clReleaseProgram) ReleaseProgram;
  decltype(&::clCreateKernel) CreateKernel;
  decltype(&::clReleaseKernel) ReleaseKernel;
  decltype(&::clSetKernelArg) SetKernelArg;
  decltype(&::clGetKernelWorkGroupInfo) GetKernelWorkGroupInfo;
  decltype(&::clEnqueueNDRangeKernel) EnqueueNDRangeKernel;
  decltype(&::clFinish) Finish;
  decltype(&::clGetEventProfilingInfo) GetEventProfilingInfo;  // CNN_OPENCL_PROFILE only
  decltype(&::clReleaseEvent) ReleaseEvent;
};

// The loaded entry points. Throws CNN_UNSUPPORTED "OpenCL ICD loader libOpenCL.so.1 not found: install ..."
// when the loader is missing, or names the missing symbol when the loader is older than OpenCL 1.2. The
// outcome is decided once per process (the loader stays loaded until exit: drivers do not unload cleanly).
const Api& api();

// "CL_OUT_OF_RESOURCES" for a code, "unknown OpenCL error" for one this table lacks; check() adds the number.
const char* error_name(cl_int code);

}  // namespace cnn::opencl
