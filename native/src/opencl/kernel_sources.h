// The kernels/*.cl files, embedded into the library at build time: CMake runs embed_kernels.cmake, which
// writes every file into a generated .cpp as a string literal. Nothing is read from disk at run time.
#pragma once

#include <span>
#include <string_view>

namespace cnn::opencl {

struct KernelSource {
  std::string_view file;  // "sgemm" for kernels/sgemm.cl
  std::string_view text;
};

// Every embedded file (defined in the generated opencl_kernel_sources.cpp).
std::span<const KernelSource> kernel_sources();

// The text of kernels/<file>.cl; CNN_INTERNAL when the build did not embed it.
std::string_view kernel_source(std::string_view file);

}  // namespace cnn::opencl
