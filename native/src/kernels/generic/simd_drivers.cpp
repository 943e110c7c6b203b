// The portable half of the vectorised element-wise kernels: loops over planes, rows and chunks, threading,
// and the pooling windows that the padding clips (the borders), computed with the reference rules of
// kernels/ref/pool2d_window.h. The vectorisable middle goes to an ISA table (kernels/simd/simd_kernels.h).
// Layout: float32 NCHW, row-major. Reference kernels: pool2d_ref.cpp, pool2d_backward_ref.cpp,
// activation_ref.cpp, activation_backward_ref.cpp, softmax_ref.cpp, softmax_backward_ref.cpp.
//
// Results never depend on the thread count: each plane, row block or chunk is computed by one thread in a
// fixed order, and max pooling's backward adds into dx in the reference's window order.
#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <limits>

#include "core/context.h"
#include "kernels/kernels.h"
#include "kernels/ref/pool2d_window.h"
#include "kernels/simd/simd_kernels.h"

namespace cnn {

namespace {

// The same thresholds as the reference kernels: below them a parallel region costs more than it saves.
constexpr int64_t kMinPoolCellsPerParallelJob = 1 << 14;
constexpr int64_t kMinElementsPerParallelJob = 1 << 15;

// Output columns [begin, end) whose windows lie inside the input horizontally (no left or right padding).
struct ColumnRange {
  int64_t begin, end;
};

ColumnRange inner_columns(const Pool2dGeometry& g) {
  const int64_t begin = std::min<int64_t>(g.ow, (g.pad_left + g.stride_w - 1) / g.stride_w);
  const int64_t last_start = g.w - g.kernel_w + g.pad_left;  // the largest ox * stride_w that still fits
  const int64_t end = last_start < 0 ? 0 : std::min<int64_t>(g.ow, last_start / g.stride_w + 1);
  return {begin, std::max(begin, end)};
}

// The vector kernels index a plane with int32 (gathers, argmax); larger planes use the reference kernel.
bool plane_fits_int32(const Pool2dGeometry& g) { return g.h * g.w <= std::numeric_limits<int32_t>::max(); }

// Calls row(p, oy, rows) for every output row oy of every plane p, with `rows` the row's window clipped to the
// input; each plane belongs to one thread.
template <class Row>
void for_each_output_row(const cnn_context& ctx, const Pool2dGeometry& g, Row row) {
  const int64_t planes = g.n * g.c;
  const int threads =
      parallel_threads(ctx, planes * g.oh * g.ow * g.kernel_h * g.kernel_w, kMinPoolCellsPerParallelJob);
#pragma omp parallel for num_threads(threads)
  for (int64_t p = 0; p < planes; ++p) {
    for (int64_t oy = 0; oy < g.oh; ++oy) row(p, oy, clip_window(oy * g.stride_h - g.pad_top, g.kernel_h, g.h));
  }
}

void maxpool_forward(const SimdKernels& k, cnn_context& ctx, const Pool2dGeometry& g, const float* x, float* y) {
  if (!plane_fits_int32(g)) return maxpool2d_forward_ref(ctx, g, x, y);
  const ColumnRange inner = inner_columns(g);
  for_each_output_row(ctx, g, [&](int64_t p, int64_t oy, Span1d rows) {
    const float* xp = x + p * g.h * g.w;
    float* yr = y + (p * g.oh + oy) * g.ow;
    for (int64_t ox = 0; ox < g.ow; ++ox) {
      if (ox == inner.begin && inner.end > inner.begin) {
        k.max_windows(xp, g.w, rows.begin, rows.end, ox * g.stride_w - g.pad_left, g.stride_w, g.kernel_w,
                      inner.end - inner.begin, yr + ox, nullptr);
        ox = inner.end - 1;
        continue;
      }
      const Span1d cols = clip_window(ox * g.stride_w - g.pad_left, g.kernel_w, g.w);
      yr[ox] = window_max(xp, g.w, rows, cols).value;
    }
  });
}

void maxpool_backward(const SimdKernels& k, cnn_context& ctx, const Pool2dGeometry& g, const float* x,
                      const float* dy, float* dx) {
  if (!plane_fits_int32(g)) return maxpool2d_backward_ref(ctx, g, x, dy, dx);
  const int64_t planes = g.n * g.c;
  const int64_t in_plane = g.h * g.w;
  const int64_t out_plane = g.oh * g.ow;
  const ColumnRange inner = inner_columns(g);
  const int threads = parallel_threads(ctx, planes * out_plane * g.kernel_h * g.kernel_w, kMinPoolCellsPerParallelJob);
  // Per thread: the winners' values (unused) and plane indices of one output row.
  Scratch scratch = ctx.scratch(static_cast<size_t>(2 * g.ow * threads));
  float* scratch_base = scratch.data();
#pragma omp parallel for num_threads(threads)
  for (int64_t p = 0; p < planes; ++p) {
    float* values = scratch_base + 2 * g.ow * omp_get_thread_num();
    int32_t* winners = reinterpret_cast<int32_t*>(values + g.ow);
    const float* xp = x + p * in_plane;
    float* dxp = dx + p * in_plane;
    std::fill(dxp, dxp + in_plane, 0.0f);
    for (int64_t oy = 0; oy < g.oh; ++oy) {
      const Span1d rows = clip_window(oy * g.stride_h - g.pad_top, g.kernel_h, g.h);
      const float* dyr = dy + p * out_plane + oy * g.ow;
      if (inner.end > inner.begin)
        k.max_windows(xp, g.w, rows.begin, rows.end, inner.begin * g.stride_w - g.pad_left, g.stride_w, g.kernel_w,
                      inner.end - inner.begin, values, winners);
      // Windows in increasing ox, as the reference, so overlapping windows add in the same order.
      for (int64_t ox = 0; ox < g.ow; ++ox) {
        if (ox >= inner.begin && ox < inner.end) {
          dxp[winners[ox - inner.begin]] += dyr[ox];
        } else {
          const Span1d cols = clip_window(ox * g.stride_w - g.pad_left, g.kernel_w, g.w);
          dxp[window_max(xp, g.w, rows, cols).index] += dyr[ox];
        }
      }
    }
  }
}

void avgpool_forward(const SimdKernels& k, cnn_context& ctx, const Pool2dGeometry& g, const float* x, float* y) {
  if (!plane_fits_int32(g)) return avgpool2d_forward_ref(ctx, g, x, y);
  const ColumnRange inner = inner_columns(g);
  for_each_output_row(ctx, g, [&](int64_t p, int64_t oy, Span1d rows) {
    const float* xp = x + p * g.h * g.w;
    float* yr = y + (p * g.oh + oy) * g.ow;
    for (int64_t ox = 0; ox < g.ow; ++ox) {
      const Span1d cols = clip_window(ox * g.stride_w - g.pad_left, g.kernel_w, g.w);
      const int64_t divisor = window_divisor(g.count_include_pad, g.kernel_h, g.kernel_w, rows, cols);
      if (ox == inner.begin && inner.end > inner.begin) {  // every inner window has this row's divisor
        k.avg_windows(xp, g.w, rows.begin, rows.end, ox * g.stride_w - g.pad_left, g.stride_w, g.kernel_w,
                      inner.end - inner.begin, static_cast<float>(divisor), yr + ox);
        ox = inner.end - 1;
        continue;
      }
      double total = 0.0;
      for (int64_t iy = rows.begin; iy < rows.end; ++iy) {
        for (int64_t ix = cols.begin; ix < cols.end; ++ix) total += xp[iy * g.w + ix];
      }
      yr[ox] = static_cast<float>(total / static_cast<double>(divisor));
    }
  });
}

void global_avgpool_forward(const SimdKernels& k, cnn_context& ctx, int64_t planes, int64_t plane_size,
                            const float* x, float* y) {
#pragma omp parallel for num_threads(parallel_threads(ctx, planes * plane_size, kMinPoolCellsPerParallelJob))
  for (int64_t p = 0; p < planes; ++p) y[p] = k.sum(plane_size, x + p * plane_size) / static_cast<float>(plane_size);
}

// Contiguous chunks, one per thread, cut at multiples of 64 floats (whole cache lines, whole vectors).
template <typename Body>
void chunked(const cnn_context& ctx, int64_t count, Body body) {
  const int threads = parallel_threads(ctx, count, kMinElementsPerParallelJob);
  if (threads <= 1) {
    body(int64_t{0}, count);
    return;
  }
  const int64_t share = (count + threads - 1) / threads;
  const int64_t step = (share + 63) / 64 * 64;
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int part = 0; part < threads; ++part) {
    const int64_t begin = std::min(count, part * step);
    const int64_t end = std::min(count, begin + step);
    if (end > begin) body(begin, end - begin);
  }
}

void activation_forward(const SimdKernels& k, cnn_context& ctx, cnn_activation activation, float alpha,
                        int64_t count, const float* x, float* y) {
  chunked(ctx, count, [&](int64_t begin, int64_t n) { k.activation(activation, alpha, n, x + begin, y + begin); });
}

void activation_backward(const SimdKernels& k, cnn_context& ctx, cnn_activation activation, float alpha,
                         int64_t count, const float* x, const float* dy, float* dx) {
  chunked(ctx, count, [&](int64_t begin, int64_t n) {
    k.activation_backward(activation, alpha, n, x + begin, dy + begin, dx + begin);
  });
}

void softmax_forward(const SimdKernels& k, cnn_context& ctx, int64_t outer, int64_t classes, int64_t inner,
                     const float* x, float* y) {
  const int64_t block = classes * inner;
#pragma omp parallel for num_threads(parallel_threads(ctx, outer * block, kMinElementsPerParallelJob))
  for (int64_t o = 0; o < outer; ++o) k.softmax(classes, inner, x + o * block, y + o * block);
}

void softmax_backward(const SimdKernels& k, cnn_context& ctx, int64_t outer, int64_t classes, int64_t inner,
                      const float* y, const float* dy, float* dx) {
  const int64_t block = classes * inner;
#pragma omp parallel for num_threads(parallel_threads(ctx, outer * block, kMinElementsPerParallelJob))
  for (int64_t o = 0; o < outer; ++o) k.softmax_backward(classes, inner, y + o * block, dy + o * block, dx + o * block);
}

// Up to kDenseRowsMax rows: threads split the outputs in blocks of whole cache lines of w rows; more rows go
// to the GEMM (dense_forward_gemm), where packing the weights pays for itself.
void dense_forward(const SimdKernels& k, cnn_context& ctx, int64_t n, int64_t in, int64_t out, const float* x,
                   const float* w, const float* bias, float* y) {
  if (n > kDenseRowsMax) return dense_forward_gemm(ctx, n, in, out, x, w, bias, y);
  const int threads = parallel_threads(ctx, n * in * out, 1 << 16);
  if (threads <= 1) return k.dense_rows(n, in, out, 0, out, x, w, bias, y);
  const int64_t share = ((out + threads - 1) / threads + 3) / 4 * 4;  // multiples of the kernel's 4 outputs
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int part = 0; part < threads; ++part) {
    const int64_t begin = std::min(out, part * share);
    const int64_t end = std::min(out, begin + share);
    if (end > begin) k.dense_rows(n, in, out, begin, end, x, w, bias, y);
  }
}

// dense_forward, then ReLU: in the GEMM's write-back when the GEMM runs, else over y in place.
void dense_forward_relu(const SimdKernels& k, cnn_context& ctx, int64_t n, int64_t in, int64_t out, const float* x,
                        const float* w, const float* bias, float* y) {
  if (n > kDenseRowsMax) return dense_forward_gemm_relu(ctx, n, in, out, x, w, bias, y);
  dense_forward(k, ctx, n, in, out, x, w, bias, y);
  activation_forward(k, ctx, CNN_ACTIVATION_RELU, 0.0f, n * out, y, y);
}

}  // namespace

// The kernel-table entries of one ISA: each binds the drivers above to that ISA's inner loops.
#define CNN_SIMD_ENTRIES(isa)                                                                                      \
  void maxpool2d_forward_##isa(cnn_context& ctx, const Pool2dGeometry& g, const float* x, float* y) {              \
    maxpool_forward(simd_kernels_##isa(), ctx, g, x, y);                                                           \
  }                                                                                                                \
  void maxpool2d_backward_##isa(cnn_context& ctx, const Pool2dGeometry& g, const float* x, const float* dy,        \
                                float* dx) {                                                                       \
    maxpool_backward(simd_kernels_##isa(), ctx, g, x, dy, dx);                                                     \
  }                                                                                                                \
  void avgpool2d_forward_##isa(cnn_context& ctx, const Pool2dGeometry& g, const float* x, float* y) {              \
    avgpool_forward(simd_kernels_##isa(), ctx, g, x, y);                                                           \
  }                                                                                                                \
  void global_avgpool2d_forward_##isa(cnn_context& ctx, int64_t planes, int64_t plane_size, const float* x,        \
                                      float* y) {                                                                  \
    global_avgpool_forward(simd_kernels_##isa(), ctx, planes, plane_size, x, y);                                   \
  }                                                                                                                \
  void activation_forward_##isa(cnn_context& ctx, cnn_activation activation, float alpha, int64_t count,           \
                                const float* x, float* y) {                                                        \
    activation_forward(simd_kernels_##isa(), ctx, activation, alpha, count, x, y);                                 \
  }                                                                                                                \
  void activation_backward_##isa(cnn_context& ctx, cnn_activation activation, float alpha, int64_t count,          \
                                 const float* x, const float* dy, float* dx) {                                     \
    activation_backward(simd_kernels_##isa(), ctx, activation, alpha, count, x, dy, dx);                           \
  }                                                                                                                \
  void softmax_forward_##isa(cnn_context& ctx, int64_t outer, int64_t classes, int64_t inner, const float* x,      \
                             float* y) {                                                                           \
    softmax_forward(simd_kernels_##isa(), ctx, outer, classes, inner, x, y);                                       \
  }                                                                                                                \
  void softmax_backward_##isa(cnn_context& ctx, int64_t outer, int64_t classes, int64_t inner, const float* y,     \
                              const float* dy, float* dx) {                                                        \
    softmax_backward(simd_kernels_##isa(), ctx, outer, classes, inner, y, dy, dx);                                 \
  }                                                                                                                \
  void dense_forward_##isa(cnn_context& ctx, int64_t n, int64_t in, int64_t out, const float* x, const float* w,   \
                           const float* bias, float* y) {                                                          \
    dense_forward(simd_kernels_##isa(), ctx, n, in, out, x, w, bias, y);                                           \
  }                                                                                                                \
  void dense_forward_relu_##isa(cnn_context& ctx, int64_t n, int64_t in, int64_t out, const float* x,              \
                                const float* w, const float* bias, float* y) {                                     \
    dense_forward_relu(simd_kernels_##isa(), ctx, n, in, out, x, w, bias, y);                                      \
  }

#if defined(CNN_HAVE_AVX2)
CNN_SIMD_ENTRIES(avx2)
#endif
#if defined(CNN_HAVE_AVX512)
CNN_SIMD_ENTRIES(avx512)
#endif

}  // namespace cnn
