/* CnnNative C ABI.
 *
 * This is the only public header of libcnnnative and the only file the bindings generator reads.
 * Conventions, stated once and relied on everywhere:
 *   - Tensors are float32, row-major, NCHW for images and OIHW for convolution weights.
 *   - Every fallible function returns cnn_status; on failure cnn_last_error_message() names the
 *     function and the numbers involved. Nothing ever aborts the process.
 *   - Caller buffers travel as pointer + element count and are never kept after a call returns.
 *   - Handles are opaque; create/destroy come in pairs and destroy(NULL) is a no-op.
 */
#ifndef CNN_CNN_H
#define CNN_CNN_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#define CNN_API __declspec(dllexport)
#else
#define CNN_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Additions keep the version; any change to an existing signature, struct or enum value bumps it. */
#define CNN_ABI_VERSION 1
/* Largest tensor rank the library accepts. */
#define CNN_MAX_RANK 8

/* A device plus thread count plus reusable scratch memory. Safe to share between threads: each op
 * call that finds the scratch busy takes a private buffer for that call. */
typedef struct cnn_context cnn_context;
/* An n-dimensional float32 tensor in 64-byte aligned memory owned by the library. */
typedef struct cnn_tensor cnn_tensor;

/* Result of every fallible call. Explicit values: never renumber, only append. */
typedef enum cnn_status {
  CNN_OK = 0,
  CNN_INVALID_ARGUMENT = 1, /* a null handle, a bad parameter value or a buffer of the wrong size */
  CNN_SHAPE_MISMATCH = 2,   /* tensors whose shapes do not fit the op */
  CNN_OUT_OF_MEMORY = 3,    /* an allocation failed or a size overflowed */
  CNN_UNSUPPORTED = 4,      /* valid request this build or device cannot serve */
  CNN_DEVICE_ERROR = 5,     /* the device or its driver failed */
  CNN_INTERNAL = 6          /* a bug in the library: please report the message */
} cnn_status;

/* Element-wise activation functions. */
typedef enum cnn_activation {
  CNN_ACTIVATION_IDENTITY = 0,
  CNN_ACTIVATION_RELU = 1,       /* max(x, 0) */
  CNN_ACTIVATION_LEAKY_RELU = 2, /* x > 0 ? x : alpha * x */
  CNN_ACTIVATION_ELU = 3,        /* x > 0 ? x : alpha * (exp(x) - 1) */
  CNN_ACTIVATION_SIGMOID = 4,    /* 1 / (1 + exp(-x)) */
  CNN_ACTIVATION_TANH = 5        /* tanh(x) */
} cnn_activation;

/* ---- library ---------------------------------------------------------------------------- */

/* CNN_ABI_VERSION of the compiled library; bindings compare it with the header they were made from. */
CNN_API uint32_t cnn_abi_version(void);
/* This thread's last failure message, "" if the last call succeeded. Valid until this thread's next call. */
CNN_API const char* cnn_last_error_message(void);
/* Kernel tier chosen for this process: "ref" | "generic" | "avx2" | "avx512". Capped by env CNN_MAX_ISA. */
CNN_API const char* cnn_active_isa(void);
/* Output size of a sliding window: (input + pad_begin + pad_end - dilation*(kernel-1) - 1) / stride + 1.
 * Fails with CNN_SHAPE_MISMATCH when the padded input is smaller than the dilated window. */
CNN_API cnn_status cnn_window_output_size(int64_t input, int32_t kernel, int32_t stride, int32_t pad_begin,
                                          int32_t pad_end, int32_t dilation, int64_t* out);

/* ---- context ---------------------------------------------------------------------------- */

/* A CPU context. num_threads 0 means one per logical core; ops never use more than this. */
CNN_API cnn_status cnn_context_create(int32_t num_threads, cnn_context** out);
CNN_API void cnn_context_destroy(cnn_context* context); /* NULL is a no-op */
CNN_API cnn_status cnn_context_threads(const cnn_context* context, int32_t* out);
/* num_threads 0 means one per logical core. */
CNN_API cnn_status cnn_context_set_threads(cnn_context* context, int32_t num_threads);

/* ---- OpenCL devices ----------------------------------------------------------------------
 * Devices are every OpenCL device of every platform, numbered from 0 in platform order, listed once per
 * process. OpenCL is reached through the ICD loader libOpenCL.so.1, opened at run time: without it the
 * library still runs on the CPU and these functions fail with CNN_UNSUPPORTED and a message saying what to
 * install (ocl-icd-libopencl1 and a driver such as pocl-opencl-icd). */

/* Kind of an OpenCL device. */
typedef enum cnn_device_type {
  CNN_DEVICE_TYPE_OTHER = 0,
  CNN_DEVICE_TYPE_CPU = 1,
  CNN_DEVICE_TYPE_GPU = 2,
  CNN_DEVICE_TYPE_ACCELERATOR = 3
} cnn_device_type;

/* Facts about one OpenCL device; its names come from cnn_device_string. */
typedef struct cnn_device_properties {
  uint64_t global_memory_bytes;
  uint64_t local_memory_bytes;   /* per work-group */
  uint64_t max_allocation_bytes; /* the largest single tensor, in bytes */
  uint64_t max_work_group_size;
  cnn_device_type type;
  int32_t compute_units;
  int32_t fp16_supported; /* 1 when the device has cl_khr_fp16 */
  int32_t fp64_supported; /* 1 when the device has cl_khr_fp64 */
} cnn_device_properties;

/* Which text cnn_device_string returns. */
typedef enum cnn_device_text {
  CNN_DEVICE_TEXT_PLATFORM = 0,      /* platform name, e.g. "Portable Computing Language" */
  CNN_DEVICE_TEXT_NAME = 1,          /* device name */
  CNN_DEVICE_TEXT_VENDOR = 2,        /* device vendor */
  CNN_DEVICE_TEXT_VERSION = 3,       /* "OpenCL <major>.<minor> <vendor-specific>" */
  CNN_DEVICE_TEXT_DRIVER_VERSION = 4 /* driver version */
} cnn_device_text;

/* Number of OpenCL devices. 0 with CNN_OK when the loader is present but no driver or device is; when the
 * loader itself is missing *out is 0 and the status is CNN_UNSUPPORTED, so a caller may treat any failure as
 * "no devices" and still show the message. */
CNN_API cnn_status cnn_device_count(int32_t* out);
/* Facts about device `index`; an index out of range is CNN_INVALID_ARGUMENT listing the devices found. */
CNN_API cnn_status cnn_device_info(int32_t index, cnn_device_properties* out);
/* UTF-8 text about device `index`, owned by the library and valid until the process exits; "" when the index
 * is out of range or the devices cannot be listed (cnn_device_info then says why). */
CNN_API const char* cnn_device_string(int32_t index, cnn_device_text which);

/* A context on OpenCL device `device_index`. Tensors created on it live in device memory: cnn_tensor_write and
 * cnn_tensor_read copy to and from the host, cnn_tensor_data fails with CNN_UNSUPPORTED, reshape views share
 * the device buffer. Every op runs on the device (kernels in native/src/opencl/kernels); nothing falls back
 * to the CPU. Contexts on the same device share its OpenCL context and queue, so their tensors may be mixed;
 * tensors of another device are rejected (CNN_INVALID_ARGUMENT). The thread count (cnn_context_set_threads)
 * applies to host-side work only. */
CNN_API cnn_status cnn_context_create_device(int32_t device_index, cnn_context** out);
/* The device of a context: -1 for the CPU, else the OpenCL device index. */
CNN_API cnn_status cnn_context_device(const cnn_context* context, int32_t* out);
/* The device a tensor lives on: -1 for the CPU, else the OpenCL device index. */
CNN_API cnn_status cnn_tensor_device(const cnn_tensor* tensor, int32_t* out);
/* Waits until every op queued on the context's device has finished. OpenCL ops return once queued (reads of a
 * tensor wait for the ops before them); CPU ops finish before they return, so on the CPU this does nothing. */
CNN_API cnn_status cnn_context_synchronize(cnn_context* context);

/* ---- tensor ----------------------------------------------------------------------------- */

/* A zero-filled tensor on the context's device. Every dimension must be >= 1, rank 1..CNN_MAX_RANK. */
CNN_API cnn_status cnn_tensor_create(cnn_context* context, const int64_t* shape, size_t rank, cnn_tensor** out);
/* Releases this handle; the storage lives on while a view of it (cnn_tensor_reshape) exists. NULL is a no-op. */
CNN_API void cnn_tensor_destroy(cnn_tensor* tensor);
/* A new handle over the same storage with another shape of the same element count (flatten is one). */
CNN_API cnn_status cnn_tensor_reshape(const cnn_tensor* tensor, const int64_t* shape, size_t rank, cnn_tensor** out);
CNN_API cnn_status cnn_tensor_rank(const cnn_tensor* tensor, size_t* out);
/* Writes the rank dimensions into shape[0..rank); capacity must be at least the rank. */
CNN_API cnn_status cnn_tensor_shape(const cnn_tensor* tensor, int64_t* shape, size_t capacity);
/* Number of elements (the product of the dimensions). */
CNN_API cnn_status cnn_tensor_element_count(const cnn_tensor* tensor, size_t* out);
/* Copies count floats from src; count must equal the element count. On an OpenCL device the copy to device
 * memory has finished when the call returns. */
CNN_API cnn_status cnn_tensor_write(cnn_tensor* tensor, const float* src, size_t count);
/* Copies the tensor into dst; count must equal the element count. On an OpenCL device this waits for the ops
 * queued before it. */
CNN_API cnn_status cnn_tensor_read(const cnn_tensor* tensor, float* dst, size_t count);
/* The tensor's memory (64-byte aligned, element count floats) for CPU tensors; valid until the last handle
 * over the storage is destroyed. CNN_UNSUPPORTED, naming the device, for tensors in OpenCL device memory. */
CNN_API cnn_status cnn_tensor_data(cnn_tensor* tensor, float** out);

/* ---- ops: one call per layer step; shapes come from the tensors, outputs are preallocated --- */

/* Convolution parameters. Padding is zeros, given per side; strides and dilations are >= 1. */
typedef struct cnn_conv2d_params {
  int32_t stride_h, stride_w;
  int32_t pad_top, pad_bottom, pad_left, pad_right;
  int32_t dilation_h, dilation_w;
} cnn_conv2d_params;

/* y = conv(x, w) + bias. x [N,C,H,W], w [OC,C,KH,KW], bias [OC] or NULL, y [N,OC,OH,OW] with OH, OW
 * from cnn_window_output_size. Runs a GEMM with im2col inside its packing, or the reference kernel under
 * CNN_MAX_ISA=ref. */
CNN_API cnn_status cnn_conv2d_forward(cnn_context* context, const cnn_tensor* x, const cnn_tensor* w,
                                      const cnn_tensor* bias, const cnn_conv2d_params* params, cnn_tensor* y);

/* y = f(conv(x, w) + bias): the same result as cnn_conv2d_forward followed by cnn_activation_forward(activation,
 * alpha) on y, in one call with the checks of both. On the CPU's GEMM kernels ReLU is applied as each output tile
 * is written (no second pass over y); other activations, the reference kernels (CNN_MAX_ISA=ref) and OpenCL
 * contexts run the activation over y afterwards. CNN_ACTIVATION_IDENTITY is plain cnn_conv2d_forward. */
CNN_API cnn_status cnn_conv2d_forward_fused(cnn_context* context, const cnn_tensor* x, const cnn_tensor* w,
                                            const cnn_tensor* bias, const cnn_conv2d_params* params,
                                            cnn_activation activation, float alpha, cnn_tensor* y);

/* Pooling window. Padding cells never win a max; each pad must be smaller than the kernel on its axis. */
typedef struct cnn_pool2d_params {
  int32_t kernel_h, kernel_w;
  int32_t stride_h, stride_w;
  int32_t pad_top, pad_bottom, pad_left, pad_right;
  /* Average pooling only: 1 divides by kernel_h*kernel_w (padded cells count as zeros),
   * 0 divides by the number of cells inside the input. */
  int32_t count_include_pad;
} cnn_pool2d_params;

/* x [N,C,H,W], y [N,C,OH,OW]. */
CNN_API cnn_status cnn_maxpool2d_forward(cnn_context* context, const cnn_tensor* x, const cnn_pool2d_params* params,
                                         cnn_tensor* y);
/* x [N,C,H,W], y [N,C,OH,OW]. */
CNN_API cnn_status cnn_avgpool2d_forward(cnn_context* context, const cnn_tensor* x, const cnn_pool2d_params* params,
                                         cnn_tensor* y);
/* Mean over each H x W plane: x [N,C,H,W], y [N,C,1,1]. */
CNN_API cnn_status cnn_global_avgpool2d_forward(cnn_context* context, const cnn_tensor* x, cnn_tensor* y);

/* Fully connected: y = x * w^T + bias. x [N,IN], w [OUT,IN], bias [OUT] or NULL, y [N,OUT]. */
CNN_API cnn_status cnn_dense_forward(cnn_context* context, const cnn_tensor* x, const cnn_tensor* w,
                                     const cnn_tensor* bias, cnn_tensor* y);

/* y = f(x * w^T + bias): cnn_dense_forward followed by cnn_activation_forward(activation, alpha) on y, in one call;
 * ReLU is fused into the GEMM's write-back on the CPU as for cnn_conv2d_forward_fused. */
CNN_API cnn_status cnn_dense_forward_fused(cnn_context* context, const cnn_tensor* x, const cnn_tensor* w,
                                           const cnn_tensor* bias, cnn_activation activation, float alpha,
                                           cnn_tensor* y);

/* y = f(x) element-wise; x and y have the same shape and may be the same tensor. alpha is the slope of
 * leaky ReLU and the scale of ELU, ignored by the others. */
CNN_API cnn_status cnn_activation_forward(cnn_context* context, cnn_activation activation, float alpha,
                                          const cnn_tensor* x, cnn_tensor* y);

/* Softmax over axis 1 (the class or channel axis) of a tensor of rank >= 2, computed stably
 * (max subtracted first). x and y have the same shape and may be the same tensor. */
CNN_API cnn_status cnn_softmax_forward(cnn_context* context, const cnn_tensor* x, cnn_tensor* y);

/* ---- tensor utilities ------------------------------------------------------------------- */

/* Sets every element to value. */
CNN_API cnn_status cnn_tensor_fill(cnn_context* context, cnn_tensor* tensor, float value);
/* dst = src; both have the same element count (shapes may differ) and live on the context's device. */
CNN_API cnn_status cnn_tensor_copy(cnn_context* context, const cnn_tensor* src, cnn_tensor* dst);
/* tensor *= factor (gradient clipping, loss scaling). */
CNN_API cnn_status cnn_tensor_scale(cnn_context* context, cnn_tensor* tensor, float factor);
/* Sum of squares of all elements, accumulated in double (global-norm gradient clipping). */
CNN_API cnn_status cnn_tensor_sum_squares(cnn_context* context, const cnn_tensor* tensor, double* out);

/* ---- backward passes: gradients are overwritten, never accumulated ----------------------------- */

/* Gradients of cnn_conv2d_forward from dy [N,OC,OH,OW]: dx [N,C,H,W] (GEMM + col2im), dw [OC,C,KH,KW]
 * (GEMM, summed over the batch), db [OC]. Any of dx, dw, db may be NULL (frozen layer, first layer). */
CNN_API cnn_status cnn_conv2d_backward(cnn_context* context, const cnn_tensor* x, const cnn_tensor* w,
                                       const cnn_tensor* dy, const cnn_conv2d_params* params, cnn_tensor* dx,
                                       cnn_tensor* dw, cnn_tensor* db);
/* Gradients of cnn_dense_forward from dy [N,OUT]: dx [N,IN], dw [OUT,IN], db [OUT]; each may be NULL. */
CNN_API cnn_status cnn_dense_backward(cnn_context* context, const cnn_tensor* x, const cnn_tensor* w,
                                      const cnn_tensor* dy, cnn_tensor* dx, cnn_tensor* dw, cnn_tensor* db);
/* Routes dy [N,C,OH,OW] to the argmax of each window of x [N,C,H,W], recomputed from x with the forward's
 * rule (the first maximum in row-major window order wins ties); dx [N,C,H,W]. */
CNN_API cnn_status cnn_maxpool2d_backward(cnn_context* context, const cnn_tensor* x, const cnn_tensor* dy,
                                          const cnn_pool2d_params* params, cnn_tensor* dx);
/* Spreads dy [N,C,OH,OW] evenly over each window with the forward's divisor; dx [N,C,H,W]. */
CNN_API cnn_status cnn_avgpool2d_backward(cnn_context* context, const cnn_tensor* dy, const cnn_pool2d_params* params,
                                          cnn_tensor* dx);
/* dy [N,C,1,1] spread over dx [N,C,H,W]. */
CNN_API cnn_status cnn_global_avgpool2d_backward(cnn_context* context, const cnn_tensor* dy, cnn_tensor* dx);
/* dx = f'(x) * dy for the forward's input x; dx may be the same tensor as dy. */
CNN_API cnn_status cnn_activation_backward(cnn_context* context, cnn_activation activation, float alpha,
                                           const cnn_tensor* x, const cnn_tensor* dy, cnn_tensor* dx);
/* Backward of cnn_softmax_forward from its output y: dx = y * (dy - sum(dy * y)) over axis 1. */
CNN_API cnn_status cnn_softmax_backward(cnn_context* context, const cnn_tensor* y, const cnn_tensor* dy,
                                        cnn_tensor* dx);

/* ---- loss --------------------------------------------------------------------------------- */

/* Softmax + cross-entropy over logits [N,K] with labels[N] in 0..K-1, fused and numerically stable.
 * Targets are smoothed: (1 - label_smoothing) on the label plus label_smoothing / K everywhere.
 * Writes the mean loss over the batch, the count of rows whose largest logit is the label, and, when
 * dlogits [N,K] is not NULL, the gradient of the mean loss: (softmax - target) / N. */
CNN_API cnn_status cnn_softmax_cross_entropy(cnn_context* context, const cnn_tensor* logits, const int32_t* labels,
                                             size_t label_count, float label_smoothing, cnn_tensor* dlogits,
                                             float* out_loss, int64_t* out_correct);

/* ---- dropout ------------------------------------------------------------------------------ */

/* Inverted dropout: y[i] = keep(i) ? x[i] / (1 - rate) : 0 with keep(i) = u(seed, i) >= rate, where u is a
 * counter-based generator (stateless: the same seed gives the same mask on any thread count or device).
 * rate in [0, 1). x and y have the same shape and may be the same tensor. */
CNN_API cnn_status cnn_dropout_forward(cnn_context* context, const cnn_tensor* x, float rate, uint64_t seed,
                                       cnn_tensor* y);
/* dx[i] = keep(i) ? dy[i] / (1 - rate) : 0 with the forward's seed; dx may be the same tensor as dy. */
CNN_API cnn_status cnn_dropout_backward(cnn_context* context, const cnn_tensor* dy, float rate, uint64_t seed,
                                        cnn_tensor* dx);

/* ---- batch normalisation over N, H, W per channel --------------------------------------------- */

/* Training mode: normalises x [N,C,H,W] with the batch's mean and biased variance, y = gamma * xhat + beta,
 * updates running_mean/running_var [C] as r = (1 - momentum) * r + momentum * batch (running_var takes the
 * unbiased variance), and saves mean and 1/sqrt(var + epsilon) [C] for the backward pass. */
CNN_API cnn_status cnn_batchnorm2d_forward_training(cnn_context* context, const cnn_tensor* x, const cnn_tensor* gamma,
                                                    const cnn_tensor* beta, float momentum, float epsilon,
                                                    cnn_tensor* running_mean, cnn_tensor* running_var,
                                                    cnn_tensor* saved_mean, cnn_tensor* saved_inv_std, cnn_tensor* y);
/* Inference mode: y = gamma * (x - running_mean) / sqrt(running_var + epsilon) + beta. */
CNN_API cnn_status cnn_batchnorm2d_forward_inference(cnn_context* context, const cnn_tensor* x,
                                                     const cnn_tensor* gamma, const cnn_tensor* beta,
                                                     const cnn_tensor* running_mean, const cnn_tensor* running_var,
                                                     float epsilon, cnn_tensor* y);
/* Gradients of the training-mode forward: dx [N,C,H,W] (required), dgamma and dbeta [C] (each may be NULL). */
CNN_API cnn_status cnn_batchnorm2d_backward(cnn_context* context, const cnn_tensor* x, const cnn_tensor* gamma,
                                            const cnn_tensor* saved_mean, const cnn_tensor* saved_inv_std,
                                            const cnn_tensor* dy, cnn_tensor* dx, cnn_tensor* dgamma,
                                            cnn_tensor* dbeta);

/* ---- optimizer updates, one call per parameter tensor ------------------------------------------ */

/* SGD: g = grad + weight_decay * param (coupled decay); with momentum v = momentum * v + g and the step is
 * v (or g + momentum * v with nesterov); param -= learning_rate * step. */
typedef struct cnn_sgd_params {
  float learning_rate;
  float momentum;     /* 0 disables momentum; velocity may then be NULL */
  float weight_decay; /* L2 coefficient added to the gradient */
  int32_t nesterov;   /* 1 for Nesterov momentum, 0 otherwise */
} cnn_sgd_params;
CNN_API cnn_status cnn_sgd_update(cnn_context* context, const cnn_sgd_params* params, cnn_tensor* param,
                                  const cnn_tensor* grad, cnn_tensor* velocity);

/* Adam with bias correction at step (1-based). decoupled_weight_decay 1 is AdamW: param -= learning_rate *
 * weight_decay * param before the Adam step; 0 adds weight_decay * param to the gradient (L2). */
typedef struct cnn_adam_params {
  int64_t step;
  float learning_rate;
  float beta1;
  float beta2;
  float epsilon;
  float weight_decay;
  int32_t decoupled_weight_decay;
} cnn_adam_params;
CNN_API cnn_status cnn_adam_update(cnn_context* context, const cnn_adam_params* params, cnn_tensor* param,
                                   const cnn_tensor* grad, cnn_tensor* m, cnn_tensor* v);

#ifdef __cplusplus
}
#endif

#endif /* CNN_CNN_H */
