// Tensor storage and handles. A cnn_tensor is a handle (shape) over shared storage, so reshape views
// (flatten) cost nothing and the storage lives until its last handle is destroyed.
// Layout: float32, row-major, NCHW / OIHW; storage is 64-byte aligned and zero-filled.
#pragma once

#include <cnn/cnn.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace cnn {

enum class DeviceType { Cpu = 0 };  // OpenCL joins here; ops check tensors against the context's device

struct Storage {
  DeviceType device = DeviceType::Cpu;
  float* data = nullptr;  // 64-byte aligned
  size_t count = 0;       // floats
  explicit Storage(size_t count);  // throws CNN_OUT_OF_MEMORY on overflow or failure
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
};

// Validates rank (1..CNN_MAX_RANK), dims (>= 1) and that the product fits in size_t bytes;
// returns the element count. Error messages name the shape, e.g. "shape [3,-1] has dimension 1 = -1".
size_t checked_element_count(const int64_t* shape, size_t rank);

}  // namespace cnn

struct cnn_tensor {
  std::shared_ptr<cnn::Storage> storage;
  std::array<int64_t, CNN_MAX_RANK> dims{};
  size_t rank = 0;
  size_t count = 0;  // element count == product of dims

  std::span<const int64_t> shape() const { return {dims.data(), rank}; }
  int64_t dim(size_t i) const { return dims[i]; }
  float* data() const { return storage->data; }
  cnn::DeviceType device() const { return storage->device; }
};

namespace cnn {

// Argument checks shared by the api shims; each throws cnn::Error naming `name` and the shape.
const cnn_tensor& require_tensor(const cnn_tensor* t, const char* name);             // not null
const cnn_tensor& require_rank(const cnn_tensor* t, const char* name, size_t rank);  // not null, rank
std::string shape_string(const cnn_tensor& t);

}  // namespace cnn
