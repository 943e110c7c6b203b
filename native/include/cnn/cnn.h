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
/* Copies count floats from src; count must equal the element count. */
CNN_API cnn_status cnn_tensor_write(cnn_tensor* tensor, const float* src, size_t count);
/* Copies the tensor into dst; count must equal the element count. */
CNN_API cnn_status cnn_tensor_read(const cnn_tensor* tensor, float* dst, size_t count);
/* The tensor's memory (64-byte aligned, element count floats) for CPU tensors; valid until the last handle
 * over the storage is destroyed. CNN_UNSUPPORTED for tensors on another device. */
CNN_API cnn_status cnn_tensor_data(cnn_tensor* tensor, float** out);

/* ---- ops: one call per layer step; shapes come from the tensors, outputs are preallocated --- */

/* Convolution parameters. Padding is zeros, given per side; strides and dilations are >= 1. */
typedef struct cnn_conv2d_params {
  int32_t stride_h, stride_w;
  int32_t pad_top, pad_bottom, pad_left, pad_right;
  int32_t dilation_h, dilation_w;
} cnn_conv2d_params;

/* y = conv(x, w) + bias. x [N,C,H,W], w [OC,C,KH,KW], bias [OC] or NULL, y [N,OC,OH,OW] with OH, OW
 * from cnn_window_output_size. Runs im2col + GEMM, or the reference kernel under CNN_MAX_ISA=ref. */
CNN_API cnn_status cnn_conv2d_forward(cnn_context* context, const cnn_tensor* x, const cnn_tensor* w,
                                      const cnn_tensor* bias, const cnn_conv2d_params* params, cnn_tensor* y);

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

/* y = f(x) element-wise; x and y have the same shape and may be the same tensor. alpha is the slope of
 * leaky ReLU and the scale of ELU, ignored by the others. */
CNN_API cnn_status cnn_activation_forward(cnn_context* context, cnn_activation activation, float alpha,
                                          const cnn_tensor* x, cnn_tensor* y);

/* Softmax over axis 1 (the class or channel axis) of a tensor of rank >= 2, computed stably
 * (max subtracted first). x and y have the same shape and may be the same tensor. */
CNN_API cnn_status cnn_softmax_forward(cnn_context* context, const cnn_tensor* x, cnn_tensor* y);

#ifdef __cplusplus
}
#endif

#endif /* CNN_CNN_H */
