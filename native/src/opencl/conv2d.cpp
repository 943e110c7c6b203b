// 2-D convolution on a device, a chunk of images per GEMM: forward Y = w [oc, c*kh*kw] * im2col(x_chunk) + bias
// (bias fused into the SGEMM's write-back, one value per row), backward dw = (sum over chunks of
// im2col(x_chunk) * dY^T)^T, dx_chunk = col2im(w^T * dY), db = sums of dy (kernels/im2col.cl, col2im.cl,
// conv_layout.cl, bias_backward.cl, transpose.cl, sgemm.cl). Y and dY are [oc, images*oh*ow]; conv_layout.cl
// moves them to and from NCHW, except for a chunk of one image, where the two layouts are the same.
//
// Why chunks and not one GEMM per image: every launch costs the driver time (PoCL: milliseconds), and a
// [oc, oh*ow] GEMM of one small image is too small to fill a device, so batching wins by an order of magnitude.
#include <algorithm>
#include <string>

#include "opencl/launch.h"
#include "opencl/ops.h"

namespace cnn::opencl {

namespace {

// The geometry as the int arguments im2col.cl and col2im.cl take, checked to fit.
struct ConvInts {
  cl_int c, h, w, kh, kw, oh, ow, stride_h, stride_w, pad_top, pad_left, dilation_h, dilation_w;
};

ConvInts conv_ints(const Runtime& runtime, const Conv2dGeometry& g) {
  return {int_arg(runtime, g.c, "channels"), int_arg(runtime, g.h, "input height"),
          int_arg(runtime, g.w, "input width"), int_arg(runtime, g.kh, "kernel height"),
          int_arg(runtime, g.kw, "kernel width"), int_arg(runtime, g.oh, "output height"),
          int_arg(runtime, g.ow, "output width"), g.stride_h, g.stride_w, g.pad_top, g.pad_left, g.dilation_h,
          g.dilation_w};
}

// Images per chunk: as many as keep col [c*kh*kw, images*oh*ow] and Y [oc, images*oh*ow] within the device's
// scratch budget (launch.h: 8 MiB on CPU devices, to stay in cache; 32 MiB elsewhere, which holds about 50
// MNIST-sized images of a 32->64 5x5 layer yet stays below the smallest allocation limit of common GPUs) and its
// largest allocation, at least one.
int64_t chunk_images(const Runtime& runtime, const Conv2dGeometry& g) {
  const int64_t budget = std::min<int64_t>(conv_scratch_floats(runtime),
                                           static_cast<int64_t>(runtime.device().max_allocation_bytes / sizeof(float)));
  const int64_t per_image = std::max(g.c * g.kh * g.kw, g.oc) * g.oh * g.ow;
  return std::clamp<int64_t>(budget / per_image, 1, g.n);
}

// The int products the kernels of one chunk of `images` index with (launch.h: int arithmetic keeps GPUs fast).
void check_chunk(const Runtime& runtime, const ConvInts& a, int64_t images) {
  int_arg(runtime, int64_t{a.c} * a.kh * a.kw * images, "im2col rows x images");
  int_arg(runtime, images * a.oh * a.ow, "im2col columns");
  int_arg(runtime, images * a.c * a.h * a.w, "convolution input floats per chunk");
}

// col [c*kh*kw, images*oh*ow] of images first .. first+images-1 of x.
void im2col(Runtime& runtime, const ConvInts& a, cl_mem x, int64_t first, int64_t images, cl_mem col) {
  check_chunk(runtime, a, images);
  const bool rows = geometry(runtime) == Geometry::Rows;
  const Range r = rows ? rows_range(runtime, int64_t{a.c} * a.kh * a.kw * images)
                       : elements_range(runtime, images * a.oh * a.ow, int64_t{a.c} * a.kh * a.kw);
  const char* name = rows ? "im2col_planes" : "im2col_elements";
  runtime.launch(plain_kernel(runtime, "im2col", name), name, rows ? 1 : 2, r.global, r.local, x,
                 static_cast<cl_long>(first * a.c * a.h * a.w), static_cast<cl_int>(images), a.c, a.h, a.w, a.kh, a.kw,
                 a.oh, a.ow, a.stride_h, a.stride_w, a.pad_top, a.pad_left, a.dilation_h, a.dilation_w, col);
}

// Images first .. first+images-1 of dx = col2im(col).
void col2im(Runtime& runtime, const ConvInts& a, cl_mem col, int64_t first, int64_t images, cl_mem dx) {
  check_chunk(runtime, a, images);
  const bool rows = geometry(runtime) == Geometry::Rows;
  const Range r = rows ? rows_range(runtime, images * a.c) : elements_range(runtime, int64_t{a.c} * a.h * a.w, images);
  const char* name = rows ? "col2im_planes" : "col2im_elements";
  runtime.launch(plain_kernel(runtime, "col2im", name), name, rows ? 1 : 2, r.global, r.local, col,
                 static_cast<cl_int>(images), a.c, a.h, a.w, a.kh, a.kw, a.oh, a.ow, a.stride_h, a.stride_w, a.pad_top,
                 a.pad_left, a.dilation_h, a.dilation_w, dx, static_cast<cl_long>(first * a.c * a.h * a.w));
}

// gemm [oc, images*plane] <- images first.. of the NCHW tensor nchw [n, oc, plane], and back. Every plane is one
// contiguous run in both layouts.
Range layout_range(const Runtime& runtime, int64_t images, int64_t oc, int64_t plane) {
  int_arg(runtime, images * oc * plane, "convolution output floats per chunk");
  return geometry(runtime) == Geometry::Rows ? rows_range(runtime, images * oc)
                                             : elements_range(runtime, plane, images * oc);
}

void to_gemm(Runtime& runtime, cl_mem nchw, int64_t first, int64_t images, int64_t oc, int64_t plane, cl_mem gemm) {
  const Range r = layout_range(runtime, images, oc, plane);
  const bool rows = geometry(runtime) == Geometry::Rows;
  const char* name = rows ? "conv_layout_to_gemm_planes" : "conv_layout_to_gemm_elements";
  runtime.launch(plain_kernel(runtime, "conv_layout", name), name, rows ? 1 : 2, r.global, r.local, nchw,
                 static_cast<cl_long>(first * oc * plane), static_cast<cl_int>(images), static_cast<cl_int>(oc),
                 static_cast<cl_int>(plane), gemm);
}

void from_gemm(Runtime& runtime, cl_mem gemm, int64_t first, int64_t images, int64_t oc, int64_t plane, cl_mem nchw) {
  const Range r = layout_range(runtime, images, oc, plane);
  const bool rows = geometry(runtime) == Geometry::Rows;
  const char* name = rows ? "conv_layout_from_gemm_planes" : "conv_layout_from_gemm_elements";
  runtime.launch(plain_kernel(runtime, "conv_layout", name), name, rows ? 1 : 2, r.global, r.local, gemm,
                 static_cast<cl_int>(images), static_cast<cl_int>(oc), static_cast<cl_int>(plane), nchw,
                 static_cast<cl_long>(first * oc * plane));
}

}  // namespace

void conv2d_forward(Runtime& runtime, const Conv2dGeometry& g, cl_mem x, cl_mem w, cl_mem bias, cl_mem y) {
  const ConvInts a = conv_ints(runtime, g);
  const int64_t rows = g.c * g.kh * g.kw, plane = g.oh * g.ow, chunk = chunk_images(runtime, g);
  // Scratch reused by every chunk: the in-order queue finishes one chunk's kernels before the next chunk's.
  const Scratch col(runtime, static_cast<size_t>(rows * chunk * plane));
  const Scratch out(runtime, static_cast<size_t>(chunk > 1 ? g.oc * chunk * plane : 1));
  for (int64_t first = 0; first < g.n; first += chunk) {
    const int64_t images = std::min(chunk, g.n - first), columns = images * plane;
    im2col(runtime, a, x, first, images, col.mem());
    const bool direct = images == 1;  // [oc, plane] of one image is already NCHW
    sgemm(runtime, false, false, g.oc, columns, rows, 1.0f, w, 0, rows, col.mem(), 0, columns, 0.0f,
          direct ? y : out.mem(), direct ? first * g.oc * plane : 0, columns, bias, BiasAlong::Rows);
    if (!direct) from_gemm(runtime, out.mem(), first, images, g.oc, plane, y);
  }
}

void conv2d_backward(Runtime& runtime, const Conv2dGeometry& g, cl_mem x, cl_mem w, cl_mem dy, cl_mem dx, cl_mem dw,
                     cl_mem db) {
  const ConvInts a = conv_ints(runtime, g);
  const int64_t rows = g.c * g.kh * g.kw, plane = g.oh * g.ow, chunk = chunk_images(runtime, g);
  if (db != nullptr) bias_backward(runtime, g.n, g.oc, plane, dy, db);
  if (dx == nullptr && dw == nullptr) return;
  const Scratch col(runtime, static_cast<size_t>(rows * chunk * plane));
  const Scratch dy_gemm(runtime, static_cast<size_t>(chunk > 1 ? g.oc * chunk * plane : 1));
  const Scratch dw_t(runtime, static_cast<size_t>(dw != nullptr ? rows * g.oc : 1));
  for (int64_t first = 0; first < g.n; first += chunk) {
    const int64_t images = std::min(chunk, g.n - first), columns = images * plane;
    const bool direct = images == 1;
    if (!direct) to_gemm(runtime, dy, first, images, g.oc, plane, dy_gemm.mem());
    const cl_mem dy_chunk = direct ? dy : dy_gemm.mem();
    const int64_t dy_offset = direct ? first * g.oc * plane : 0;
    if (dw != nullptr) {
      // dw^T [rows, oc] (+)= col [rows, columns] * dY^T; the first chunk overwrites, the others add. Transposed, so
      // that the operand sgemm reads transposed (and packs first) is dY [oc, columns], not the larger col.
      im2col(runtime, a, x, first, images, col.mem());
      sgemm(runtime, false, true, rows, g.oc, columns, 1.0f, col.mem(), 0, columns, dy_chunk, dy_offset, columns,
            first == 0 ? 0.0f : 1.0f, dw_t.mem(), 0, g.oc, nullptr);
    }
    if (dx != nullptr) {
      // col = w^T [rows, oc] * dY [oc, columns], then dx_chunk = col2im(col).
      sgemm(runtime, true, false, rows, columns, g.oc, 1.0f, w, 0, rows, dy_chunk, dy_offset, columns, 0.0f, col.mem(),
            0, columns, nullptr);
      col2im(runtime, a, col.mem(), first, images, dx);
    }
  }
  if (dw != nullptr) transpose(runtime, dw_t.mem(), rows, g.oc, dw);
}

}  // namespace cnn::opencl
