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
#include <string>

namespace cnn {

// Ops check every tensor against the context's device with require_same_device (core/context.h), which
// also tells two OpenCL devices apart and names them.
enum class DeviceType { Cpu = 0, OpenCL = 1 };

namespace opencl {
class Buffer;
class Runtime;
}  // namespace opencl

// CPU storage has host memory (data); OpenCL storage has a device buffer and data == nullptr, so no CPU
// kernel can reach device memory: cnn_tensor::data() throws for it instead.
struct Storage {
  DeviceType device = DeviceType::Cpu;
  float* data = nullptr;  // 64-byte aligned host memory; null for device storage
  size_t count = 0;       // floats
  std::unique_ptr<opencl::Buffer> buffer;  // the device memory of OpenCL storage
  explicit Storage(size_t count);  // CPU; throws CNN_OUT_OF_MEMORY on overflow or failure
  Storage(size_t count, std::shared_ptr<opencl::Runtime> runtime);  // zero-filled buffer on that device
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  // The OpenCL device this storage lives on; null for CPU storage.
  opencl::Runtime* runtime() const;
  // "device 0 (CPU)", "device 1 (OpenCL #0 'pthread-haswell' of platform 'Portable Computing Language')".
  std::string describe() const;
};

// Throws CNN_UNSUPPORTED: tensor `t` lives in device memory, which a CPU kernel cannot read.
[[noreturn]] void fail_not_in_host_memory(const cnn_tensor& t);

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
  // Host memory for CPU kernels. Throws CNN_UNSUPPORTED for a tensor in device memory: every CPU op reaches
  // tensor memory only through here, so an op without a kernel for the device fails instead of crashing.
  float* data() const {
    if (storage->data == nullptr) cnn::fail_not_in_host_memory(*this);
    return storage->data;
  }
  cnn::DeviceType device() const { return storage->device; }
};

namespace cnn {

// Argument checks shared by the api shims; each throws cnn::Error naming `name` and the shape.
const cnn_tensor& require_tensor(const cnn_tensor* t, const char* name);             // not null
const cnn_tensor& require_rank(const cnn_tensor* t, const char* name, size_t rank);  // not null, rank
std::string shape_string(const cnn_tensor& t);

}  // namespace cnn
