// The context: device, thread count and a reusable scratch arena. Ops take scratch through
// Context::scratch(); when another thread holds the arena the call gets a private buffer, so one
// context may serve many threads at once (read-only weights, per-call scratch, identical results).
#pragma once

#include <cnn/cnn.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "core/tensor.h"

namespace cnn {

// RAII scratch memory of at least `floats` floats, 64-byte aligned, contents unspecified.
class Scratch {
 public:
  Scratch(Scratch&& other) noexcept;
  Scratch& operator=(Scratch&&) = delete;
  Scratch(const Scratch&) = delete;
  ~Scratch();
  float* data() const { return data_; }

 private:
  friend struct ::cnn_context;
  Scratch(cnn_context* owner, float* data, bool owned) : owner_(owner), data_(data), owned_(owned) {}
  cnn_context* owner_;  // non-null while this scratch holds the context's arena
  float* data_;
  bool owned_;          // private buffer, freed on destruction
};

int hardware_threads();  // logical cores available to this process

// Threads for an element-wise or per-plane loop of `work` units: 1 below `min_work` (a parallel region
// costs more than it saves there), else the context's count. Loops whose items are independent give
// the same results whatever this returns.
int parallel_threads(const cnn_context& ctx, int64_t work, int64_t min_work);

// Ops run on the context's device, so every tensor must live there: the same device type and, for OpenCL,
// the same device. Throws CNN_INVALID_ARGUMENT naming the tensor and both devices, e.g.
// "x [4,3] is on device 1 (OpenCL #0 'pthread-haswell' of platform 'Portable Computing Language') but the
// context is on device 0 (CPU)". Every op shim calls it for each tensor argument.
void require_same_device(const cnn_context& context, const cnn_tensor& t, const char* name);

}  // namespace cnn

struct cnn_context {
  cnn::DeviceType device = cnn::DeviceType::Cpu;
  // The OpenCL device of an OpenCL context (null on the CPU); shared with its tensors' buffers.
  std::shared_ptr<cnn::opencl::Runtime> opencl;
  std::atomic<int32_t> threads{1};  // >= 1, resolved from 0 at creation / set_threads

  // Scratch for one op call; grows the arena when needed. Thread-safe.
  cnn::Scratch scratch(size_t floats);

  ~cnn_context();

  // "device 0 (CPU)" or "device 1 (OpenCL #0 '...' of platform '...')", as Storage::describe.
  std::string describe() const;

 private:
  friend class cnn::Scratch;
  std::atomic<bool> arena_busy{false};
  float* arena = nullptr;
  size_t arena_floats = 0;
};
