// GEMM operands that read a convolution's tensors in place (kernels/gemm/sgemm_driver.h, GemmOperand): the
// filter gradient's im2col matrix over the whole batch is formed panel by panel inside the GEMM's packing and
// never stored whole.
// Layout: x [n,c,h,w] NCHW, dy [n,oc,oh,ow]; the GEMM depth index of the filter gradient is image * OH*OW + pixel.
// Reference kernels: conv2d_forward_ref, conv2d_backward_filter_ref (kernels/ref/).
#pragma once

#include "kernels/gemm/sgemm_driver.h"
#include "kernels/kernels.h"

namespace cnn {

// The filter gradient as one GEMM over the whole batch, dw[OC, K] = sum over images and pixels of
// dy[img, oc, p] * col_img[k, p]: A is dy (rows oc, depth img * P + p), B the im2col of x (columns k, same depth).
GemmOperand conv_dy_batch_operand(const Conv2dGeometry& g, const float* dy);
GemmOperand conv_x_batch_operand(const Conv2dGeometry& g, const float* x);

}  // namespace cnn
