// The context's scratch arena: one 64-byte aligned buffer that grows to the largest request and is
// reused by every later op call. A call that finds the arena held by another thread gets a private
// buffer for its duration, so sharing a context between threads is safe and gives the same results.
#include "core/context.h"

#include <omp.h>

#include <new>
#include <string>
#include <thread>

#include "core/error.h"
#include "opencl/runtime.h"

namespace cnn {

namespace {

constexpr size_t kAlignment = 64;
constexpr size_t kMaxFloats = (static_cast<size_t>(PTRDIFF_MAX) - kAlignment) / sizeof(float);

float* allocate_floats(size_t floats) {
  if (floats == 0) floats = 1;
  if (floats > kMaxFloats) fail(CNN_OUT_OF_MEMORY, "scratch of " + std::to_string(floats) + " floats is too large");
  size_t bytes = (floats * sizeof(float) + kAlignment - 1) / kAlignment * kAlignment;
  void* p = ::operator new(bytes, std::align_val_t{kAlignment}, std::nothrow);
  if (p == nullptr)
    fail(CNN_OUT_OF_MEMORY, "cannot allocate scratch of " + std::to_string(floats) + " floats (" +
                                std::to_string(bytes) + " bytes)");
  return static_cast<float*>(p);
}

void free_floats(float* p) noexcept { ::operator delete(p, std::align_val_t{kAlignment}); }

}  // namespace

Scratch::Scratch(Scratch&& other) noexcept : owner_(other.owner_), data_(other.data_), owned_(other.owned_) {
  other.owner_ = nullptr;
  other.data_ = nullptr;
  other.owned_ = false;
}

Scratch::~Scratch() {
  if (owned_) free_floats(data_);
  if (owner_ != nullptr) owner_->arena_busy.store(false, std::memory_order_release);
}

int hardware_threads() {
  int n = omp_get_num_procs();
  if (n < 1) n = static_cast<int>(std::thread::hardware_concurrency());
  return n < 1 ? 1 : n;
}

int parallel_threads(const cnn_context& ctx, int64_t work, int64_t min_work) {
  if (work < min_work) return 1;
  int32_t threads = ctx.threads.load(std::memory_order_relaxed);
  return threads < 1 ? 1 : threads;
}

void require_same_device(const cnn_context& context, const cnn_tensor& t, const char* name) {
  if (t.device() == context.device && t.storage->runtime() == context.opencl.get()) return;
  fail(CNN_INVALID_ARGUMENT, std::string(name) + " " + shape_string(t) + " is on " + t.storage->describe() +
                                 " but the context is on " + context.describe());
}

}  // namespace cnn

std::string cnn_context::describe() const {
  std::string text = "device " + std::to_string(static_cast<int>(device));
  if (device == cnn::DeviceType::Cpu) return text + " (CPU)";
  if (opencl != nullptr) return text + " (" + opencl->describe() + ")";
  return text;
}

cnn::Scratch cnn_context::scratch(size_t floats) {
  bool expected = false;
  if (!arena_busy.compare_exchange_strong(expected, true, std::memory_order_acquire)) {
    // Another call holds the arena: this call gets its own buffer.
    return cnn::Scratch(nullptr, cnn::allocate_floats(floats), true);
  }
  if (arena_floats < floats) {
    try {
      // Grow by at least half, so a slowly rising sequence of requests does not reallocate each time.
      size_t grown = arena_floats + arena_floats / 2;
      size_t want = floats > grown ? floats : grown;
      float* bigger = nullptr;
      try {
        bigger = cnn::allocate_floats(want);
      } catch (const cnn::Error&) {
        bigger = cnn::allocate_floats(floats);
        want = floats;
      }
      cnn::free_floats(arena);
      arena = bigger;
      arena_floats = want;
    } catch (...) {
      arena_busy.store(false, std::memory_order_release);
      throw;
    }
  }
  return cnn::Scratch(this, arena, false);
}

cnn_context::~cnn_context() { cnn::free_floats(arena); }
