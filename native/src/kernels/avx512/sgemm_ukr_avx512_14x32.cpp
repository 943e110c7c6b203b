// Computes one 14x32 SGEMM micro-tile, c = alpha * A_panel * B_panel + beta * c (then bias and ReLU when given an
// epilogue), with AVX-512F + FMA.
// Layout: packed A [kc][14], packed B [kc][32] (64-byte aligned, zero-padded), c row-major with stride ldc,
// clipped to m x n by masked loads and stores. Reference kernel: sgemm_ref, through kernels/gemm/.
//
// 28 zmm accumulators (14 rows x 2 vectors of 16 columns), 2 B vectors, 1 broadcast of A: 31 of the 32
// registers; per k step 28 FMAs against 16 loads, so the two FMA ports stay busy. 14x32 measured fastest of
// 14x32, 12x32, 6x64, 8x48, 16x16 and 28x16 (bench/README.md); prefetching C or the next panels did not pay.
// Edge tiles run a smaller copy of the loop (rows rounded up to 1, 2, 4, 8 or 14, columns to 16 or 32), so
// e.g. the 32 output channels of a convolution cost 14 + 14 + 4 rows, not 3 x 14. Every element still gets
// the same FMAs in the same order, so the bits do not depend on which copy ran.
// Compiled with -mavx512f -mavx512bw -mavx512vl -mavx512dq -mfma (CMakeLists.txt): everything here but the
// exported micro-kernel has internal linkage, so no AVX-512 copy of shared code can reach portable callers.
#include <immintrin.h>

#include "kernels/gemm/sgemm_driver.h"

namespace cnn {

namespace {

constexpr int kMR = 14;  // the packed A panel's row count (its stride), whatever R a copy computes
constexpr int kNR = 32;  // the packed B panel's column count

// R rows x V vectors of 16 columns of the tile, m <= R and n <= 16 * V.
template <int R, int V>
void tile(int64_t kc, const float* a, const float* b, float alpha, float beta, float* c, int64_t ldc, int64_t m,
          int64_t n, const UkrEpilogue* e) {
  __m512 acc[R][V];
#pragma GCC unroll 32
  for (int i = 0; i < R; ++i) {
#pragma GCC unroll 4
    for (int j = 0; j < V; ++j) acc[i][j] = _mm512_setzero_ps();
  }

#pragma GCC unroll 2
  for (int64_t p = 0; p < kc; ++p) {
    __m512 bv[V];
#pragma GCC unroll 4
    for (int j = 0; j < V; ++j) bv[j] = _mm512_load_ps(b + 16 * j);
#pragma GCC unroll 32
    for (int i = 0; i < R; ++i) {
      const __m512 ai = _mm512_set1_ps(a[i]);
#pragma GCC unroll 4
      for (int j = 0; j < V; ++j) acc[i][j] = _mm512_fmadd_ps(ai, bv[j], acc[i][j]);
    }
    a += kMR;
    b += kNR;
  }

  // Columns past n are masked off (never read, never written); rows past m are skipped.
  __mmask16 mask[V];
#pragma GCC unroll 4
  for (int j = 0; j < V; ++j) {
    const int64_t rest = n - 16 * j;
    mask[j] = static_cast<__mmask16>(rest >= 16 ? 0xFFFFu : rest > 0 ? (1u << rest) - 1u : 0u);
  }
  const __m512 va = _mm512_set1_ps(alpha);
  const __m512 vb = _mm512_set1_ps(beta);
  const bool read_c = beta != 0.0f;  // beta == 0: C is not read, so NaN in C is ignored
  // The epilogue (sgemm_driver.h): bias terms only when given (adding 0 would turn -0 into +0), max(0, r)
  // keeps NaN (the second operand is returned when either is NaN) and -0 (likewise for two zeros).
  const bool row_bias = e != nullptr && e->row_bias != nullptr;
  const bool col_bias = e != nullptr && e->col_bias != nullptr;
  const bool relu = e != nullptr && e->relu;
  __m512 cb[V];
#pragma GCC unroll 4
  for (int j = 0; j < V; ++j) cb[j] = _mm512_setzero_ps();
  if (col_bias) {
#pragma GCC unroll 4
    for (int j = 0; j < V; ++j) cb[j] = _mm512_maskz_loadu_ps(mask[j], e->col_bias + 16 * j);
  }
#pragma GCC unroll 32
  for (int i = 0; i < R; ++i) {
    if (i >= m) break;
    float* c_row = c + i * ldc;
    const __m512 rb = _mm512_set1_ps(row_bias ? e->row_bias[i] : 0.0f);
#pragma GCC unroll 4
    for (int j = 0; j < V; ++j) {
      __m512 r = _mm512_mul_ps(va, acc[i][j]);
      if (read_c) r = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(mask[j], c_row + 16 * j), r);
      if (row_bias || col_bias) r = _mm512_add_ps(r, _mm512_add_ps(rb, cb[j]));
      // (The zero-masked form with a full mask: GCC 12 warns that _mm512_max_ps reads an undefined vector.)
      if (relu) r = _mm512_maskz_max_ps(0xFFFF, _mm512_setzero_ps(), r);
      _mm512_mask_storeu_ps(c_row + 16 * j, mask[j], r);
    }
  }
}

template <int V>
void tile_rows(int64_t kc, const float* a, const float* b, float alpha, float beta, float* c, int64_t ldc, int64_t m,
               int64_t n, const UkrEpilogue* e) {
  if (m > 8) return tile<14, V>(kc, a, b, alpha, beta, c, ldc, m, n, e);
  if (m > 4) return tile<8, V>(kc, a, b, alpha, beta, c, ldc, m, n, e);
  if (m > 2) return tile<4, V>(kc, a, b, alpha, beta, c, ldc, m, n, e);
  if (m > 1) return tile<2, V>(kc, a, b, alpha, beta, c, ldc, m, n, e);
  return tile<1, V>(kc, a, b, alpha, beta, c, ldc, m, n, e);
}

}  // namespace

void sgemm_ukr_avx512_14x32(int64_t kc, const float* a, const float* b, float alpha, float beta, float* c,
                            int64_t ldc, int64_t m, int64_t n, const UkrEpilogue* epilogue) {
  if (n > 16) {
    tile_rows<2>(kc, a, b, alpha, beta, c, ldc, m, n, epilogue);
  } else {
    tile_rows<1>(kc, a, b, alpha, beta, c, ldc, m, n, epilogue);
  }
}

}  // namespace cnn
