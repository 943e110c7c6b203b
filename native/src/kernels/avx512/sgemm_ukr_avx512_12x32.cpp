// Computes one 12x32 SGEMM micro-tile, c = alpha * A_panel * B_panel + beta * c (then bias and ReLU when given an
// epilogue), with AVX-512F + FMA.
// Layout: packed A [kc][12], packed B [kc][32] (64-byte aligned, zero-padded), c row-major with stride ldc,
// clipped to m x n by masked loads and stores. Reference kernel: sgemm_ref, through kernels/gemm/.
//
// Rows go in pairs. Per k step, each 16-column vector of B is loaded twice, with its even columns duplicated
// (b0 b0 b2 b2 ..., vmovsldup) and with its odd ones (b1 b1 b3 b3 ..., vmovshdup), and each row pair (i, i+1) of A
// is one 8-byte broadcast (a_i a_i+1 a_i a_i+1 ..., vbroadcastsd). Their products give, per pair and vector, two
// accumulators: "even" holds c[i][2j] in lane 2j and c[i+1][2j] in lane 2j+1, "odd" holds c[i][2j+1] and
// c[i+1][2j+1]; the write-back interleaves them back into rows (2 shuffles and 2 blends per pair and vector).
// 24 zmm accumulators, 4 B vectors, 1 broadcast: 29 registers; per k step 24 FMAs against 10 loads, where the
// plain form (a broadcast per row, as the 14x32 tile this replaced) needs 16 loads per 28 FMAs. Alternated with
// that tile in one process (/tmp harnesses, medians of 10-40 pairs, bench/README.md "Session 9"): 1.02-1.05x alone
// on panels in L1; in the driver 1.03-1.06x on square SGEMMs 256-2048 on 1 and 2 threads, 1.02-1.04x on the
// dense layer's and the convolutions' GEMM shapes, 1.10x on 10 x 64 x 1024; same bits.
// Each element of c is still one FMA chain over k in order from zero, then alpha, beta and the epilogue, so the bits
// are those of every other tier's tiles.
// Edge tiles run a smaller copy of the loop (row pairs rounded up to 1, 2, 4 or 6, columns to 16 or 32): A's panel
// is zero-padded to 12 rows, so the odd row past m of the last pair is computed and never stored.
// Before its loop a tile pulls its rows of C into L1, so the beta != 0 read at the end does not wait on L3
// (1.01-1.02x at 1024 on one thread).
// Compiled with -mavx512f -mavx512bw -mavx512vl -mavx512dq -mfma (CMakeLists.txt): everything here but the
// exported micro-kernel has internal linkage, so no AVX-512 copy of shared code can reach portable callers.
#include <immintrin.h>

#include <cstring>

#include "kernels/gemm/sgemm_driver.h"

namespace cnn {

namespace {

constexpr int kMR = 12;  // the packed A panel's row count (its stride), whatever P a copy computes
constexpr int kNR = 32;  // the packed B panel's column count

// A 16-column vector of B with its even (Odd == false) or odd columns duplicated, loaded straight from memory:
// written as a load and a shuffle, the compiler loads once and shuffles twice on the FMA's port 5.
template <bool Odd>
inline __m512 load_dup(const float* b) {
  __m512 r;
  if constexpr (Odd) {
    __asm__("vmovshdup %1, %0" : "=v"(r) : "m"(*reinterpret_cast<const __m512*>(b)));
  } else {
    __asm__("vmovsldup %1, %0" : "=v"(r) : "m"(*reinterpret_cast<const __m512*>(b)));
  }
  return r;
}

// Rows 2i and 2i+1 of A at one depth (a points at row 2i), as an a_2i a_2i+1 a_2i a_2i+1 ... broadcast.
inline __m512 broadcast_pair(const float* a) {
  double pair;
  std::memcpy(&pair, a, sizeof pair);
  return _mm512_castpd_ps(_mm512_set1_pd(pair));
}

// P row pairs x V vectors of 16 columns of the tile, m <= 2 * P and n <= 16 * V.
template <int P, int V>
void tile(int64_t kc, const float* a, const float* b, float alpha, float beta, float* c, int64_t ldc, int64_t m,
          int64_t n, const UkrEpilogue* e) {
  for (int64_t i = 0; i < m; ++i) {
#pragma GCC unroll 2
    for (int j = 0; j < V; ++j) _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + 16 * j), _MM_HINT_T0);
  }

  __m512 even[P][V], odd[P][V];
#pragma GCC unroll 8
  for (int i = 0; i < P; ++i) {
#pragma GCC unroll 2
    for (int j = 0; j < V; ++j) {
      even[i][j] = _mm512_setzero_ps();
      odd[i][j] = _mm512_setzero_ps();
    }
  }

#pragma GCC unroll 2
  for (int64_t p = 0; p < kc; ++p) {
    __m512 be[V], bo[V];
#pragma GCC unroll 2
    for (int j = 0; j < V; ++j) {
      be[j] = load_dup<false>(b + 16 * j);
      bo[j] = load_dup<true>(b + 16 * j);
    }
#pragma GCC unroll 8
    for (int i = 0; i < P; ++i) {
      const __m512 ai = broadcast_pair(a + 2 * i);
#pragma GCC unroll 2
      for (int j = 0; j < V; ++j) {
        even[i][j] = _mm512_fmadd_ps(be[j], ai, even[i][j]);
        odd[i][j] = _mm512_fmadd_ps(bo[j], ai, odd[i][j]);
      }
    }
    a += kMR;
    b += kNR;
  }

  // Columns past n are masked off (never read, never written); rows past m are skipped.
  __mmask16 mask[V];
#pragma GCC unroll 2
  for (int j = 0; j < V; ++j) {
    const int64_t rest = n - 16 * j;
    mask[j] = static_cast<__mmask16>(rest >= 16 ? 0xFFFFu : rest > 0 ? (1u << rest) - 1u : 0u);
  }
  constexpr __mmask16 kOddLanes = 0xAAAA;
  const __m512 va = _mm512_set1_ps(alpha);
  const __m512 vb = _mm512_set1_ps(beta);
  const bool read_c = beta != 0.0f;  // beta == 0: C is not read, so NaN in C is ignored
  // The epilogue (sgemm_driver.h): bias terms only when given (adding 0 would turn -0 into +0), max(0, r)
  // keeps NaN (the second operand is returned when either is NaN) and -0 (likewise for two zeros).
  const bool row_bias = e != nullptr && e->row_bias != nullptr;
  const bool col_bias = e != nullptr && e->col_bias != nullptr;
  const bool relu = e != nullptr && e->relu;
  __m512 cb[V];
#pragma GCC unroll 2
  for (int j = 0; j < V; ++j) cb[j] = _mm512_setzero_ps();
  if (col_bias) {
#pragma GCC unroll 2
    for (int j = 0; j < V; ++j) cb[j] = _mm512_maskz_loadu_ps(mask[j], e->col_bias + 16 * j);
  }
#pragma GCC unroll 8
  for (int i = 0; i < P; ++i) {
    if (2 * i >= m) break;
    // (Zero-masked forms with a full mask, for the reason given at the ReLU below.)
    __m512 rows[2][V];
#pragma GCC unroll 2
    for (int j = 0; j < V; ++j) {
      // Row 2i: c[2i][2j] is even's lane 2j, c[2i][2j+1] is odd's lane 2j (moved up by moveldup).
      rows[0][j] = _mm512_mask_blend_ps(kOddLanes, even[i][j], _mm512_maskz_moveldup_ps(0xFFFF, odd[i][j]));
      // Row 2i+1: c[2i+1][2j] is even's lane 2j+1 (moved down by movehdup), c[2i+1][2j+1] is odd's lane 2j+1.
      rows[1][j] = _mm512_mask_blend_ps(kOddLanes, _mm512_maskz_movehdup_ps(0xFFFF, even[i][j]), odd[i][j]);
    }
#pragma GCC unroll 2
    for (int q = 0; q < 2; ++q) {
      const int64_t row = 2 * i + q;
      if (row >= m) break;
      float* c_row = c + row * ldc;
      const __m512 rb = _mm512_set1_ps(row_bias ? e->row_bias[row] : 0.0f);
#pragma GCC unroll 2
      for (int j = 0; j < V; ++j) {
        __m512 r = _mm512_mul_ps(va, rows[q][j]);
        if (read_c) r = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(mask[j], c_row + 16 * j), r);
        if (row_bias || col_bias) r = _mm512_add_ps(r, _mm512_add_ps(rb, cb[j]));
        // (The zero-masked form with a full mask: GCC 12 warns that _mm512_max_ps reads an undefined vector.)
        if (relu) r = _mm512_maskz_max_ps(0xFFFF, _mm512_setzero_ps(), r);
        _mm512_mask_storeu_ps(c_row + 16 * j, mask[j], r);
      }
    }
  }
}

template <int V>
void tile_rows(int64_t kc, const float* a, const float* b, float alpha, float beta, float* c, int64_t ldc, int64_t m,
               int64_t n, const UkrEpilogue* e) {
  if (m > 8) return tile<6, V>(kc, a, b, alpha, beta, c, ldc, m, n, e);
  if (m > 4) return tile<4, V>(kc, a, b, alpha, beta, c, ldc, m, n, e);
  if (m > 2) return tile<2, V>(kc, a, b, alpha, beta, c, ldc, m, n, e);
  return tile<1, V>(kc, a, b, alpha, beta, c, ldc, m, n, e);
}

}  // namespace

void sgemm_ukr_avx512_12x32(int64_t kc, const float* a, const float* b, float alpha, float beta, float* c,
                            int64_t ldc, int64_t m, int64_t n, const UkrEpilogue* epilogue) {
  if (n > 16) {
    tile_rows<2>(kc, a, b, alpha, beta, c, ldc, m, n, epilogue);
  } else {
    tile_rows<1>(kc, a, b, alpha, beta, c, ldc, m, n, epilogue);
  }
}

}  // namespace cnn
