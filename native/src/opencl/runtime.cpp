// Per-device OpenCL state (context, queue, program cache, launches) and device buffers.
#include "opencl/runtime.h"

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/error.h"
#include "opencl/kernel_sources.h"

namespace cnn::opencl {

namespace {

// The pool keeps at most this many floats of free scratch (64 MiB): the reference network needs about 40 MiB at
// batch 64 on a CPU device; beyond the cap, given-back buffers are released.
constexpr size_t kMaxFreeScratchFloats = size_t{1} << 24;

std::string program_key(std::string_view file, const std::string& options) {
  return std::string(file) + '\n' + options;
}

}  // namespace

std::string_view kernel_source(std::string_view file) {
  for (const KernelSource& source : kernel_sources())
    if (source.file == file) return source.text;
  fail(CNN_INTERNAL, "OpenCL kernel file kernels/" + std::string(file) + ".cl was not embedded into this build");
}

std::shared_ptr<Runtime> Runtime::for_device(int32_t index) {
  const DeviceInfo& info = opencl::device(index);
  static std::mutex mutex;
  static std::map<int32_t, std::weak_ptr<Runtime>> runtimes;
  std::lock_guard<std::mutex> lock(mutex);
  std::shared_ptr<Runtime> runtime = runtimes[index].lock();
  if (!runtime) {
    runtime = std::make_shared<Runtime>(info);
    runtimes[index] = runtime;
  }
  return runtime;
}

Runtime::Runtime(const DeviceInfo& device) : device_(device), cl_(api()) {
  const cl_context_properties properties[] = {CL_CONTEXT_PLATFORM,
                                              reinterpret_cast<cl_context_properties>(device.platform), 0};
  cl_int code = CL_SUCCESS;
  context_ = cl_.CreateContext(properties, 1, &device.id, nullptr, nullptr, &code);
  check(code, "clCreateContext");
  const char* profile = std::getenv("CNN_OPENCL_PROFILE");
  profiling_ = profile != nullptr && std::string_view(profile) == "1";
  queue_ = cl_.CreateCommandQueue(context_, device.id, profiling_ ? CL_QUEUE_PROFILING_ENABLE : 0, &code);
  if (code != CL_SUCCESS) {
    cl_.ReleaseContext(context_);
    check(code, "clCreateCommandQueue");
  }
}

Runtime::~Runtime() {
  // Work still queued (a kernel writing a buffer nobody reads) finishes before its objects go.
  cl_.Finish(queue_);
  for (auto& [name, event] : profiled_) cl_.ReleaseEvent(event);
  for (const FreeScratch& free : free_scratch_) cl_.ReleaseMemObject(free.mem);
  for (auto& [key, program] : programs_) {
    for (auto& [name, kernel] : program.kernels) cl_.ReleaseKernel(kernel);
    cl_.ReleaseProgram(program.program);
  }
  cl_.ReleaseCommandQueue(queue_);
  cl_.ReleaseContext(context_);
}

cl_program Runtime::build(std::string_view file, std::string_view source, const std::string& options) {
  const char* text = source.data();
  const size_t length = source.size();
  cl_int code = CL_SUCCESS;
  cl_program program = cl_.CreateProgramWithSource(context_, 1, &text, &length, &code);
  check(code, "clCreateProgramWithSource(kernels/" + std::string(file) + ".cl)");
  code = cl_.BuildProgram(program, 1, &device_.id, options.c_str(), nullptr, nullptr);
  if (code == CL_SUCCESS) return program;

  size_t log_size = 0;
  std::string log;
  if (cl_.GetProgramBuildInfo(program, device_.id, CL_PROGRAM_BUILD_LOG, 0, nullptr, &log_size) == CL_SUCCESS) {
    log.resize(log_size);
    if (cl_.GetProgramBuildInfo(program, device_.id, CL_PROGRAM_BUILD_LOG, log_size, log.data(), nullptr) !=
        CL_SUCCESS)
      log.clear();
    while (!log.empty() && (log.back() == '\0' || log.back() == '\n' || log.back() == ' ')) log.pop_back();
  }
  cl_.ReleaseProgram(program);
  fail(CNN_DEVICE_ERROR, "building OpenCL kernel file kernels/" + std::string(file) + ".cl (options '" + options +
                             "') failed on " + describe() + ": " + error_name(code) + " (" + std::to_string(code) +
                             "); build log:\n" + (log.empty() ? "(the driver gave no log)" : log));
}

cl_kernel Runtime::kernel(std::string_view file, const std::string& options, const char* kernel_name) {
  std::lock_guard<std::mutex> lock(programs_mutex_);
  const std::string key = program_key(file, options);
  auto found = programs_.find(key);
  if (found == programs_.end()) {
    Program program;
    program.program = build(file, kernel_source(file), options);
    found = programs_.emplace(key, std::move(program)).first;
  }
  Program& program = found->second;
  auto kernel = program.kernels.find(kernel_name);
  if (kernel != program.kernels.end()) return kernel->second;
  cl_int code = CL_SUCCESS;
  cl_kernel created = cl_.CreateKernel(program.program, kernel_name, &code);
  check(code, std::string("clCreateKernel(") + kernel_name + " in kernels/" + std::string(file) + ".cl)");
  program.kernels.emplace(kernel_name, created);
  return created;
}

void Runtime::set_arg(cl_kernel kernel, const char* name, cl_uint index, size_t size, const void* value) {
  check(cl_.SetKernelArg(kernel, index, size, value),
        std::string("clSetKernelArg(") + name + ", argument " + std::to_string(index) + ")");
}

void Runtime::enqueue(cl_kernel kernel, const char* name, cl_uint dims, const size_t* global, const size_t* local) {
  cl_event event = nullptr;
  check(
      cl_.EnqueueNDRangeKernel(queue_, kernel, dims, nullptr, global, local, 0, nullptr, profiling_ ? &event : nullptr),
      std::string("clEnqueueNDRangeKernel(") + name + ")");
  if (event != nullptr) profiled_.emplace_back(name, event);
  if (++pending_launches_ >= kMaxPendingLaunches) {
    check(cl_.Finish(queue_), "clFinish (draining the queue after " + std::to_string(kMaxPendingLaunches) + " launches)");
    pending_launches_ = 0;
  }
}

void Runtime::finish() {
  std::lock_guard<std::mutex> lock(launch_mutex_);
  check(cl_.Finish(queue_), "clFinish");
  pending_launches_ = 0;
}

cl_mem Runtime::take_scratch(size_t floats, size_t* capacity) {
  floats = std::max<size_t>(floats, 1);
  {
    // The smallest free buffer that holds `floats`, if it is not more than twice as large.
    std::lock_guard<std::mutex> lock(scratch_mutex_);
    auto best = free_scratch_.end();
    for (auto it = free_scratch_.begin(); it != free_scratch_.end(); ++it)
      if (it->capacity >= floats && it->capacity / 2 <= floats &&
          (best == free_scratch_.end() || it->capacity < best->capacity))
        best = it;
    if (best != free_scratch_.end()) {
      const FreeScratch found = *best;
      free_scratch_.erase(best);
      free_scratch_floats_ -= found.capacity;
      *capacity = found.capacity;
      return found.mem;
    }
  }
  const uint64_t bytes = static_cast<uint64_t>(floats) * sizeof(float);
  if (bytes > device_.max_allocation_bytes)
    fail(CNN_OUT_OF_MEMORY, "scratch of " + std::to_string(floats) + " floats (" + std::to_string(bytes) +
                                " bytes) exceeds the largest single allocation of " + describe() + " (" +
                                std::to_string(device_.max_allocation_bytes) + " bytes)");
  cl_int code = CL_SUCCESS;
  cl_mem mem = cl_.CreateBuffer(context_, CL_MEM_READ_WRITE, bytes, nullptr, &code);
  check(code, "allocating " + std::to_string(bytes) + " bytes of scratch (clCreateBuffer)");
  *capacity = floats;
  return mem;
}

void Runtime::give_back_scratch(cl_mem mem, size_t capacity) {
  std::vector<cl_mem> released;
  {
    std::lock_guard<std::mutex> lock(scratch_mutex_);
    free_scratch_.push_back({mem, capacity});
    free_scratch_floats_ += capacity;
    // Over the cap: release the oldest buffers first (the front of the list).
    while (free_scratch_floats_ > kMaxFreeScratchFloats && !free_scratch_.empty()) {
      free_scratch_floats_ -= free_scratch_.front().capacity;
      released.push_back(free_scratch_.front().mem);
      free_scratch_.erase(free_scratch_.begin());
    }
  }
  for (cl_mem m : released) cl_.ReleaseMemObject(m);
}

std::vector<Runtime::KernelTime> Runtime::take_profile() {
  std::lock_guard<std::mutex> lock(launch_mutex_);
  check(cl_.Finish(queue_), "clFinish");
  pending_launches_ = 0;
  std::map<std::string, KernelTime> by_name;
  for (auto& [name, event] : profiled_) {
    cl_ulong start = 0, end = 0;
    check(cl_.GetEventProfilingInfo(event, CL_PROFILING_COMMAND_START, sizeof(start), &start, nullptr),
          "clGetEventProfilingInfo");
    check(cl_.GetEventProfilingInfo(event, CL_PROFILING_COMMAND_END, sizeof(end), &end, nullptr),
          "clGetEventProfilingInfo");
    cl_.ReleaseEvent(event);
    KernelTime& t = by_name[name];
    t.name = name;
    ++t.launches;
    t.milliseconds += static_cast<double>(end - start) * 1e-6;
  }
  profiled_.clear();
  std::vector<KernelTime> times;
  for (auto& [name, t] : by_name) times.push_back(t);
  std::sort(times.begin(), times.end(),
            [](const KernelTime& a, const KernelTime& b) { return a.milliseconds > b.milliseconds; });
  return times;
}

Buffer::Buffer(std::shared_ptr<Runtime> runtime, size_t count, Contents contents)
    : runtime_(std::move(runtime)), count_(count) {
  const DeviceInfo& device = runtime_->device();
  const uint64_t bytes = static_cast<uint64_t>(count) * sizeof(float);
  if (bytes > device.max_allocation_bytes)
    fail(CNN_OUT_OF_MEMORY, "a tensor of " + std::to_string(count) + " floats (" + std::to_string(bytes) +
                                " bytes) exceeds the largest single allocation of " + device.describe() + " (" +
                                std::to_string(device.max_allocation_bytes) + " bytes)");
  const Api& cl = runtime_->cl();
  cl_int code = CL_SUCCESS;
  mem_ = cl.CreateBuffer(runtime_->context(), CL_MEM_READ_WRITE, bytes, nullptr, &code);
  runtime_->check(code, "allocating " + std::to_string(bytes) + " bytes (clCreateBuffer)");
  if (contents == Contents::Unspecified) return;
  // Tensors start zero-filled on every device. Drivers may allocate lazily, so an out-of-memory can also
  // surface here rather than at clCreateBuffer.
  const cl_float zero = 0.0f;
  code = cl.EnqueueFillBuffer(runtime_->queue(), mem_, &zero, sizeof(zero), 0, bytes, 0, nullptr, nullptr);
  if (code != CL_SUCCESS) {
    cl.ReleaseMemObject(mem_);
    runtime_->check(code, "zero-filling " + std::to_string(bytes) + " bytes (clEnqueueFillBuffer)");
  }
}

Buffer::~Buffer() { runtime_->cl().ReleaseMemObject(mem_); }

void Buffer::write(const float* src) {
  runtime_->check(runtime_->cl().EnqueueWriteBuffer(runtime_->queue(), mem_, CL_TRUE, 0, count_ * sizeof(float), src,
                                                    0, nullptr, nullptr),
                  "writing " + std::to_string(count_) + " floats to the device (clEnqueueWriteBuffer)");
}

void Buffer::read(float* dst) const {
  runtime_->check(runtime_->cl().EnqueueReadBuffer(runtime_->queue(), mem_, CL_TRUE, 0, count_ * sizeof(float), dst,
                                                   0, nullptr, nullptr),
                  "reading " + std::to_string(count_) + " floats from the device (clEnqueueReadBuffer)");
}

}  // namespace cnn::opencl
