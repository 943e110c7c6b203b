# Writes every OpenCL kernel file into one C++ source as string literals, so the library carries its kernels
# and never reads them from disk (DESIGN: kernels embedded at build time, compiled once per device).
# Run by the build (see CMakeLists.txt) as: cmake -DKERNEL_DIR=<dir of *.cl> -DOUTPUT=<file.cpp> -P this file.
cmake_minimum_required(VERSION 3.25)

file(GLOB kernel_files "${KERNEL_DIR}/*.cl")
list(SORT kernel_files)
set(delimiter "CNNCL")  # raw-string delimiter; a kernel must not contain )CNNCL"
set(entries "")
foreach(path IN LISTS kernel_files)
  get_filename_component(name "${path}" NAME_WE)
  file(READ "${path}" text)
  string(FIND "${text}" ")${delimiter}\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${path} contains )${delimiter}\", which would end its embedded string early")
  endif()
  string(APPEND entries "    {\"${name}\", R\"${delimiter}(${text})${delimiter}\"},\n")
endforeach()

set(content "// Generated at build time by native/src/opencl/embed_kernels.cmake from native/src/opencl/kernels/*.cl.
// Do not edit: change the .cl files.
#include \"opencl/kernel_sources.h\"

namespace cnn::opencl {

namespace {
constexpr KernelSource kSources[] = {
${entries}};
}  // namespace

std::span<const KernelSource> kernel_sources() { return kSources; }

}  // namespace cnn::opencl
")
# Rewrite only on change, so an unchanged kernel set does not recompile the library.
if(EXISTS "${OUTPUT}")
  file(READ "${OUTPUT}" old)
  if(old STREQUAL content)
    return()
  endif()
endif()
file(WRITE "${OUTPUT}" "${content}")
