// The one include of the Khronos OpenCL headers (Debian opencl-headers). CL_TARGET_OPENCL_VERSION 120 keeps
// every call we make inside OpenCL 1.2, so the library runs on any 1.2+ driver (AMD, Intel, NVIDIA, PoCL).
#pragma once

#ifndef CL_TARGET_OPENCL_VERSION
#define CL_TARGET_OPENCL_VERSION 120
#endif
#include <CL/cl.h>
