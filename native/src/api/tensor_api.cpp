// cnn_tensor_*: create, view (reshape), query, copy in/out, and the whole-tensor utilities (fill, copy,
// scale, sum of squares). Every tensor belongs to a device, taken from the context at creation: CPU tensors
// are host memory, OpenCL tensors a device buffer (copies in and out go through the queue, the utilities run
// as device commands and kernels). Every utility checks its tensors against the context's device.
#include <cnn/cnn.h>

#include <cstring>
#include <memory>
#include <string>

#include "api/guard.h"
#include "api/op_checks.h"
#include "core/context.h"
#include "core/error.h"
#include "core/tensor.h"
#include "kernels/kernels.h"
#include "opencl/ops.h"
#include "opencl/runtime.h"

namespace {

// A handle over `storage` with the validated shape.
cnn_tensor* new_handle(std::shared_ptr<cnn::Storage> storage, const int64_t* shape, size_t rank, size_t count) {
  auto handle = std::make_unique<cnn_tensor>();
  handle->storage = std::move(storage);
  for (size_t i = 0; i < rank; ++i) handle->dims[i] = shape[i];
  handle->rank = rank;
  handle->count = count;
  return handle.release();
}

// Host memory of a tensor that is neither a CPU tensor nor has a device buffer: none this library makes, so
// `why` names what the caller wanted.
void require_cpu(const cnn_tensor& t, const char* why) {
  if (t.device() != cnn::DeviceType::Cpu)
    cnn::fail(CNN_UNSUPPORTED, "tensor " + cnn::shape_string(t) + " is on " + t.storage->describe() + ", not the CPU; " +
                                   why);
}

void require_count(const cnn_tensor& t, size_t count) {
  if (count != t.count)
    cnn::fail(CNN_INVALID_ARGUMENT, "count " + std::to_string(count) + " != element count " +
                                        std::to_string(t.count) + " of tensor " + cnn::shape_string(t));
}

}  // namespace

extern "C" CNN_API cnn_status cnn_tensor_create(cnn_context* context, const int64_t* shape, size_t rank,
                                                cnn_tensor** out) {
  return CNN_GUARD({
    cnn::require_not_null(out, "out");
    *out = nullptr;
    cnn::require_not_null(context, "context");
    size_t count = cnn::checked_element_count(shape, rank);
    auto storage = context->opencl != nullptr ? std::make_shared<cnn::Storage>(count, context->opencl)
                                              : std::make_shared<cnn::Storage>(count);
    *out = new_handle(std::move(storage), shape, rank, count);
  });
}

// Never fails and leaves the thread's last error alone (safe in cleanup paths).
extern "C" CNN_API void cnn_tensor_destroy(cnn_tensor* tensor) {
  cnn::guarded_quiet([&] { delete tensor; });
}

extern "C" CNN_API cnn_status cnn_tensor_reshape(const cnn_tensor* tensor, const int64_t* shape, size_t rank,
                                                 cnn_tensor** out) {
  return CNN_GUARD({
    cnn::require_not_null(out, "out");
    *out = nullptr;
    const cnn_tensor& t = cnn::require_tensor(tensor, "tensor");
    size_t count = cnn::checked_element_count(shape, rank);
    if (count != t.count)
      cnn::fail(CNN_SHAPE_MISMATCH, "cannot view tensor " + cnn::shape_string(t) + " (" + std::to_string(t.count) +
                                        " elements) as " + cnn::shape_string(std::span<const int64_t>(shape, rank)) +
                                        " (" + std::to_string(count) + " elements)");
    *out = new_handle(t.storage, shape, rank, count);
  });
}

extern "C" CNN_API cnn_status cnn_tensor_rank(const cnn_tensor* tensor, size_t* out) {
  return CNN_GUARD({
    const cnn_tensor& t = cnn::require_tensor(tensor, "tensor");
    cnn::require_not_null(out, "out");
    *out = t.rank;
  });
}

extern "C" CNN_API cnn_status cnn_tensor_shape(const cnn_tensor* tensor, int64_t* shape, size_t capacity) {
  return CNN_GUARD({
    const cnn_tensor& t = cnn::require_tensor(tensor, "tensor");
    cnn::require_not_null(shape, "shape");
    if (capacity < t.rank)
      cnn::fail(CNN_INVALID_ARGUMENT, "capacity " + std::to_string(capacity) + " is smaller than the rank " +
                                          std::to_string(t.rank) + " of tensor " + cnn::shape_string(t));
    for (size_t i = 0; i < t.rank; ++i) shape[i] = t.dims[i];
  });
}

extern "C" CNN_API cnn_status cnn_tensor_element_count(const cnn_tensor* tensor, size_t* out) {
  return CNN_GUARD({
    const cnn_tensor& t = cnn::require_tensor(tensor, "tensor");
    cnn::require_not_null(out, "out");
    *out = t.count;
  });
}

extern "C" CNN_API cnn_status cnn_tensor_write(cnn_tensor* tensor, const float* src, size_t count) {
  return CNN_GUARD({
    const cnn_tensor& t = cnn::require_tensor(tensor, "tensor");
    cnn::require_not_null(src, "src");
    require_count(t, count);
    if (t.storage->buffer != nullptr) {
      t.storage->buffer->write(src);
    } else {
      require_cpu(t, "only CPU and OpenCL tensors are copied through host buffers");
      std::memcpy(t.data(), src, count * sizeof(float));
    }
  });
}

extern "C" CNN_API cnn_status cnn_tensor_read(const cnn_tensor* tensor, float* dst, size_t count) {
  return CNN_GUARD({
    const cnn_tensor& t = cnn::require_tensor(tensor, "tensor");
    cnn::require_not_null(dst, "dst");
    require_count(t, count);
    if (t.storage->buffer != nullptr) {
      t.storage->buffer->read(dst);
    } else {
      require_cpu(t, "only CPU and OpenCL tensors are copied through host buffers");
      std::memcpy(dst, t.data(), count * sizeof(float));
    }
  });
}

extern "C" CNN_API cnn_status cnn_tensor_data(cnn_tensor* tensor, float** out) {
  return CNN_GUARD({
    const cnn_tensor& t = cnn::require_tensor(tensor, "tensor");
    cnn::require_not_null(out, "out");
    *out = nullptr;
    require_cpu(t, "its memory is not host memory: copy it out with cnn_tensor_read");
    *out = t.data();
  });
}

// ---- tensor utilities: on the context's device (the active CPU kernel table, or OpenCL commands) ---------

extern "C" CNN_API cnn_status cnn_tensor_fill(cnn_context* context, cnn_tensor* tensor, float value) {
  return CNN_GUARD({
    cnn_context& ctx = cnn::require_context(context);
    const cnn_tensor& t = cnn::require_tensor(tensor, "tensor");
    cnn::require_same_device(ctx, t, "tensor");
    if (ctx.opencl != nullptr)
      cnn::opencl::fill(*ctx.opencl, t.storage->buffer->mem(), static_cast<int64_t>(t.count), value);
    else
      cnn::kernels().fill(ctx, static_cast<int64_t>(t.count), value, t.data());
  });
}

extern "C" CNN_API cnn_status cnn_tensor_copy(cnn_context* context, const cnn_tensor* src, cnn_tensor* dst) {
  return CNN_GUARD({
    cnn_context& ctx = cnn::require_context(context);
    const cnn_tensor& s = cnn::require_tensor(src, "src");
    const cnn_tensor& d = cnn::require_tensor(dst, "dst");
    cnn::require_same_device(ctx, s, "src");
    cnn::require_same_device(ctx, d, "dst");
    if (s.count != d.count)
      cnn::fail(CNN_SHAPE_MISMATCH, "src " + cnn::shape_string(s) + " has " + std::to_string(s.count) +
                                        " elements but dst " + cnn::shape_string(d) + " has " +
                                        std::to_string(d.count) + " elements; a copy needs equal element counts");
    // Views of one storage all start at its first element, so the same storage means the same elements:
    // nothing to do (src == dst, or a reshape of it).
    if (s.storage == d.storage) return;
    if (ctx.opencl != nullptr)
      cnn::opencl::copy(*ctx.opencl, s.storage->buffer->mem(), d.storage->buffer->mem(), static_cast<int64_t>(s.count));
    else
      std::memcpy(d.data(), s.data(), s.count * sizeof(float));
  });
}

extern "C" CNN_API cnn_status cnn_tensor_scale(cnn_context* context, cnn_tensor* tensor, float factor) {
  return CNN_GUARD({
    cnn_context& ctx = cnn::require_context(context);
    const cnn_tensor& t = cnn::require_tensor(tensor, "tensor");
    cnn::require_same_device(ctx, t, "tensor");
    if (ctx.opencl != nullptr)
      cnn::opencl::scale(*ctx.opencl, t.storage->buffer->mem(), static_cast<int64_t>(t.count), factor);
    else
      cnn::kernels().scale(ctx, static_cast<int64_t>(t.count), factor, t.data());
  });
}

extern "C" CNN_API cnn_status cnn_tensor_sum_squares(cnn_context* context, const cnn_tensor* tensor, double* out) {
  return CNN_GUARD({
    cnn_context& ctx = cnn::require_context(context);
    const cnn_tensor& t = cnn::require_tensor(tensor, "tensor");
    cnn::require_not_null(out, "out");
    cnn::require_same_device(ctx, t, "tensor");
    *out = ctx.opencl != nullptr
               ? cnn::opencl::sum_squares(*ctx.opencl, t.storage->buffer->mem(), static_cast<int64_t>(t.count))
               : cnn::kernels().sum_squares(ctx, static_cast<int64_t>(t.count), t.data());
  });
}
