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

// Below these a parallel region costs more than it saves. Pooling: 64K window cells (raised from 16K with the
// direct convolution's threshold, kernels/gemm/conv_direct.cpp: batch-1 pooling of the reference network now stays
// on one thread).
constexpr int64_t kMinPoolCellsPerParallelJob = 1 << 16;
constexpr int64_t kMinElementsPerParallelJob = 1 << 15;
// bias_backward sums planes of at least this many floats with the vector kernel (one vector's lanes).
constexpr int64_t kMinBiasPlane = 16;

// Output columns or rows [begin, end) whose windows lie inside the input along that axis (no padding).
struct WindowRange {
  int64_t begin, end;
};

WindowRange inner_windows(int64_t in, int64_t out, int32_t kernel, int32_t stride, int32_t pad_begin) {
  const int64_t begin = std::min<int64_t>(out, (pad_begin + stride - 1) / stride);
  const int64_t last_start = in - kernel + pad_begin;  // the largest o * stride that still fits
  const int64_t end = last_start < 0 ? 0 : std::min<int64_t>(out, last_start / stride + 1);
  return {begin, std::max(begin, end)};
}

WindowRange inner_columns(const Pool2dGeometry& g) {
  return inner_windows(g.w, g.ow, g.kernel_w, g.stride_w, g.pad_left);
}
WindowRange inner_rows(const Pool2dGeometry& g) { return inner_windows(g.h, g.oh, g.kernel_h, g.stride_h, g.pad_top); }

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

// The max-pool windows of output rows [oy_begin, oy_end) of one plane xp whose columns are `cols` (inside the
// input horizontally), as blocks: one for each run of rows whose windows are inside vertically too, one per
// row that the top or bottom padding clips. Calls run(block, oy) with block.y and block.argmax unset and oy the
// block's first output row.
template <class Run>
void for_each_window_block(const Pool2dGeometry& g, const float* xp, WindowRange rows_inside, WindowRange cols,
                           int64_t oy_begin, int64_t oy_end, int64_t out_stride, Run run) {
  if (cols.end == cols.begin) return;
  MaxWindowsBlock block{xp,        g.w,       0, 0, g.stride_h, 0, cols.begin * g.stride_w - g.pad_left,
                        g.stride_w, g.kernel_w, cols.end - cols.begin, nullptr, nullptr, out_stride};
  for (int64_t oy = oy_begin; oy < oy_end;) {
    const Span1d rows = clip_window(oy * g.stride_h - g.pad_top, g.kernel_h, g.h);
    const bool inside = oy >= rows_inside.begin && oy < rows_inside.end;
    block.row_begin = rows.begin;
    block.row_end = rows.end;
    block.out_rows = inside ? std::min(oy_end, rows_inside.end) - oy : 1;
    run(block, oy);
    oy += block.out_rows;
  }
}

// The windows of for_each_window_block through max_windows: y (and argmax, may be null) point at the window
// (oy_begin, cols.begin); rows are out_stride apart.
void max_inner_windows(const SimdKernels& k, const Pool2dGeometry& g, const float* xp, WindowRange rows_inside,
                       WindowRange cols, int64_t oy_begin, int64_t oy_end, float* y, int32_t* argmax,
                       int64_t out_stride) {
  auto run = [&](MaxWindowsBlock& block, int64_t oy) {
    block.y = y + (oy - oy_begin) * out_stride;
    block.argmax = argmax != nullptr ? argmax + (oy - oy_begin) * out_stride : nullptr;
    k.max_windows(block);
  };
  for_each_window_block(g, xp, rows_inside, cols, oy_begin, oy_end, out_stride, run);
}

void maxpool_forward(const SimdKernels& k, cnn_context& ctx, const Pool2dGeometry& g, const float* x, float* y) {
  if (!plane_fits_int32(g)) return maxpool2d_forward_ref(ctx, g, x, y);
  const WindowRange cols = inner_columns(g);
  const WindowRange rows_inside = inner_rows(g);
  const bool clipped_columns = cols.begin > 0 || cols.end < g.ow;
  const int64_t planes = g.n * g.c;
  const int threads =
      parallel_threads(ctx, planes * g.oh * g.ow * g.kernel_h * g.kernel_w, kMinPoolCellsPerParallelJob);
#pragma omp parallel for num_threads(threads)
  for (int64_t p = 0; p < planes; ++p) {
    const float* xp = x + p * g.h * g.w;
    float* yp = y + p * g.oh * g.ow;
    max_inner_windows(k, g, xp, rows_inside, cols, 0, g.oh, yp + cols.begin, nullptr, g.ow);
    if (!clipped_columns) continue;
    for (int64_t oy = 0; oy < g.oh; ++oy) {  // the columns that the left or right padding clips
      const Span1d rows = clip_window(oy * g.stride_h - g.pad_top, g.kernel_h, g.h);
      auto border = [&](int64_t ox) {
        const Span1d window_cols = clip_window(ox * g.stride_w - g.pad_left, g.kernel_w, g.w);
        yp[oy * g.ow + ox] = window_max(xp, g.w, rows, window_cols).value;
      };
      for (int64_t ox = 0; ox < cols.begin; ++ox) border(ox);
      for (int64_t ox = cols.end; ox < g.ow; ++ox) border(ox);
    }
  }
}

// Stride 2, kernel width 2, windows that share no cell: every dx cell gets at most one gradient, so the order
// of the sums does not matter and the inner windows write theirs directly (0 + dy at the winner, 0 elsewhere,
// as the reference's zero fill and sum). The cells no window covers are zeroed first; the windows that the
// left or right padding clips add theirs afterwards, one at a time.
void maxpool_backward_disjoint(const SimdKernels& k, cnn_context& ctx, const Pool2dGeometry& g, const float* x,
                               const float* dy, float* dx) {
  const int64_t planes = g.n * g.c;
  const int64_t in_plane = g.h * g.w;
  const int64_t out_plane = g.oh * g.ow;
  const WindowRange cols = inner_columns(g);
  const WindowRange rows_inside = inner_rows(g);
  const bool clipped_columns = cols.begin > 0 || cols.end < g.ow;
  const bool all_cells_covered = !clipped_columns && g.kernel_h == g.stride_h && g.pad_top == 0 &&
                                 g.oh * g.stride_h == g.h && g.ow * 2 == g.w;
  const int threads = parallel_threads(ctx, planes * out_plane * g.kernel_h * g.kernel_w, kMinPoolCellsPerParallelJob);
#pragma omp parallel for num_threads(threads)
  for (int64_t p = 0; p < planes; ++p) {
    const float* xp = x + p * in_plane;
    const float* dyp = dy + p * out_plane;
    float* dxp = dx + p * in_plane;
    if (!all_cells_covered) std::fill(dxp, dxp + in_plane, 0.0f);
    for_each_window_block(g, xp, rows_inside, cols, 0, g.oh, g.ow, [&](const MaxWindowsBlock& block, int64_t oy) {
      k.max_windows_backward_stride2(block, dyp + oy * g.ow + cols.begin, dxp);
    });
    if (!clipped_columns) continue;
    for (int64_t oy = 0; oy < g.oh; ++oy) {
      const Span1d rows = clip_window(oy * g.stride_h - g.pad_top, g.kernel_h, g.h);
      auto border = [&](int64_t ox) {
        const Span1d window_cols = clip_window(ox * g.stride_w - g.pad_left, g.kernel_w, g.w);
        dxp[window_max(xp, g.w, rows, window_cols).index] += dyp[oy * g.ow + ox];
      };
      for (int64_t ox = 0; ox < cols.begin; ++ox) border(ox);
      for (int64_t ox = cols.end; ox < g.ow; ++ox) border(ox);
    }
  }
}

// Winners are found for a block of output rows at a time (about kWinnerBlockCells windows), then the
// gradients are added row by row in the reference's window order.
constexpr int64_t kWinnerBlockCells = 4096;

void maxpool_backward(const SimdKernels& k, cnn_context& ctx, const Pool2dGeometry& g, const float* x,
                      const float* dy, float* dx) {
  if (!plane_fits_int32(g)) return maxpool2d_backward_ref(ctx, g, x, dy, dx);
  if (g.stride_w == 2 && g.kernel_w == 2 && g.kernel_h <= g.stride_h)
    return maxpool_backward_disjoint(k, ctx, g, x, dy, dx);
  const int64_t planes = g.n * g.c;
  const int64_t in_plane = g.h * g.w;
  const int64_t out_plane = g.oh * g.ow;
  const WindowRange cols = inner_columns(g);
  const WindowRange rows_inside = inner_rows(g);
  const int64_t block_rows = std::min(g.oh, std::max<int64_t>(1, kWinnerBlockCells / g.ow));
  const int64_t block_cells = block_rows * g.ow;
  const int threads = parallel_threads(ctx, planes * out_plane * g.kernel_h * g.kernel_w, kMinPoolCellsPerParallelJob);
  // Per thread: the winners' values (unused) and plane indices of one block of output rows.
  Scratch scratch = ctx.scratch(static_cast<size_t>(2 * block_cells * threads));
  float* scratch_base = scratch.data();
#pragma omp parallel for num_threads(threads)
  for (int64_t p = 0; p < planes; ++p) {
    float* values = scratch_base + 2 * block_cells * omp_get_thread_num();
    int32_t* winners = reinterpret_cast<int32_t*>(values + block_cells);
    const float* xp = x + p * in_plane;
    float* dxp = dx + p * in_plane;
    std::fill(dxp, dxp + in_plane, 0.0f);
    for (int64_t oy0 = 0; oy0 < g.oh; oy0 += block_rows) {
      const int64_t oy1 = std::min(g.oh, oy0 + block_rows);
      max_inner_windows(k, g, xp, rows_inside, cols, oy0, oy1, values + cols.begin, winners + cols.begin, g.ow);
      // Windows in increasing (oy, ox), as the reference, so overlapping windows add in the same order.
      for (int64_t oy = oy0; oy < oy1; ++oy) {
        const Span1d rows = clip_window(oy * g.stride_h - g.pad_top, g.kernel_h, g.h);
        const float* dyr = dy + p * out_plane + oy * g.ow;
        const int32_t* row_winners = winners + (oy - oy0) * g.ow;
        for (int64_t ox = 0; ox < g.ow; ++ox) {
          if (ox >= cols.begin && ox < cols.end) {
            dxp[row_winners[ox]] += dyr[ox];
          } else {
            const Span1d window_cols = clip_window(ox * g.stride_w - g.pad_left, g.kernel_w, g.w);
            dxp[window_max(xp, g.w, rows, window_cols).index] += dyr[ox];
          }
        }
      }
    }
  }
}

void avgpool_forward(const SimdKernels& k, cnn_context& ctx, const Pool2dGeometry& g, const float* x, float* y) {
  if (!plane_fits_int32(g)) return avgpool2d_forward_ref(ctx, g, x, y);
  const WindowRange inner = inner_columns(g);
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

// The average-pooling gradient gathered per input cell instead of scattered per window: each plane's shares
// (dy / divisor, in float: the correctly rounded quotient, as the reference's double division rounded to float)
// first, then each input row from the share rows of the windows that cover it, k.avg_backward_row gathering the
// columns through tables built once per call (which window columns cover each input column). Every cell adds its
// shares from +0 in the reference's (window row, window column) order, so dx is the reference's, bit for bit.
void avgpool_backward(const SimdKernels& k, cnn_context& ctx, const Pool2dGeometry& g, const float* dy, float* dx) {
  if (!plane_fits_int32(g) || g.ow > std::numeric_limits<int32_t>::max()) return avgpool2d_backward_ref(ctx, g, dy, dx);
  const int64_t planes = g.n * g.c;
  const int64_t in_plane = g.h * g.w;
  const int64_t out_plane = g.oh * g.ow;
  // Window columns covering input column ix: ox in [first(ix), last(ix)], at most `slots` of them.
  const int slots = (g.kernel_w + g.stride_w - 1) / g.stride_w;
  const int64_t stride = g.w + 16;  // a vector's worth of padding per slot (at most 16 lanes)
  const int64_t table = slots * stride;
  const int threads = parallel_threads(ctx, planes * out_plane * g.kernel_h * g.kernel_w, kMinPoolCellsPerParallelJob);
  auto round16 = [](int64_t floats) { return (floats + 15) / 16 * 16; };
  const int64_t share_floats = round16(g.oh * g.ow);
  const int64_t per_thread = share_floats + round16(2 * g.oh);  // shares, then share-row pointers (2 slots each)
  const int64_t shared = round16(2 * table + g.ow);             // column (int32 in float slots), valid, col_cells
  Scratch scratch = ctx.scratch(static_cast<size_t>(shared + threads * per_thread));
  int32_t* column = reinterpret_cast<int32_t*>(scratch.data());
  float* valid = scratch.data() + table;
  float* col_cells = valid + table;
  float* thread_space = scratch.data() + shared;
  std::fill(column, column + table, 0);
  std::fill(valid, valid + table, 0.0f);
  for (int64_t ox = 0; ox < g.ow; ++ox) {
    const Span1d cols = clip_window(ox * g.stride_w - g.pad_left, g.kernel_w, g.w);
    col_cells[ox] = static_cast<float>(cols.end - cols.begin);
    for (int64_t ix = cols.begin; ix < cols.end; ++ix) {
      // Slots fill in window-column order: the first free slot of ix.
      for (int slot = 0; slot < slots; ++slot) {
        const int64_t at = slot * stride + ix;
        if (valid[at] == 0.0f) {
          column[at] = static_cast<int32_t>(ox);
          valid[at] = 1.0f;
          break;
        }
      }
    }
  }
#pragma omp parallel num_threads(threads)
  {
    float* share = thread_space + omp_get_thread_num() * per_thread;
    const float** share_rows = reinterpret_cast<const float**>(share + share_floats);
#pragma omp for schedule(static)
    for (int64_t p = 0; p < planes; ++p) {
      const float* dyp = dy + p * out_plane;
      for (int64_t oy = 0; oy < g.oh; ++oy) {
        const Span1d rows = clip_window(oy * g.stride_h - g.pad_top, g.kernel_h, g.h);
        const float row_cells = static_cast<float>(rows.end - rows.begin);
        for (int64_t ox = 0; ox < g.ow; ++ox) {
          const float divisor = g.count_include_pad ? static_cast<float>(int64_t{g.kernel_h} * g.kernel_w)
                                                    : row_cells * col_cells[static_cast<size_t>(ox)];
          share[oy * g.ow + ox] = dyp[oy * g.ow + ox] / divisor;
        }
      }
      float* dxp = dx + p * in_plane;
      for (int64_t iy = 0; iy < g.h; ++iy) {
        // Window rows covering iy: oy * stride_h - pad_top <= iy < oy * stride_h - pad_top + kernel_h.
        const int64_t top = iy + g.pad_top;
        const int64_t first = std::max<int64_t>(0, (top - g.kernel_h + g.stride_h) / g.stride_h);
        const int64_t last = std::min<int64_t>(g.oh - 1, top / g.stride_h);
        int rows = 0;
        for (int64_t oy = first; oy <= last; ++oy) {
          const Span1d window = clip_window(oy * g.stride_h - g.pad_top, g.kernel_h, g.h);
          if (iy >= window.begin && iy < window.end) share_rows[rows++] = share + oy * g.ow;
        }
        k.avg_backward_row(g.w, rows, share_rows, slots, column, valid, stride, dxp + iy * g.w);
      }
    }
  }
}

// dx[p, i] = dy[p] / plane_size, as global_avgpool2d_backward_ref (the float quotient is its double one rounded).
void global_avgpool_backward(const SimdKernels& k, cnn_context& ctx, int64_t planes, int64_t plane_size,
                             const float* dy, float* dx) {
  // Sizes past 2^24 are not exact in float: the reference's double division there.
  if (plane_size > (int64_t{1} << 24)) return global_avgpool2d_backward_ref(ctx, planes, plane_size, dy, dx);
#pragma omp parallel for num_threads(parallel_threads(ctx, planes * plane_size, kMinPoolCellsPerParallelJob))
  for (int64_t p = 0; p < planes; ++p) {
    k.fill_row(plane_size, dy[p] / static_cast<float>(plane_size), dx + p * plane_size);
  }
}

void global_avgpool_forward(const SimdKernels& k, cnn_context& ctx, int64_t planes, int64_t plane_size,
                            const float* x, float* y) {
#pragma omp parallel for num_threads(parallel_threads(ctx, planes * plane_size, kMinPoolCellsPerParallelJob))
  for (int64_t p = 0; p < planes; ++p) y[p] = k.sum(plane_size, x + p * plane_size) / static_cast<float>(plane_size);
}

// The sum of squares as sum_squares_ref groups it (chunks of kSumChunk elements, fixed by count, added in chunk
// order), each chunk summed by the tier's kernel: the same bits on any thread count. The reference adds every
// element to one double in turn, a chain of dependent additions: 3.1-5.0 ms on one thread for 3.3M floats (the
// reference network's parameters, whose norm gradient clipping takes every step), 1.2 ms here (bench/README.md,
// session 9).
double sum_squares(const SimdKernels& k, cnn_context& ctx, int64_t count, const float* x) {
  constexpr int64_t kSumChunk = 1 << 14;  // sum_squares_ref's
  const int64_t chunks = (count + kSumChunk - 1) / kSumChunk;
  Scratch scratch = ctx.scratch(static_cast<size_t>(chunks) * 2);  // one double per chunk, as the reference
  double* partial = reinterpret_cast<double*>(scratch.data());
#pragma omp parallel for num_threads(parallel_threads(ctx, count, kMinElementsPerParallelJob))
  for (int64_t c = 0; c < chunks; ++c) {
    partial[c] = k.sum_squares(std::min(kSumChunk, count - c * kSumChunk), x + c * kSumChunk);
  }
  double total = 0.0;
  for (int64_t c = 0; c < chunks; ++c) total += partial[c];
  return total;
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

void sgd_update(const SimdKernels& k, cnn_context& ctx, const cnn_sgd_params& p, int64_t count, float* param,
                const float* grad, float* velocity) {
  chunked(ctx, count, [&](int64_t begin, int64_t n) {
    k.sgd(p, n, param + begin, grad + begin, velocity != nullptr ? velocity + begin : nullptr);
  });
}

// Chunks start at multiples of 64 elements (chunked), so each starts at a whole Philox block of 4.
void dropout(const SimdKernels& k, cnn_context& ctx, int64_t count, float rate, uint64_t seed, const float* in,
             float* out) {
  chunked(ctx, count, [&](int64_t begin, int64_t n) { k.dropout(rate, seed, begin, n, in + begin, out + begin); });
}

// ---- batch norm: batchnorm2d_ref.cpp's loops per channel, each plane through the tier's kernels (float vectors),
// the planes' sums added in double in image order; every channel on one thread, so the bits never depend on the
// thread count. The sums run over deviations, never over x itself: first from the channel's first element (so a
// mean large next to the spread costs no digits), then from the mean. Within a few ulp of the reference
// (tests/native/test_batchnorm2d.cpp).

// The double mean as two floats (hi + lo), for the kernels' deviations (x - hi) - lo.
void split(double mean, float* hi, float* lo) {
  *hi = static_cast<float>(mean);
  *lo = static_cast<float>(mean - static_cast<double>(*hi));
}

void batchnorm_training(const SimdKernels& k, cnn_context& ctx, const BatchNormShape& s, const float* x,
                        const float* gamma, const float* beta, float momentum, float epsilon, float* running_mean,
                        float* running_var, float* saved_mean, float* saved_inv_std, float* y) {
  const int64_t count = s.n * s.plane;  // elements per channel
#pragma omp parallel for num_threads(parallel_threads(ctx, s.c * count, kMinElementsPerParallelJob))
  for (int64_t c = 0; c < s.c; ++c) {
    const float first = x[c * s.plane];
    double shifted = 0.0;
    for (int64_t n = 0; n < s.n; ++n) {
      float sum_d = 0.0f, sum_d2 = 0.0f;
      k.bn_moments(s.plane, x + (n * s.c + c) * s.plane, first, 0.0f, &sum_d, &sum_d2);
      shifted += sum_d;
    }
    const double mean = static_cast<double>(first) + shifted / static_cast<double>(count);
    float hi = 0.0f, lo = 0.0f;
    split(mean, &hi, &lo);
    double squares = 0.0;
    for (int64_t n = 0; n < s.n; ++n) {
      float sum_d = 0.0f, sum_d2 = 0.0f;
      k.bn_moments(s.plane, x + (n * s.c + c) * s.plane, hi, lo, &sum_d, &sum_d2);
      squares += sum_d2;
    }
    const double inv_std = batchnorm2d_channel_statistics(mean, squares, count, momentum, epsilon, running_mean + c,
                                                          running_var + c, saved_mean + c, saved_inv_std + c);
    const float scale = static_cast<float>(static_cast<double>(gamma[c]) * inv_std);
    for (int64_t n = 0; n < s.n; ++n) {
      const int64_t at = (n * s.c + c) * s.plane;
      k.bn_normalize(s.plane, x + at, hi, lo, scale, beta[c], y + at);
    }
  }
}

void batchnorm_inference(const SimdKernels& k, cnn_context& ctx, const BatchNormShape& s, const float* x,
                         const float* gamma, const float* beta, const float* running_mean, const float* running_var,
                         float epsilon, float* y) {
  const int64_t planes = s.n * s.c;
#pragma omp parallel for num_threads(parallel_threads(ctx, planes * s.plane, kMinElementsPerParallelJob))
  for (int64_t p = 0; p < planes; ++p) {
    const int64_t c = p % s.c;
    const double inv_std = 1.0 / std::sqrt(static_cast<double>(running_var[c]) + static_cast<double>(epsilon));
    const float scale = static_cast<float>(static_cast<double>(gamma[c]) * inv_std);
    k.bn_normalize(s.plane, x + p * s.plane, running_mean[c], 0.0f, scale, beta[c], y + p * s.plane);
  }
}

// dx = k * (M * dy - sum(dy) - xhat * sum(dy * xhat)) with k = gamma * inv_std / M and xhat = d * inv_std, as
// a * dy + b * d + c: a = k * M, b = -k * inv_std * sum(dy * xhat), c = -k * sum(dy).
void batchnorm_backward(const SimdKernels& k, cnn_context& ctx, const BatchNormShape& s, const float* x,
                        const float* gamma, const float* saved_mean, const float* saved_inv_std, const float* dy,
                        float* dx, float* dgamma, float* dbeta) {
  const int64_t count = s.n * s.plane;
  const double m_count = static_cast<double>(count);
#pragma omp parallel for num_threads(parallel_threads(ctx, s.c * count, kMinElementsPerParallelJob))
  for (int64_t c = 0; c < s.c; ++c) {
    const float mean = saved_mean[c];
    const double inv_std = saved_inv_std[c];
    double sum_dy = 0.0, sum_dy_d = 0.0;
    for (int64_t n = 0; n < s.n; ++n) {
      const int64_t at = (n * s.c + c) * s.plane;
      float plane_dy = 0.0f, plane_dy_d = 0.0f;
      k.bn_grad_sums(s.plane, x + at, dy + at, mean, 0.0f, &plane_dy, &plane_dy_d);
      sum_dy += plane_dy;
      sum_dy_d += plane_dy_d;
    }
    const double sum_dy_xhat = sum_dy_d * inv_std;
    if (dgamma != nullptr) dgamma[c] = static_cast<float>(sum_dy_xhat);
    if (dbeta != nullptr) dbeta[c] = static_cast<float>(sum_dy);
    const double kc = static_cast<double>(gamma[c]) * inv_std / m_count;
    const float a = static_cast<float>(kc * m_count);
    const float b = static_cast<float>(-kc * inv_std * sum_dy_xhat);
    const float cc = static_cast<float>(-kc * sum_dy);
    for (int64_t n = 0; n < s.n; ++n) {
      const int64_t at = (n * s.c + c) * s.plane;
      k.bn_grad(s.plane, x + at, dy + at, mean, 0.0f, a, b, cc, dx + at);
    }
  }
}

void adam_update(const SimdKernels& k, cnn_context& ctx, const cnn_adam_params& p, int64_t count, float* param,
                 const float* grad, float* m, float* v) {
  chunked(ctx, count,
          [&](int64_t begin, int64_t n) { k.adam(p, n, param + begin, grad + begin, m + begin, v + begin); });
}

// db[c] = the sum over images of each image's plane of channel c: each plane summed by k.sum (float vectors), the
// planes added in double in image order, as bias_backward_ref adds every element (within a few ulp of it for
// convolution planes); the channels split between threads, so the bits never depend on the thread count. Planes
// narrower than kMinBiasPlane (the dense layer's bias: plane 1) stay on the reference loop.
void bias_backward(const SimdKernels& k, cnn_context& ctx, int64_t n, int64_t channels, int64_t plane, const float* dy,
                   float* db) {
  if (plane < kMinBiasPlane) return bias_backward_ref(ctx, n, channels, plane, dy, db);
#pragma omp parallel for num_threads(parallel_threads(ctx, n * channels * plane, kMinElementsPerParallelJob))
  for (int64_t c = 0; c < channels; ++c) {
    double sum = 0.0;
    for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(k.sum(plane, dy + (i * channels + c) * plane));
    db[c] = static_cast<float>(sum);
  }
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
  }                                                                                                                \
  double sum_squares_##isa(cnn_context& ctx, int64_t count, const float* x) {                                      \
    return sum_squares(simd_kernels_##isa(), ctx, count, x);                                                       \
  }                                                                                                                \
  void global_avgpool2d_backward_##isa(cnn_context& ctx, int64_t planes, int64_t plane_size, const float* dy,       \
                                       float* dx) {                                                                \
    global_avgpool_backward(simd_kernels_##isa(), ctx, planes, plane_size, dy, dx);                                \
  }                                                                                                                \
  void avgpool2d_backward_##isa(cnn_context& ctx, const Pool2dGeometry& g, const float* dy, float* dx) {           \
    avgpool_backward(simd_kernels_##isa(), ctx, g, dy, dx);                                                        \
  }                                                                                                                \
  void bias_backward_##isa(cnn_context& ctx, int64_t n, int64_t channels, int64_t plane, const float* dy,           \
                           float* db) {                                                                            \
    bias_backward(simd_kernels_##isa(), ctx, n, channels, plane, dy, db);                                          \
  }                                                                                                                \
  void sgd_update_##isa(cnn_context& ctx, const cnn_sgd_params& p, int64_t count, float* param, const float* grad, \
                        float* velocity) {                                                                         \
    sgd_update(simd_kernels_##isa(), ctx, p, count, param, grad, velocity);                                        \
  }                                                                                                                \
  void adam_update_##isa(cnn_context& ctx, const cnn_adam_params& p, int64_t count, float* param,                  \
                         const float* grad, float* m, float* v) {                                                  \
    adam_update(simd_kernels_##isa(), ctx, p, count, param, grad, m, v);                                           \
  }                                                                                                                \
  void dropout_##isa(cnn_context& ctx, int64_t count, float rate, uint64_t seed, const float* in, float* out) {     \
    dropout(simd_kernels_##isa(), ctx, count, rate, seed, in, out);                                                \
  }                                                                                                                \
  void batchnorm2d_forward_training_##isa(cnn_context& ctx, const BatchNormShape& s, const float* x,               \
                                          const float* gamma, const float* beta, float momentum, float epsilon,    \
                                          float* running_mean, float* running_var, float* saved_mean,              \
                                          float* saved_inv_std, float* y) {                                        \
    batchnorm_training(simd_kernels_##isa(), ctx, s, x, gamma, beta, momentum, epsilon, running_mean, running_var,  \
                       saved_mean, saved_inv_std, y);                                                              \
  }                                                                                                                \
  void batchnorm2d_forward_inference_##isa(cnn_context& ctx, const BatchNormShape& s, const float* x,              \
                                           const float* gamma, const float* beta, const float* running_mean,       \
                                           const float* running_var, float epsilon, float* y) {                    \
    batchnorm_inference(simd_kernels_##isa(), ctx, s, x, gamma, beta, running_mean, running_var, epsilon, y);      \
  }                                                                                                                \
  void batchnorm2d_backward_##isa(cnn_context& ctx, const BatchNormShape& s, const float* x, const float* gamma,    \
                                  const float* saved_mean, const float* saved_inv_std, const float* dy, float* dx, \
                                  float* dgamma, float* dbeta) {                                                   \
    batchnorm_backward(simd_kernels_##isa(), ctx, s, x, gamma, saved_mean, saved_inv_std, dy, dx, dgamma, dbeta);  \
  }

#if defined(CNN_HAVE_AVX2)
CNN_SIMD_ENTRIES(avx2)
#endif
#if defined(CNN_HAVE_AVX512)
CNN_SIMD_ENTRIES(avx512)
#endif

}  // namespace cnn
