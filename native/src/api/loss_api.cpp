// extern "C" shim for the fused softmax + cross-entropy loss: cnn_softmax_cross_entropy. Checks the
// logits, every label, the smoothing and the outputs (messages name the shapes and numbers), then calls
// the active kernel table or, on an OpenCL context, the device's kernel; both assume valid arguments.
#include <cnn/cnn.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

#include "api/guard.h"
#include "api/op_checks.h"
#include "core/context.h"
#include "core/error.h"
#include "core/tensor.h"
#include "kernels/kernels.h"
#include "opencl/ops.h"

namespace {

using cnn::fail;

// One label per row, each a class index: "labels[3] = 12 is outside [0, 10)".
void require_labels(const int32_t* labels, size_t label_count, const cnn_tensor& logits) {
  cnn::require_not_null(labels, "labels");
  const int64_t n = logits.dim(0);
  const int64_t classes = logits.dim(1);
  if (label_count != static_cast<size_t>(n))
    fail(CNN_INVALID_ARGUMENT, "label_count " + std::to_string(label_count) + " must equal the batch size " +
                                   std::to_string(n) + " of logits " + cnn::shape_string(logits));
  for (size_t i = 0; i < label_count; ++i) {
    if (labels[i] < 0 || labels[i] >= classes)
      fail(CNN_INVALID_ARGUMENT, "labels[" + std::to_string(i) + "] = " + std::to_string(labels[i]) +
                                     " is outside [0, " + std::to_string(classes) + ")");
  }
}

void softmax_cross_entropy(cnn_context* context, const cnn_tensor* logits_ptr, const int32_t* labels,
                           size_t label_count, float label_smoothing, cnn_tensor* dlogits, float* out_loss,
                           int64_t* out_correct) {
  cnn_context& ctx = cnn::require_context(context);
  const cnn_tensor& logits = cnn::require_rank(logits_ptr, "logits", 2);
  cnn::require_same_device(ctx, logits, "logits");
  require_labels(labels, label_count, logits);
  // Written as !(s >= 0 && s < 1) so that NaN is rejected too.
  if (!(label_smoothing >= 0.0f && label_smoothing < 1.0f))
    fail(CNN_INVALID_ARGUMENT, "label_smoothing " + std::to_string(label_smoothing) + " must be in [0, 1)");
  if (dlogits != nullptr) {
    cnn::require_same_device(ctx, *dlogits, "dlogits");
    cnn::require_same_shape(logits, "logits", *dlogits, "dlogits", "dlogits must have the shape of logits");
    // The header allows no sharing: dlogits must be a tensor of its own.
    cnn::require_no_alias(*dlogits, "dlogits", &logits, "logits");
  }
  cnn::require_not_null(out_loss, "out_loss");
  cnn::require_not_null(out_correct, "out_correct");
  if (ctx.opencl != nullptr)
    return cnn::opencl::softmax_cross_entropy(*ctx.opencl, logits.dim(0), logits.dim(1),
                                              cnn::opencl::device_memory(&logits), labels, label_smoothing,
                                              cnn::opencl::device_memory(dlogits), out_loss, out_correct);
  cnn::kernels().softmax_cross_entropy(ctx, logits.dim(0), logits.dim(1), logits.data(), labels, label_smoothing,
                                       dlogits != nullptr ? dlogits->data() : nullptr, out_loss, out_correct);
}

}  // namespace

extern "C" {

CNN_API cnn_status cnn_softmax_cross_entropy(cnn_context* context, const cnn_tensor* logits, const int32_t* labels,
                                             size_t label_count, float label_smoothing, cnn_tensor* dlogits,
                                             float* out_loss, int64_t* out_correct) {
  return CNN_GUARD({
    softmax_cross_entropy(context, logits, labels, label_count, label_smoothing, dlogits, out_loss, out_correct);
  });
}

}  // extern "C"
