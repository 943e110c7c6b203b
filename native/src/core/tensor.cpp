// Tensor storage (64-byte aligned, zero-filled) and the shape checks the api shims share.
#include "core/tensor.h"

#include <cstdint>
#include <cstring>
#include <limits>
#include <new>
#include <string>

#include "core/error.h"
#include "opencl/runtime.h"

namespace cnn {

namespace {

constexpr size_t kAlignment = 64;
// Kernels index with int64_t and allocations are rounded up to kAlignment, so the byte size of one
// tensor stays well below PTRDIFF_MAX.
constexpr size_t kMaxElements = (static_cast<size_t>(std::numeric_limits<std::ptrdiff_t>::max()) - kAlignment) /
                                sizeof(float);

}  // namespace

Storage::Storage(size_t floats) : count(floats) {
  if (floats == 0 || floats > kMaxElements)
    fail(CNN_OUT_OF_MEMORY, "cannot allocate " + std::to_string(floats) + " floats");
  size_t bytes = (floats * sizeof(float) + kAlignment - 1) / kAlignment * kAlignment;
  void* p = ::operator new(bytes, std::align_val_t{kAlignment}, std::nothrow);
  if (p == nullptr)
    fail(CNN_OUT_OF_MEMORY, "cannot allocate " + std::to_string(floats) + " floats (" + std::to_string(bytes) +
                                " bytes)");
  std::memset(p, 0, bytes);
  data = static_cast<float*>(p);
}

Storage::Storage(size_t floats, std::shared_ptr<opencl::Runtime> runtime) : device(DeviceType::OpenCL), count(floats) {
  if (floats == 0 || floats > kMaxElements)
    fail(CNN_OUT_OF_MEMORY, "cannot allocate " + std::to_string(floats) + " floats");
  buffer = std::make_unique<opencl::Buffer>(std::move(runtime), floats);
}

Storage::~Storage() {
  if (data != nullptr) ::operator delete(data, std::align_val_t{kAlignment});
}

opencl::Runtime* Storage::runtime() const { return buffer != nullptr ? &buffer->runtime() : nullptr; }

std::string Storage::describe() const {
  std::string text = "device " + std::to_string(static_cast<int>(device));
  if (device == DeviceType::Cpu) return text + " (CPU)";
  if (buffer != nullptr) return text + " (" + buffer->runtime().describe() + ")";
  return text;
}

void fail_not_in_host_memory(const cnn_tensor& t) {
  fail(CNN_UNSUPPORTED, "tensor " + shape_string(t) + " is in the memory of " + t.storage->describe() +
                            " and this op has no kernel for that device yet, so it cannot run there");
}

size_t checked_element_count(const int64_t* shape, size_t rank) {
  if (rank < 1 || rank > CNN_MAX_RANK)
    fail(CNN_INVALID_ARGUMENT,
         "rank " + std::to_string(rank) + " is outside 1.." + std::to_string(CNN_MAX_RANK));
  if (shape == nullptr) fail(CNN_INVALID_ARGUMENT, "shape is null but rank is " + std::to_string(rank));
  std::span<const int64_t> dims(shape, rank);
  for (size_t i = 0; i < rank; ++i) {
    if (dims[i] < 1)
      fail(CNN_INVALID_ARGUMENT, "shape " + shape_string(dims) + " has dimension " + std::to_string(i) + " = " +
                                     std::to_string(dims[i]) + "; every dimension must be >= 1");
  }
  size_t count = 1;
  for (size_t i = 0; i < rank; ++i) {
    size_t d = static_cast<size_t>(dims[i]);
    if (d > kMaxElements || count > kMaxElements / d)
      fail(CNN_OUT_OF_MEMORY, "shape " + shape_string(dims) + " has more elements than memory can hold (the product "
                                  "overflows at dimension " + std::to_string(i) + ", limit " +
                                  std::to_string(kMaxElements) + ")");
    count *= d;
  }
  return count;
}

const cnn_tensor& require_tensor(const cnn_tensor* t, const char* name) {
  if (t == nullptr) fail(CNN_INVALID_ARGUMENT, std::string(name) + " is null");
  return *t;
}

const cnn_tensor& require_rank(const cnn_tensor* t, const char* name, size_t rank) {
  const cnn_tensor& tensor = require_tensor(t, name);
  if (tensor.rank != rank)
    fail(CNN_SHAPE_MISMATCH, std::string(name) + " is " + shape_string(tensor) + " (rank " +
                                 std::to_string(tensor.rank) + ") but must have rank " + std::to_string(rank));
  return tensor;
}

std::string shape_string(const cnn_tensor& t) { return shape_string(t.shape()); }

}  // namespace cnn
