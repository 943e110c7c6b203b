// One OpenCL device in use: its cl_context, an in-order command queue, the programs built from the embedded
// kernel files, and device buffers. Shared (shared_ptr) by every cnn_context on the device and by every
// buffer allocated there, so tensors move freely between contexts of one device and a tensor outliving its
// context still reads back. Thread-safe: kernel arguments are set and enqueued under one lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "opencl/cl.h"
#include "opencl/device.h"
#include "opencl/loader.h"

namespace cnn::opencl {

class Runtime : public std::enable_shared_from_this<Runtime> {
 public:
  // The runtime of device `index` (see devices()), created on first use and kept while anything holds it.
  static std::shared_ptr<Runtime> for_device(int32_t index);

  explicit Runtime(const DeviceInfo& device);  // use for_device(); public for make_shared
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  const DeviceInfo& device() const { return device_; }
  std::string describe() const { return device_.describe(); }
  const Api& cl() const { return cl_; }
  cl_context context() const { return context_; }
  cl_command_queue queue() const { return queue_; }

  // Kernel `kernel_name` of the embedded file `file` ("sgemm" for kernels/sgemm.cl) built with `options`;
  // built once per (file, options) and kept for the runtime's life. A failed build throws CNN_DEVICE_ERROR
  // with the compiler's log.
  cl_kernel kernel(std::string_view file, const std::string& options, const char* kernel_name);
  // Builds `source` as if it were kernels/<file>.cl, uncached: the error path tests use with a broken source.
  cl_program build(std::string_view file, std::string_view source, const std::string& options);

  // Sets the arguments (cl_mem, cl_int, cl_long, cl_float values, in order) and enqueues `kernel` over
  // `global` work-items in work-groups of `local` (nullptr lets the driver choose), atomically with respect to
  // other launches. Asynchronous: the in-order queue orders it before later reads.
  template <class... Args>
  void launch(cl_kernel kernel, const char* name, cl_uint dims, const size_t* global, const size_t* local,
              const Args&... args) {
    std::lock_guard<std::mutex> lock(launch_mutex_);
    cl_uint index = 0;
    (set_arg(kernel, name, index++, sizeof(Args), &args), ...);
    enqueue(kernel, name, dims, global, local);
  }

  // Waits until every command queued so far has finished (clFinish).
  void finish();

  // Kernel time per launch name, for profiling: recorded only when the environment variable CNN_OPENCL_PROFILE is
  // 1 as the runtime is created (the queue then takes CL_QUEUE_PROFILING_ENABLE and every launch an event).
  struct KernelTime {
    std::string name;
    int64_t launches = 0;
    double milliseconds = 0.0;  // sum of CL_PROFILING_COMMAND_END - START
  };
  bool profiling() const { return profiling_; }
  // Waits for the queue, then returns the times since the last call (sorted by time, largest first) and resets.
  std::vector<KernelTime> take_profile();

  // Scratch memory pool (see Scratch below): a buffer of at least `floats` floats, its capacity in *capacity, and
  // its return. Thread-safe.
  cl_mem take_scratch(size_t floats, size_t* capacity);
  void give_back_scratch(cl_mem mem, size_t capacity);

  // Fails with a message naming `what` and this device when code is not CL_SUCCESS.
  void check(cl_int code, const std::string& what) const { opencl::check(code, what, device_); }

 private:
  struct Program {
    cl_program program = nullptr;
    std::map<std::string, cl_kernel, std::less<>> kernels;
  };
  void set_arg(cl_kernel kernel, const char* name, cl_uint index, size_t size, const void* value);
  void enqueue(cl_kernel kernel, const char* name, cl_uint dims, const size_t* global, const size_t* local);

  const DeviceInfo& device_;
  const Api& cl_;
  cl_context context_ = nullptr;
  cl_command_queue queue_ = nullptr;
  std::mutex programs_mutex_;
  std::map<std::string, Program, std::less<>> programs_;  // key: file + '\n' + options
  std::mutex launch_mutex_;
  // Launches since the queue last drained (guarded by launch_mutex_). Ops release their scratch buffers right
  // after enqueueing, but the driver keeps them until the kernels have run, so a caller that never reads back
  // (e.g. a loop of device-to-device forward passes) would grow memory without bound: every
  // kMaxPendingLaunches launches the queue is drained.
  uint32_t pending_launches_ = 0;
  bool profiling_ = false;
  // Scratch buffers given back and not yet taken again, and their total; raw handles, not Buffers, so that the pool
  // holds no reference to its own runtime.
  struct FreeScratch {
    cl_mem mem;
    size_t capacity;  // floats
  };
  std::mutex scratch_mutex_;
  std::vector<FreeScratch> free_scratch_;
  size_t free_scratch_floats_ = 0;
  std::vector<std::pair<const char*, cl_event>> profiled_;  // guarded by launch_mutex_; names are literals
  static constexpr uint32_t kMaxPendingLaunches = 256;
};

// Device memory of `count` floats, zero-filled at creation (tensors) or left as is (scratch every op overwrites
// before reading), released with the last owner. Reads and writes through host buffers block until done, so
// the caller's buffer is never kept after the call.
class Buffer {
 public:
  enum class Contents { Zero, Unspecified };
  // CNN_OUT_OF_MEMORY when the device cannot hold it.
  Buffer(std::shared_ptr<Runtime> runtime, size_t count, Contents contents = Contents::Zero);
  ~Buffer();
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  cl_mem mem() const { return mem_; }
  size_t count() const { return count_; }
  Runtime& runtime() const { return *runtime_; }
  const std::shared_ptr<Runtime>& shared_runtime() const { return runtime_; }

  void write(const float* src);  // count() floats from the host
  void read(float* dst) const;   // count() floats to the host

 private:
  std::shared_ptr<Runtime> runtime_;
  cl_mem mem_ = nullptr;
  size_t count_ = 0;
};

// Device memory an op needs only while it enqueues its kernels (im2col's col, a GEMM's output before a layout
// change), taken from the runtime's pool and given back when this goes out of scope. A fresh clCreateBuffer costs
// PoCL 1-3 ms per 8 MiB (pages mapped and zeroed on first touch) against ~0 for a reused one. Giving back without
// waiting is safe: the queue is in order, so the commands that use the buffer run before those of any later op that
// takes it again. Contents are unspecified.
class Scratch {
 public:
  Scratch(Runtime& runtime, size_t floats) : runtime_(runtime), mem_(runtime.take_scratch(floats, &capacity_)) {}
  ~Scratch() { runtime_.give_back_scratch(mem_, capacity_); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;

  cl_mem mem() const { return mem_; }

 private:
  Runtime& runtime_;
  size_t capacity_ = 0;
  cl_mem mem_ = nullptr;
};

}  // namespace cnn::opencl
