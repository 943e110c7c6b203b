// The forward convolution as GEMMs with im2col inside the packing (kernels/generic/conv2d_forward_gemm.cpp),
// with the SGEMM tier and the batch strategy as parameters, so tests and benchmarks can run every tier and
// both strategies in one process. Layout as Conv2dForwardFn (kernels/kernels.h).
// Reference kernel: conv2d_forward_ref (kernels/ref/conv2d_ref.cpp).
#pragma once

#include "kernels/gemm/sgemm_driver.h"
#include "kernels/kernels.h"

namespace cnn {

enum class ConvBatchPlan {
  kPerImage,    // one GEMM per image (n = OH*OW), threads over the images
  kWholeBatch,  // one GEMM over the batch (n = N*OH*OW), threads over column slices of it
};

// The strategy conv2d_forward_gemm uses for this shape (the rule and its measurements are in the .cpp).
ConvBatchPlan conv_batch_plan(const cnn_context& ctx, const Conv2dGeometry& g);

// y = conv(x, w) + bias, then max(y, 0) when relu, on `kernel`'s tier with the given strategy.
void conv2d_forward_gemm_with(const SgemmKernel& kernel, cnn_context& ctx, const Conv2dGeometry& g,
                              ConvBatchPlan plan, const float* x, const float* w, const float* bias, bool relu,
                              float* y);

}  // namespace cnn
