// Computes C = alpha * op(A) * op(B) + beta * C with BLIS-style cache blocking: the portable half of every
// SGEMM tier. Layout: row-major; op(A) is m x k (A stored k x m when trans_a), op(B) is k x n (B stored n x k
// when trans_b). Reference kernel: sgemm_ref (kernels/ref/gemm_ref.cpp).
//
// Loops, outermost first: BLIS frame/3/gemm/bli_gemm_ker_var2.c with the roles of A and B mirrored, since
// our row-major C is BLIS's column-major C transposed (B is the side loaded as vectors, A is broadcast):
//   ic over M in MC rows    -> pc over K in KC -> pack A[mc x kc] into MR-row panels (meant for L3)
//   jc over N in NC columns -> pack B[kc x nc] into NR-column panels (meant for L2)
//   micro-tiles, row by row -> the tier's MR x NR micro-kernel; one A micro-panel (MR x KC) stays in L1
//                              while the B micro-panels of the row stream from L2. It also does the write-back.
// Threads either own whole column slices of C (each packs its own A and B: no barrier but the join; used when
// C is at least two NR panels wide per thread) or share the packed panels and split the packing and the
// micro-tiles, i.e. the M and N loops. Never K: every element of C is summed in the same order whatever the
// thread count, so results are bit-identical for 1, 2 or n threads and across concurrent calls. Edge panels are zero-padded when
// packed; the micro-kernel clips its write-back to the m x n part of the tile that lies inside C.
#include "kernels/gemm/sgemm_driver.h"

#include <omp.h>

#include <algorithm>
#include <cstddef>
#include <exception>
#include <new>

#include "core/context.h"

namespace cnn {

namespace {

// Below this many multiply-adds a parallel region costs more than it saves.
constexpr double kMinWorkPerThread = 65536.0;
// Above this many depth blocks, a narrow GEMM (too few column panels for every thread to own some) runs on one
// thread rather than cross 2-3 barriers per block.
constexpr int64_t kMaxSharedDepthBlocks = 16;

// A grow-only, 64-byte aligned buffer. One pair lives in each calling thread (thread_local), so the
// steady state allocates nothing and concurrent calls never share packing memory.
class PackBuffer {
 public:
  PackBuffer() = default;
  PackBuffer(const PackBuffer&) = delete;
  PackBuffer& operator=(const PackBuffer&) = delete;
  ~PackBuffer() { ::operator delete(data_, std::align_val_t{64}); }

  float* reserve(size_t floats) {  // throws std::bad_alloc, before any parallel region starts
    if (floats > size_) {
      float* bigger = static_cast<float*>(::operator new(floats * sizeof(float), std::align_val_t{64}));
      ::operator delete(data_, std::align_val_t{64});
      data_ = bigger;
      size_ = floats;
    }
    return data_;
  }

 private:
  float* data_ = nullptr;
  size_t size_ = 0;
};

thread_local PackBuffer t_packed_a;
thread_local PackBuffer t_packed_b;

int64_t round_up(int64_t value, int64_t multiple) { return (value + multiple - 1) / multiple * multiple; }

// The block length for `extent` split into ceil(extent / limit) nearly equal blocks, rounded up to a multiple
// of `unit`; never more than `limit` (a multiple of `unit`).
int64_t balanced_block(int64_t extent, int64_t limit, int64_t unit) {
  const int64_t blocks = (extent + limit - 1) / limit;
  return std::min(limit, round_up((extent + blocks - 1) / blocks, unit));
}

// Packing writes ceil(count / width) consecutive panels of width x kc: panel q holds dst[q * width * kc +
// p * width + r] = element (q * width + r, p) for p < kc, and 0 past `count` (the zero padding of the last
// panel). W is the width as a compile-time constant (0: use the runtime `width`), so the usual tile
// widths get fixed trip counts the compiler unrolls and vectorises.
using PackFn = void (*)(int64_t width, const float* src, int64_t ld, int64_t count, int64_t kc, float* dst);

// Element (r, p) at src[r * ld + p]: rows of A, or columns of B stored transposed (a transpose).
template <int W>
void pack_strided(int64_t width, const float* src, int64_t ld, int64_t count, int64_t kc, float* dst) {
  const int64_t w = W > 0 ? W : width;
  for (int64_t first = 0; first < count; first += w, src += w * ld, dst += w * kc) {
    const int64_t rows = std::min(w, count - first);
    if (rows == w) {
      constexpr int64_t kBlock = 16;  // one cache line of each source row per step
      int64_t p = 0;
      for (; p + kBlock <= kc; p += kBlock) {
        for (int64_t r = 0; r < w; ++r) {
          const float* s = src + r * ld + p;
          for (int64_t q = 0; q < kBlock; ++q) dst[(p + q) * w + r] = s[q];
        }
      }
      for (; p < kc; ++p) {
        for (int64_t r = 0; r < w; ++r) dst[p * w + r] = src[r * ld + p];
      }
    } else {
      for (int64_t p = 0; p < kc; ++p) {
        for (int64_t r = 0; r < w; ++r) dst[p * w + r] = r < rows ? src[r * ld + p] : 0.0f;
      }
    }
  }
}

// Element (r, p) at src[p * ld + r]: rows of A stored transposed, or columns of B (a copy). Each source row
// is read once across all the panels, so the reads stay sequential (rows are often a page apart).
template <int W>
void pack_contiguous(int64_t width, const float* src, int64_t ld, int64_t count, int64_t kc, float* dst) {
  const int64_t w = W > 0 ? W : width;
  const int64_t full = count / w;
  const int64_t rest = count - full * w;
  for (int64_t p = 0; p < kc; ++p) {
    const float* s = src + p * ld;
    float* d = dst + p * w;
    for (int64_t q = 0; q < full; ++q) {
      for (int64_t r = 0; r < w; ++r) d[q * w * kc + r] = s[q * w + r];
    }
    if (rest > 0) {
      for (int64_t r = 0; r < w; ++r) d[full * w * kc + r] = r < rest ? s[full * w + r] : 0.0f;
    }
  }
}

// The packer for a panel width: the MR and NR of sgemm_tiers.cpp have fixed-width copies, any other width
// (a new tile) works through the runtime-width one until it is added here.
PackFn select_pack(bool strided, int64_t width) {
  switch (width) {
    case 6: return strided ? pack_strided<6> : pack_contiguous<6>;
    case 8: return strided ? pack_strided<8> : pack_contiguous<8>;
    case 12: return strided ? pack_strided<12> : pack_contiguous<12>;
    case 16: return strided ? pack_strided<16> : pack_contiguous<16>;
    case 32: return strided ? pack_strided<32> : pack_contiguous<32>;
    default: return strided ? pack_strided<0> : pack_contiguous<0>;
  }
}

void pack_strided_operand(const GemmOperand& self, int64_t width, int64_t first, int64_t count, int64_t depth_begin,
                          int64_t depth, float* dst) {
  select_pack(true, width)(width, self.data + first * self.ld + depth_begin, self.ld, count, depth, dst);
}

void pack_contiguous_operand(const GemmOperand& self, int64_t width, int64_t first, int64_t count,
                             int64_t depth_begin, int64_t depth, float* dst) {
  select_pack(false, width)(width, self.data + depth_begin * self.ld + first, self.ld, count, depth, dst);
}

// Every pack of the driver goes through here. The operand's own packer knows nothing of the tier (strided_operand
// takes no kernel, and custom operands such as the convolution's have their own packers), so the tier's faster
// packers are swapped in at this one point, where both are known: the transposing one for strided operands whose
// rows run along the depth (pack_strided_operand), the copying one for the others (pack_contiguous_operand), each
// only for widths the tier has code for.
void pack_operand(const SgemmKernel& kernel, const GemmOperand& operand, int64_t width, int64_t first, int64_t count,
                  int64_t depth_begin, int64_t depth, float* dst) {
  if (operand.pack == pack_strided_operand && kernel.pack_transposed != nullptr &&
      kernel.pack_transposed(width, operand.data + first * operand.ld + depth_begin, operand.ld, count, depth, dst)) {
    return;
  }
  if (operand.pack == pack_contiguous_operand && kernel.pack_copy != nullptr &&
      kernel.pack_copy(width, operand.data + depth_begin * operand.ld + first, operand.ld, count, depth, dst)) {
    return;
  }
  operand.pack(operand, width, first, count, depth_begin, depth, dst);
}

// alpha == 0 or k == 0: C = beta * C without reading A or B (BLAS semantics), then the epilogue.
void scale_c(int64_t m, int64_t n, float beta, float* c, int64_t ldc) {
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) c[i * ldc + j] = beta == 0.0f ? 0.0f : beta * c[i * ldc + j];
  }
}

// The epilogue on the m x n block at c (rows from `row`, columns from `col` of the whole C) when there is no
// product (k == 0 or alpha == 0); otherwise the micro-kernel applies it (UkrEpilogue).
void finish_tile(const GemmEpilogue& e, int64_t row, int64_t col, int64_t m, int64_t n, float* c, int64_t ldc) {
  for (int64_t i = 0; i < m; ++i) {
    float* ci = c + i * ldc;
    const float rb = e.row_bias != nullptr ? e.row_bias[row + i] : 0.0f;
    if (e.col_bias != nullptr) {
      const float* cb = e.col_bias + col;
      for (int64_t j = 0; j < n; ++j) ci[j] += rb + cb[j];
    } else if (e.row_bias != nullptr) {
      for (int64_t j = 0; j < n; ++j) ci[j] += rb;
    }
    if (e.relu) {
      for (int64_t j = 0; j < n; ++j) ci[j] = ci[j] < 0.0f ? 0.0f : ci[j];
    }
  }
}

bool has_work(const GemmEpilogue& e) { return e.row_bias != nullptr || e.col_bias != nullptr || e.relu; }

// Where the A micro-panels come from: packed per (ic, pc) block from the operand into this thread's buffer,
// or read in place from an A packed once over the whole depth (sgemm_pack_a): micro-panel i of the block at
// (ic, pc) starts at prepacked + (ic + i * MR) * k + pc * MR, kc * MR contiguous floats like a packed one.
struct ASide {
  const GemmOperand* operand;  // null when prepacked
  const float* prepacked;
  int64_t k;
};

// C, plain (segment == 0: element (i, j) at c[i * ldc + j]) or in column segments of `segment` columns, each
// its own matrix: element (i, j) at c[(j / segment) * segment_stride + i * ldc + j % segment].
struct CSide {
  float* c;
  int64_t ldc;
  int64_t segment;
  int64_t segment_stride;
};

// The largest MR x NR tile that a straddling tile is staged through (the tiers use 6x8, 6x16, 12x32;
// sgemm_tiers.cpp checks it).
constexpr int64_t kMaxTileFloats = 64 * 64;

// A micro-tile across two (or more) column segments of C: computed in a local tile (gathered first unless
// beta == 0), then scattered to its pieces. Kept out of run_tile so the common path has no 16 KiB frame.
[[gnu::noinline]] void run_staged_tile(const SgemmKernel& kernel, int64_t kc, const float* a, const float* b,
                                       float alpha, float beta, const CSide& out, int64_t row, int64_t col,
                                       int64_t tile_m, int64_t tile_n, const UkrEpilogue* e) {
  alignas(64) float staged[kMaxTileFloats];
  const int64_t ld = kernel.blocking.nr;
  const int64_t seg = col / out.segment;
  const int64_t offset = col - seg * out.segment;
  // Visits the pieces of the tile, one per segment: fn(tile column, C pointer of row 0, piece width).
  auto pieces = [&](auto&& fn) {
    for (int64_t j = 0, s = seg, o = offset; j < tile_n; ++s, o = 0) {
      const int64_t piece = std::min(tile_n - j, out.segment - o);
      fn(j, out.c + s * out.segment_stride + row * out.ldc + o, piece);
      j += piece;
    }
  };
  if (beta != 0.0f) {
    pieces([&](int64_t j, const float* c, int64_t piece) {
      for (int64_t i = 0; i < tile_m; ++i)
        for (int64_t q = 0; q < piece; ++q) staged[i * ld + j + q] = c[i * out.ldc + q];
    });
  }
  kernel.ukr(kc, a, b, alpha, beta, staged, ld, tile_m, tile_n, e);
  pieces([&](int64_t j, float* c, int64_t piece) {
    for (int64_t i = 0; i < tile_m; ++i)
      for (int64_t q = 0; q < piece; ++q) c[i * out.ldc + q] = staged[i * ld + j + q];
  });
}

// One micro-tile of C at (row, col), the epilogue applied by the micro-kernel when `finish`.
void run_tile(const SgemmKernel& kernel, int64_t kc, const float* a, const float* b, float alpha, float beta,
              const CSide& out, int64_t row, int64_t col, int64_t tile_m, int64_t tile_n, bool finish,
              const GemmEpilogue& epilogue) {
  UkrEpilogue tile_epilogue{epilogue.row_bias != nullptr ? epilogue.row_bias + row : nullptr,
                            epilogue.col_bias != nullptr ? epilogue.col_bias + col : nullptr, epilogue.relu};
  const UkrEpilogue* e = finish ? &tile_epilogue : nullptr;
  if (out.segment == 0) {
    kernel.ukr(kc, a, b, alpha, beta, out.c + row * out.ldc + col, out.ldc, tile_m, tile_n, e);
    return;
  }
  const int64_t seg = col / out.segment;
  const int64_t offset = col - seg * out.segment;
  if (offset + tile_n <= out.segment) {
    kernel.ukr(kc, a, b, alpha, beta, out.c + seg * out.segment_stride + row * out.ldc + offset, out.ldc, tile_m,
               tile_n, e);
    return;
  }
  run_staged_tile(kernel, kc, a, b, alpha, beta, out, row, col, tile_m, tile_n, e);
}

// The A micro-panels of the block (ic, pc): packed now into `buffer` or found in the prepacked A.
// Returns the first panel; *panel_stride is the distance between consecutive panels.
const float* a_block(const SgemmKernel& kernel, const ASide& a, int64_t mr, int64_t ic, int64_t mc, int64_t pc,
                     int64_t kc, float* buffer, int64_t* panel_stride) {
  if (a.operand == nullptr) {
    *panel_stride = mr * a.k;
    return a.prepacked + ic * a.k + pc * mr;
  }
  pack_operand(kernel, *a.operand, mr, ic, mc, pc, kc, buffer);
  *panel_stride = mr * kc;
  return buffer;
}

// The whole loop nest on one thread for the columns [col0, col0 + cols) of C, with this thread's own packed
// panels. The depth blocks are the caller's (kc_max), so every element is summed exactly as in the shared path.
void gemm_columns(const SgemmKernel& kernel, int64_t m, int64_t col0, int64_t cols, int64_t k, int64_t mc_max,
                  int64_t kc_max, float alpha, const ASide& a, const GemmOperand& b, float beta, const CSide& out,
                  const GemmEpilogue& epilogue) {
  const SgemmBlocking& bs = kernel.blocking;
  const int64_t mr = bs.mr;
  const int64_t nr = bs.nr;
  const int64_t nc_max = balanced_block(cols, bs.nc, nr);
  float* packed_a = a.operand != nullptr ? t_packed_a.reserve(static_cast<size_t>(mc_max * kc_max)) : nullptr;
  float* packed_b = t_packed_b.reserve(static_cast<size_t>(kc_max * nc_max));
  const bool finish = has_work(epilogue);
  for (int64_t ic = 0; ic < m; ic += mc_max) {
    const int64_t mc = std::min(mc_max, m - ic);
    const int64_t m_panels = (mc + mr - 1) / mr;
    for (int64_t pc = 0; pc < k; pc += kc_max) {
      const int64_t kc = std::min(kc_max, k - pc);
      const float tile_beta = pc == 0 ? beta : 1.0f;
      const bool last_depth = pc + kc == k;
      int64_t a_stride = 0;
      const float* panels_a = a_block(kernel, a, mr, ic, mc, pc, kc, packed_a, &a_stride);
      for (int64_t jc = col0; jc < col0 + cols; jc += nc_max) {
        const int64_t nc = std::min(nc_max, col0 + cols - jc);
        const int64_t n_panels = (nc + nr - 1) / nr;
        pack_operand(kernel, b, nr, jc, nc, pc, kc, packed_b);
        for (int64_t ip = 0; ip < m_panels; ++ip) {
          for (int64_t jp = 0; jp < n_panels; ++jp) {
            const int64_t row = ic + ip * mr;
            const int64_t col = jc + jp * nr;
            run_tile(kernel, kc, panels_a + ip * a_stride, packed_b + jp * nr * kc, alpha, tile_beta, out, row, col,
                     std::min(mr, ic + mc - row), std::min(nr, jc + nc - col), finish && last_depth, epilogue);
          }
        }
      }
    }
  }
}

// C = alpha * op(A) * op(B) + beta * C, then the epilogue, on ctx.threads: sgemm_operands and
// sgemm_prepacked_a.
void gemm_run(const SgemmKernel& kernel, cnn_context& ctx, int64_t m, int64_t n, int64_t k, float alpha,
              const ASide& a, const GemmOperand& b, float beta, const CSide& out, const GemmEpilogue& epilogue) {
  if (m <= 0 || n <= 0) return;
  const bool finish = has_work(epilogue);
  if (k <= 0 || alpha == 0.0f) {
    const int64_t segment = out.segment > 0 ? out.segment : n;
    for (int64_t j = 0; j < n; j += segment) {
      const int64_t cols = std::min(segment, n - j);
      float* c = out.segment > 0 ? out.c + (j / segment) * out.segment_stride : out.c;
      scale_c(m, cols, beta, c, out.ldc);
      if (finish) finish_tile(epilogue, 0, j, m, cols, c, out.ldc);
    }
    return;
  }
  const SgemmBlocking& bs = kernel.blocking;
  const int64_t mr = bs.mr;
  const int64_t nr = bs.nr;

  // Blocks of (nearly) equal size no larger than the table's, so no loop ends in a sliver: k = 800 with
  // KC = 256 runs 4 x 200, not 256 + 256 + 256 + 32. A function of the shape only, never of the threads.
  const int64_t mc_max = balanced_block(m, bs.mc, mr);
  const int64_t kc_max = balanced_block(k, bs.kc, 1);
  const int64_t nc_max = balanced_block(n, bs.nc, nr);
  float* packed_a = a.operand != nullptr ? t_packed_a.reserve(static_cast<size_t>(mc_max * kc_max)) : nullptr;
  float* packed_b = t_packed_b.reserve(static_cast<size_t>(kc_max * nc_max));

  // Thread count only changes who computes a tile, never how: see the file comment.
  const int64_t tiles = (mc_max / mr) * (nc_max / nr);
  const double work = static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
  const int64_t affordable = static_cast<int64_t>(std::min(work / kMinWorkPerThread, 1.0e6));
  const int threads = static_cast<int>(std::clamp<int64_t>(std::min(affordable, tiles), 1, ctx.threads.load()));

  // Wide enough for every thread to own whole NR panels of C: each thread runs the loop nest on its column slice
  // with its own packed A and B, so the call has no barrier but the final join. Packing A once per thread adds
  // m*k copies per thread, small next to its m*n*k/threads multiply-adds, and a thread never waits at a block
  // boundary for a partner that a busy machine has descheduled (the shared path below has 2-3 barriers per
  // depth block: measured 20-60x slower at 2 threads beside another busy process, bench/README.md).
  const int64_t panels = (n + nr - 1) / nr;
  if (threads > 1 && panels >= 2 * threads) {
    const int64_t share = (panels + threads - 1) / threads * nr;
    std::exception_ptr error;
#pragma omp parallel num_threads(threads)
    {
      const int64_t col0 = omp_get_thread_num() * share;
      const int64_t cols = std::min(n, col0 + share) - col0;
      if (cols > 0) {
        try {  // nothing may leave an OpenMP region by exception (a pack buffer's bad_alloc); rethrown below
          gemm_columns(kernel, m, col0, cols, k, mc_max, kc_max, alpha, a, b, beta, out, epilogue);
        } catch (...) {
#pragma omp critical(cnn_sgemm_error)
          if (!error) error = std::current_exception();
        }
      }
    }
    if (error) std::rethrow_exception(error);
    return;
  }

  // Narrow C: threads share the panels, with 2-3 barriers per depth block. A long depth (a filter gradient's
  // N*OH*OW) would cross hundreds of them, each a stall when the machine is busy: such a call stays on one thread.
  const int64_t depth_blocks = (k + kc_max - 1) / kc_max;
  const int shared_threads = depth_blocks > kMaxSharedDepthBlocks ? 1 : threads;
#pragma omp parallel num_threads(shared_threads) if (shared_threads > 1)
  {
    for (int64_t ic = 0; ic < m; ic += mc_max) {
      const int64_t mc = std::min(mc_max, m - ic);
      const int64_t m_panels = (mc + mr - 1) / mr;
      for (int64_t pc = 0; pc < k; pc += kc_max) {
        const int64_t kc = std::min(kc_max, k - pc);
        const float tile_beta = pc == 0 ? beta : 1.0f;  // later K blocks add to what the first one wrote
        const bool last_depth = pc + kc == k;
        const float* panels_a = packed_a;
        int64_t a_stride = mr * kc;
        if (a.operand == nullptr) {
          panels_a = a.prepacked + ic * k + pc * mr;
          a_stride = mr * k;
        } else {
          // Each thread packs one contiguous range of panels.
          const int64_t a_share = (m_panels + shared_threads - 1) / shared_threads;
#pragma omp for schedule(static)
          for (int64_t part = 0; part < shared_threads; ++part) {
            const int64_t first = part * a_share;
            if (first >= m_panels) continue;
            const int64_t row = ic + first * mr;
            pack_operand(kernel, *a.operand, mr, row, std::min(a_share * mr, ic + mc - row), pc, kc,
                            packed_a + first * mr * kc);
          }
        }
        for (int64_t jc = 0; jc < n; jc += nc_max) {
          const int64_t nc = std::min(nc_max, n - jc);
          const int64_t n_panels = (nc + nr - 1) / nr;
          const int64_t b_share = (n_panels + shared_threads - 1) / shared_threads;
#pragma omp for schedule(static)
          for (int64_t part = 0; part < shared_threads; ++part) {
            const int64_t first = part * b_share;
            if (first >= n_panels) continue;
            const int64_t col = jc + first * nr;
            pack_operand(kernel, b, nr, col, std::min(b_share * nr, jc + nc - col), pc, kc, packed_b + first * nr * kc);
          }
          // Tiles in row order: consecutive tiles of one thread reuse the same A micro-panel.
          const int64_t tile_count = m_panels * n_panels;
#pragma omp for schedule(static)
          for (int64_t t = 0; t < tile_count; ++t) {
            const int64_t ip = t / n_panels;
            const int64_t jp = t % n_panels;
            const int64_t row = ic + ip * mr;
            const int64_t col = jc + jp * nr;
            run_tile(kernel, kc, panels_a + ip * a_stride, packed_b + jp * nr * kc, alpha, tile_beta, out, row, col,
                     std::min(mr, m - row), std::min(nr, n - col), finish && last_depth, epilogue);
          }
        }
      }
    }
  }
}

}  // namespace

void pack_strided_rows(const float* src, int64_t ld, bool rows_are_contiguous_in_depth, int64_t width, int64_t count,
                       int64_t depth, float* dst) {
  select_pack(rows_are_contiguous_in_depth, width)(width, src, ld, count, depth, dst);
}

void pack_rows_transposed(SgemmTransposePackFn fast, int64_t width, const float* src, int64_t ld, int64_t count,
                          int64_t depth, float* dst) {
  if (count <= 0 || depth <= 0) return;
  if (fast != nullptr && fast(width, src, ld, count, depth, dst)) return;
  select_pack(true, width)(width, src, ld, count, depth, dst);
}

void pack_rows_transposed_part(SgemmTransposePackFn fast, int64_t width, const float* src, int64_t ld, int64_t count,
                               int64_t depth, float* dst, int part, int parts) {
  if (parts <= 1) return pack_rows_transposed(fast, width, src, ld, count, depth, dst);
  const int64_t share = (depth + parts - 1) / parts;
  const int64_t run = (share + 15) / 16 * 16;
  const int64_t begin = std::min<int64_t>(depth, part * run);
  const int64_t end = std::min<int64_t>(depth, begin + run);
  if (begin >= end) return;
  for (int64_t first = 0; first < count; first += width) {  // panel by panel: panel q at dst + q * width * depth
    pack_rows_transposed(fast, width, src + first * ld + begin, ld, std::min(width, count - first), end - begin,
                         dst + first * depth + begin * width);
  }
}

GemmOperand strided_operand(const float* data, int64_t ld, bool rows_are_contiguous_in_depth) {
  return {rows_are_contiguous_in_depth ? pack_strided_operand : pack_contiguous_operand, data, ld, nullptr};
}

void sgemm_blocked(const SgemmKernel& kernel, cnn_context& ctx, bool trans_a, bool trans_b, int64_t m, int64_t n,
                   int64_t k, float alpha, const float* a, int64_t lda, const float* b, int64_t ldb, float beta,
                   float* c, int64_t ldc) {
  // Rows of A run along the depth unless A is transposed; columns of B do only when B is transposed.
  sgemm_operands(kernel, ctx, m, n, k, alpha, strided_operand(a, lda, !trans_a), strided_operand(b, ldb, trans_b),
                 beta, c, ldc, GemmEpilogue{nullptr, nullptr, false});
}

void sgemm_operands(const SgemmKernel& kernel, cnn_context& ctx, int64_t m, int64_t n, int64_t k, float alpha,
                    const GemmOperand& a, const GemmOperand& b, float beta, float* c, int64_t ldc,
                    const GemmEpilogue& epilogue) {
  gemm_run(kernel, ctx, m, n, k, alpha, ASide{&a, nullptr, k}, b, beta, CSide{c, ldc, 0, 0}, epilogue);
}

int64_t sgemm_packed_a_floats(const SgemmKernel& kernel, int64_t m, int64_t k) {
  const int64_t mr = kernel.blocking.mr;
  return (m + mr - 1) / mr * mr * k;
}

void sgemm_pack_a(const SgemmKernel& kernel, int64_t m, int64_t k, const GemmOperand& a, float* dst) {
  if (m > 0 && k > 0) pack_operand(kernel, a, kernel.blocking.mr, 0, m, 0, k, dst);
}

void sgemm_prepacked_a(const SgemmKernel& kernel, cnn_context& ctx, int64_t m, int64_t n, int64_t k,
                       const float* packed_a, const GemmOperand& b, float* c, int64_t ldc, int64_t segment,
                       int64_t segment_stride, const GemmEpilogue& epilogue) {
  gemm_run(kernel, ctx, m, n, k, 1.0f, ASide{nullptr, packed_a, k}, b, 0.0f, CSide{c, ldc, segment, segment_stride},
           epilogue);
}

}  // namespace cnn
