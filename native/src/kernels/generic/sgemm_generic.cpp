// Computes C = alpha * op(A) * op(B) + beta * C with BLIS-style cache blocking in portable C++.
// Layout: row-major; op(A) is m x k (A stored k x m when trans_a), op(B) is k x n (B stored n x k when trans_b).
// Reference kernel: sgemm_ref (kernels/ref/gemm_ref.cpp).
//
// Loops, outermost first (BLIS frame/3/gemm/bli_gemm_ker_var2.c layering):
//   jc over N in NC columns -> pc over K in KC -> pack B[kc x nc] into NR-column panels
//   ic over M in MC rows    -> pack A[mc x kc] into MR-row panels
//   (jr, ir) micro-tiles    -> MR x NR micro-kernel over kc, then the write-back (alpha, beta).
// Threads share the packed panels and split the packing and the micro-tiles, i.e. the M and N loops,
// never K: every element of C is summed in the same order whatever the thread count, so results are
// bit-identical for 1, 2 or n threads and across concurrent calls. Edge tiles are zero-padded when
// packed, so the micro-kernel always runs a full MR x NR tile and only the write-back is clipped.
#include <algorithm>
#include <cstddef>
#include <new>

#include "core/context.h"
#include "kernels/kernels.h"

namespace cnn {

namespace {

// Block sizes for the generic tier, in one place. The micro-tile must fit the 16 SSE registers of
// baseline x86-64 (MR*NR/4 accumulators + NR/4 B vectors + one broadcast A), KC*NR floats of B stay in
// L1 (8 KiB), MC*KC floats of A in L2 (~192 KiB) and KC*NC of B in L3 (4 MiB).
struct SgemmBlocking {
  int64_t mr, nr, mc, kc, nc;
};
constexpr SgemmBlocking kBlocking{6, 8, 192, 256, 4096};
constexpr int64_t kMR = kBlocking.mr;
constexpr int64_t kNR = kBlocking.nr;
static_assert(kBlocking.mc % kMR == 0 && kBlocking.nc % kNR == 0, "MC and NC must be multiples of MR and NR");

// Below this many multiply-adds a parallel region costs more than it saves.
constexpr double kMinWorkPerThread = 65536.0;

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

// One MR-row panel of op(A): rows [row, row + rows), depth [pc, pc + kc), stored [kc][MR], zero rows past `rows`.
void pack_a_panel(bool trans_a, const float* a, int64_t lda, int64_t row, int64_t rows, int64_t pc, int64_t kc,
                  float* dst) {
  for (int64_t p = 0; p < kc; ++p) {
    for (int64_t r = 0; r < kMR; ++r) {
      float v = 0.0f;
      if (r < rows) v = trans_a ? a[(pc + p) * lda + row + r] : a[(row + r) * lda + pc + p];
      dst[p * kMR + r] = v;
    }
  }
}

// One NR-column panel of op(B): columns [col, col + cols), depth [pc, pc + kc), stored [kc][NR], zero past `cols`.
void pack_b_panel(bool trans_b, const float* b, int64_t ldb, int64_t col, int64_t cols, int64_t pc, int64_t kc,
                  float* dst) {
  for (int64_t p = 0; p < kc; ++p) {
    for (int64_t j = 0; j < kNR; ++j) {
      float v = 0.0f;
      if (j < cols) v = trans_b ? b[(col + j) * ldb + pc + p] : b[(pc + p) * ldb + col + j];
      dst[p * kNR + j] = v;
    }
  }
}

// acc[MR][NR] = sum over p < kc of a[p][:] (outer product) b[p][:]. Fixed trip counts and a local
// accumulator array let g++ -O3 keep the tile in registers and vectorise the NR loop.
void micro_kernel(int64_t kc, const float* __restrict a, const float* __restrict b, float* __restrict acc) {
  float c[kMR][kNR] = {};
  for (int64_t p = 0; p < kc; ++p) {
    for (int64_t i = 0; i < kMR; ++i) {
      for (int64_t j = 0; j < kNR; ++j) c[i][j] += a[i] * b[j];
    }
    a += kMR;
    b += kNR;
  }
  for (int64_t i = 0; i < kMR; ++i) {
    for (int64_t j = 0; j < kNR; ++j) acc[i * kNR + j] = c[i][j];
  }
}

// C tile (rows x cols) = alpha * acc + beta * C on the first K block, C += alpha * acc on later ones.
void write_back(const float* acc, int64_t rows, int64_t cols, float alpha, float beta, bool first_k_block, float* c,
                int64_t ldc) {
  for (int64_t i = 0; i < rows; ++i) {
    float* c_row = c + i * ldc;
    const float* acc_row = acc + i * kNR;
    if (!first_k_block) {
      for (int64_t j = 0; j < cols; ++j) c_row[j] += alpha * acc_row[j];
    } else if (beta == 0.0f) {  // C's old contents are ignored, even NaN
      for (int64_t j = 0; j < cols; ++j) c_row[j] = alpha * acc_row[j];
    } else {
      for (int64_t j = 0; j < cols; ++j) c_row[j] = alpha * acc_row[j] + beta * c_row[j];
    }
  }
}

// alpha == 0 or k == 0: C = beta * C without reading A or B (BLAS semantics).
void scale_c(int64_t m, int64_t n, float beta, float* c, int64_t ldc) {
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) c[i * ldc + j] = beta == 0.0f ? 0.0f : beta * c[i * ldc + j];
  }
}

}  // namespace

void sgemm_generic(cnn_context& ctx, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                   const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0 || alpha == 0.0f) {
    scale_c(m, n, beta, c, ldc);
    return;
  }
  const int64_t mc_max = std::min(kBlocking.mc, round_up(m, kMR));
  const int64_t kc_max = std::min(kBlocking.kc, k);
  const int64_t nc_max = std::min(kBlocking.nc, round_up(n, kNR));
  float* packed_a = t_packed_a.reserve(static_cast<size_t>(mc_max * kc_max));
  float* packed_b = t_packed_b.reserve(static_cast<size_t>(kc_max * nc_max));

  // Thread count only changes who computes a tile, never how: see the file comment.
  const int64_t tiles = (mc_max / kMR) * (nc_max / kNR);
  const double work = static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
  const int64_t affordable = static_cast<int64_t>(std::min(work / kMinWorkPerThread, 1.0e6));
  const int threads = static_cast<int>(std::clamp<int64_t>(std::min(affordable, tiles), 1, ctx.threads.load()));

#pragma omp parallel num_threads(threads) if (threads > 1)
  {
    for (int64_t jc = 0; jc < n; jc += kBlocking.nc) {
      const int64_t nc = std::min(kBlocking.nc, n - jc);
      const int64_t n_panels = (nc + kNR - 1) / kNR;
      for (int64_t pc = 0; pc < k; pc += kBlocking.kc) {
        const int64_t kc = std::min(kBlocking.kc, k - pc);
#pragma omp for schedule(static)
        for (int64_t jp = 0; jp < n_panels; ++jp) {
          const int64_t col = jc + jp * kNR;
          pack_b_panel(trans_b, b, ldb, col, std::min(kNR, n - col), pc, kc, packed_b + jp * kNR * kc);
        }
        for (int64_t ic = 0; ic < m; ic += kBlocking.mc) {
          const int64_t mc = std::min(kBlocking.mc, m - ic);
          const int64_t m_panels = (mc + kMR - 1) / kMR;
#pragma omp for schedule(static)
          for (int64_t ip = 0; ip < m_panels; ++ip) {
            const int64_t row = ic + ip * kMR;
            pack_a_panel(trans_a, a, lda, row, std::min(kMR, m - row), pc, kc, packed_a + ip * kMR * kc);
          }
          // Tiles in column order: consecutive tiles of one thread reuse the same B micro-panel.
#pragma omp for schedule(static)
          for (int64_t t = 0; t < m_panels * n_panels; ++t) {
            const int64_t jp = t / m_panels;
            const int64_t ip = t % m_panels;
            const int64_t row = ic + ip * kMR;
            const int64_t col = jc + jp * kNR;
            alignas(64) float acc[kMR * kNR];
            micro_kernel(kc, packed_a + ip * kMR * kc, packed_b + jp * kNR * kc, acc);
            write_back(acc, std::min(kMR, m - row), std::min(kNR, n - col), alpha, beta, pc == 0,
                       c + row * ldc + col, ldc);
          }
        }
      }
    }
  }
}

}  // namespace cnn
