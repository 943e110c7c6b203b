// The ops that run on an OpenCL device, on device buffers. Arguments are already validated by the api shims;
// these check only what the device adds (index ranges that must fit the kernels' int arithmetic).
// Every op is enqueued asynchronously on the runtime's in-order queue; reads of the results wait for it.
#pragma once

#include <cstdint>

#include "opencl/runtime.h"

namespace cnn::opencl {

// Tile sizes of the tiled SGEMM (kernels/sgemm.cl): a work-group computes tm x tn of C in tk-deep steps,
// each work-item wm x wn of it.
struct SgemmTiles {
  int tm, tn, tk, wm, wn;
};

// The tiles sgemm uses on this device: the largest candidate whose work-group fits the device's and the
// compiled kernel's work-group limits and whose two tiles fit its local memory. Builds the kernel.
SgemmTiles sgemm_tiles(Runtime& runtime);

// C = alpha * op(A) * op(B) + beta * C (+ bias[j] on every row when bias is not null), row-major, with the
// contract of cnn::SgemmFn; a_offset, b_offset, c_offset count floats from the start of each buffer.
void sgemm(Runtime& runtime, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, cl_mem a,
           int64_t a_offset, int64_t lda, cl_mem b, int64_t b_offset, int64_t ldb, float beta, cl_mem c,
           int64_t c_offset, int64_t ldc, cl_mem bias);

// y [n,out] = x [n,in] * w [out,in]^T + bias [out] (bias may be null): cnn_dense_forward.
void dense_forward(Runtime& runtime, int64_t n, int64_t in, int64_t out, cl_mem x, cl_mem w, cl_mem bias, cl_mem y);

// Whole-buffer utilities behind cnn_tensor_fill/copy/scale/sum_squares; count is in floats.
void fill(Runtime& runtime, cl_mem x, int64_t count, float value);
void copy(Runtime& runtime, cl_mem src, cl_mem dst, int64_t count);
void scale(Runtime& runtime, cl_mem x, int64_t count, float factor);
double sum_squares(Runtime& runtime, cl_mem x, int64_t count);  // waits for the result

}  // namespace cnn::opencl
