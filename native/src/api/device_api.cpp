// cnn_device_*: the OpenCL devices of this machine, and contexts on them (cnn_context_create_device).
#include <cnn/cnn.h>

#include <memory>
#include <string>

#include "api/guard.h"
#include "api/op_checks.h"
#include "core/context.h"
#include "core/error.h"
#include "core/tensor.h"
#include "opencl/device.h"
#include "opencl/runtime.h"

namespace {

cnn_device_type device_type(cl_device_type type) {
  // A device may report several bits (e.g. GPU | DEFAULT); the most specific kind wins.
  if (type & CL_DEVICE_TYPE_GPU) return CNN_DEVICE_TYPE_GPU;
  if (type & CL_DEVICE_TYPE_CPU) return CNN_DEVICE_TYPE_CPU;
  if (type & CL_DEVICE_TYPE_ACCELERATOR) return CNN_DEVICE_TYPE_ACCELERATOR;
  return CNN_DEVICE_TYPE_OTHER;
}

int32_t device_index(const cnn::opencl::Runtime* runtime) { return runtime == nullptr ? -1 : runtime->device().index; }

}  // namespace

extern "C" CNN_API cnn_status cnn_device_count(int32_t* out) {
  return CNN_GUARD({
    cnn::require_not_null(out, "out");
    *out = 0;
    *out = static_cast<int32_t>(cnn::opencl::devices().devices.size());
  });
}

extern "C" CNN_API cnn_status cnn_device_info(int32_t index, cnn_device_properties* out) {
  return CNN_GUARD({
    cnn::require_not_null(out, "out");
    *out = cnn_device_properties{};
    const cnn::opencl::DeviceInfo& d = cnn::opencl::device(index);
    out->global_memory_bytes = d.global_memory_bytes;
    out->local_memory_bytes = d.local_memory_bytes;
    out->max_allocation_bytes = d.max_allocation_bytes;
    out->max_work_group_size = d.max_work_group_size;
    out->type = device_type(d.type);
    out->compute_units = d.compute_units;
    out->fp16_supported = d.fp16 ? 1 : 0;
    out->fp64_supported = d.fp64 ? 1 : 0;
  });
}

// Not a status function (the bindings return it as a string the library owns): failures give "" and leave
// the thread's last error alone; cnn_device_info reports them.
extern "C" CNN_API const char* cnn_device_string(int32_t index, cnn_device_text which) {
  const char* text = "";
  cnn::guarded_quiet([&] {
    const cnn::opencl::DeviceList& list = cnn::opencl::devices();
    if (index < 0 || static_cast<size_t>(index) >= list.devices.size()) return;
    const cnn::opencl::DeviceInfo& d = list.devices[static_cast<size_t>(index)];
    switch (which) {
      case CNN_DEVICE_TEXT_PLATFORM: text = d.platform_name.c_str(); break;
      case CNN_DEVICE_TEXT_NAME: text = d.name.c_str(); break;
      case CNN_DEVICE_TEXT_VENDOR: text = d.vendor.c_str(); break;
      case CNN_DEVICE_TEXT_VERSION: text = d.version.c_str(); break;
      case CNN_DEVICE_TEXT_DRIVER_VERSION: text = d.driver_version.c_str(); break;
    }
  });
  return text;
}

extern "C" CNN_API cnn_status cnn_context_create_device(int32_t device_index, cnn_context** out) {
  return CNN_GUARD({
    cnn::require_not_null(out, "out");
    *out = nullptr;
    auto context = std::make_unique<cnn_context>();
    context->device = cnn::DeviceType::OpenCL;
    context->opencl = cnn::opencl::Runtime::for_device(device_index);
    context->threads.store(static_cast<int32_t>(cnn::hardware_threads()));
    *out = context.release();
  });
}

extern "C" CNN_API cnn_status cnn_context_device(const cnn_context* context, int32_t* out) {
  return CNN_GUARD({
    cnn::require_not_null(context, "context");
    cnn::require_not_null(out, "out");
    *out = device_index(context->opencl.get());
  });
}

extern "C" CNN_API cnn_status cnn_tensor_device(const cnn_tensor* tensor, int32_t* out) {
  return CNN_GUARD({
    const cnn_tensor& t = cnn::require_tensor(tensor, "tensor");
    cnn::require_not_null(out, "out");
    *out = device_index(t.storage->runtime());
  });
}

extern "C" CNN_API cnn_status cnn_context_synchronize(cnn_context* context) {
  return CNN_GUARD({
    cnn_context& ctx = cnn::require_context(context);
    if (ctx.opencl != nullptr) ctx.opencl->finish();
  });
}
