// GEMM operands that read a convolution's tensors in place (kernels/gemm/sgemm_driver.h, GemmOperand): the
// forward's im2col matrix (per image or over the whole batch) and the filter gradient's over the whole batch are
// formed panel by panel inside the GEMM's packing and never stored whole.
// Layout: x [n,c,h,w] NCHW, dy [n,oc,oh,ow]; the GEMM depth index of the filter gradient is image * OH*OW + pixel,
// the forward's column index image * OH*OW + pixel.
// Reference kernels: conv2d_forward_ref, conv2d_backward_filter_ref (kernels/ref/).
#pragma once

#include "kernels/gemm/conv_pack.h"
#include "kernels/gemm/sgemm_driver.h"
#include "kernels/kernels.h"

namespace cnn {

// The filter gradient as one GEMM over the whole batch, dw[OC, K] = sum over images and pixels of
// dy[img, oc, p] * col_img[k, p]: A is dy (rows oc, depth img * P + p), B the im2col of x (columns k, same depth).
GemmOperand conv_dy_batch_operand(const Conv2dGeometry& g, const float* dy);
GemmOperand conv_x_batch_operand(const Conv2dGeometry& g, const float* x);

// The forward's B, im2col of x formed inside the packing (conv_forward_pack.cpp): row (depth) k = (c, ky, kx),
// column j = image * OH*OW + oy * OW + ox over the images of x from the first, so one operand serves a
// per-image GEMM (x at the image, n = OH*OW) and one over the whole batch (n = N*OH*OW). Panels up to
// kMaxConvPanelWidth wide. conv_forward_b describes it for one SGEMM tier (whose vector copies it uses); the
// operand points at that description, which must outlive the GEMM.
constexpr int64_t kMaxConvPanelWidth = 64;
struct ConvForwardB {
  Conv2dGeometry g;  // the convolution's, or a 1x1 stride-1 unpadded one's seen as one row of H*W per plane
  ConvPanelPackFn panel;  // the tier's copy of one panel
};
ConvForwardB conv_forward_b(const SgemmKernel& kernel, const Conv2dGeometry& g);
GemmOperand conv_x_forward_operand(const ConvForwardB& b, const float* x);

}  // namespace cnn
