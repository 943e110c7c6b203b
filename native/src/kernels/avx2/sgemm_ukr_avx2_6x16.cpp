// Computes one 6x16 SGEMM micro-tile, c = alpha * A_panel * B_panel + beta * c, with AVX2 + FMA.
// Layout: packed A [kc][6], packed B [kc][16] (64-byte aligned, zero-padded), c row-major with stride ldc,
// clipped to m x n. Reference kernel: sgemm_ref (kernels/ref/gemm_ref.cpp), through kernels/gemm/.
//
// The tile of BLIS kernels/haswell/3/bli_gemm_haswell_asm_d6x8.c for floats: 12 ymm accumulators (6 rows x
// 2 vectors of 8 columns), 2 B vectors and a broadcast of A, 15 of the 16 ymm registers. Edge tiles are
// staged: the full tile goes to an aligned local buffer and only its m x n corner reaches C.
// Compiled with -mavx2 -mfma (CMakeLists.txt): no inline functions shared with portable files live here.
#include <immintrin.h>

#include "kernels/gemm/sgemm_driver.h"

namespace cnn {

namespace {

constexpr int kMR = 6;
constexpr int kNR = 16;

// The epilogue's terms for one tile (sgemm_driver.h): the column bias as two vectors, whether bias and ReLU apply.
struct Finish {
  __m256 cb0, cb1;
  bool bias, relu;
};

// c_row[0..16) = alpha * acc + beta * c_row, or alpha * acc when beta == 0 (C's NaN ignored); then + (rb + cb)
// when there is a bias (adding 0 would turn -0 into +0) and max(0, v) for ReLU (keeps NaN and -0: the second
// operand is returned for a NaN or two zeros).
inline void store_row(float* c_row, __m256 acc0, __m256 acc1, __m256 alpha, __m256 beta, bool read_c,
                      const Finish& f, float rb) {
  acc0 = _mm256_mul_ps(alpha, acc0);
  acc1 = _mm256_mul_ps(alpha, acc1);
  if (read_c) {
    acc0 = _mm256_fmadd_ps(beta, _mm256_loadu_ps(c_row), acc0);
    acc1 = _mm256_fmadd_ps(beta, _mm256_loadu_ps(c_row + 8), acc1);
  }
  if (f.bias) {
    const __m256 r = _mm256_set1_ps(rb);
    acc0 = _mm256_add_ps(acc0, _mm256_add_ps(r, f.cb0));
    acc1 = _mm256_add_ps(acc1, _mm256_add_ps(r, f.cb1));
  }
  if (f.relu) {
    acc0 = _mm256_max_ps(_mm256_setzero_ps(), acc0);
    acc1 = _mm256_max_ps(_mm256_setzero_ps(), acc1);
  }
  _mm256_storeu_ps(c_row, acc0);
  _mm256_storeu_ps(c_row + 8, acc1);
}

}  // namespace

void sgemm_ukr_avx2_6x16(int64_t kc, const float* a, const float* b, float alpha, float beta, float* c, int64_t ldc,
                         int64_t m, int64_t n, const UkrEpilogue* epilogue) {
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
  __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
  __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
  __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();

#pragma GCC unroll 4
  for (int64_t p = 0; p < kc; ++p) {
    const __m256 b0 = _mm256_load_ps(b);
    const __m256 b1 = _mm256_load_ps(b + 8);
    __m256 ai = _mm256_broadcast_ss(a + 0);
    c00 = _mm256_fmadd_ps(ai, b0, c00);
    c01 = _mm256_fmadd_ps(ai, b1, c01);
    ai = _mm256_broadcast_ss(a + 1);
    c10 = _mm256_fmadd_ps(ai, b0, c10);
    c11 = _mm256_fmadd_ps(ai, b1, c11);
    ai = _mm256_broadcast_ss(a + 2);
    c20 = _mm256_fmadd_ps(ai, b0, c20);
    c21 = _mm256_fmadd_ps(ai, b1, c21);
    ai = _mm256_broadcast_ss(a + 3);
    c30 = _mm256_fmadd_ps(ai, b0, c30);
    c31 = _mm256_fmadd_ps(ai, b1, c31);
    ai = _mm256_broadcast_ss(a + 4);
    c40 = _mm256_fmadd_ps(ai, b0, c40);
    c41 = _mm256_fmadd_ps(ai, b1, c41);
    ai = _mm256_broadcast_ss(a + 5);
    c50 = _mm256_fmadd_ps(ai, b0, c50);
    c51 = _mm256_fmadd_ps(ai, b1, c51);
    a += kMR;
    b += kNR;
  }

  const __m256 va = _mm256_set1_ps(alpha);
  const __m256 vb = _mm256_set1_ps(beta);
  const bool read_c = beta != 0.0f;
  const float* row_bias = epilogue != nullptr ? epilogue->row_bias : nullptr;
  const float* col_bias = epilogue != nullptr ? epilogue->col_bias : nullptr;
  // Bias terms of rows and columns past the tile's m x n are 0, never read.
  alignas(32) float cb[kNR] = {};
  if (col_bias != nullptr) {
    for (int64_t j = 0; j < n; ++j) cb[j] = col_bias[j];
  }
  const Finish f{_mm256_load_ps(cb), _mm256_load_ps(cb + 8), row_bias != nullptr || col_bias != nullptr,
                 epilogue != nullptr && epilogue->relu};
  auto rb = [&](int64_t i) { return row_bias != nullptr && i < m ? row_bias[i] : 0.0f; };
  if (m == kMR && n == kNR) {
    store_row(c + 0 * ldc, c00, c01, va, vb, read_c, f, rb(0));
    store_row(c + 1 * ldc, c10, c11, va, vb, read_c, f, rb(1));
    store_row(c + 2 * ldc, c20, c21, va, vb, read_c, f, rb(2));
    store_row(c + 3 * ldc, c30, c31, va, vb, read_c, f, rb(3));
    store_row(c + 4 * ldc, c40, c41, va, vb, read_c, f, rb(4));
    store_row(c + 5 * ldc, c50, c51, va, vb, read_c, f, rb(5));
    return;
  }
  // Edge tile: stage C's m x n corner in a full tile, update it there, copy the corner back.
  alignas(32) float tile[kMR][kNR] = {};
  if (read_c) {
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t j = 0; j < n; ++j) tile[i][j] = c[i * ldc + j];
    }
  }
  store_row(tile[0], c00, c01, va, vb, read_c, f, rb(0));
  store_row(tile[1], c10, c11, va, vb, read_c, f, rb(1));
  store_row(tile[2], c20, c21, va, vb, read_c, f, rb(2));
  store_row(tile[3], c30, c31, va, vb, read_c, f, rb(3));
  store_row(tile[4], c40, c41, va, vb, read_c, f, rb(4));
  store_row(tile[5], c50, c51, va, vb, read_c, f, rb(5));
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) c[i * ldc + j] = tile[i][j];
  }
}

}  // namespace cnn
