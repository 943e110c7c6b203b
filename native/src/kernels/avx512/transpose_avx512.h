// A 16 x 16 float transpose in AVX-512 registers, shared by the AVX-512 files that need one (the transposing
// SGEMM packer, the direct convolution's and dense kernels' write-back). Included only by files compiled with the AVX-512 flags
// (kernels/avx512/); static, so each includer gets its own internal copy and nothing AVX-512 leaks out.
#pragma once

#include <immintrin.h>

namespace cnn {
namespace avx512 {

// r[i] holds row i's 16 consecutive columns; afterwards r[j] holds column j of the 16 rows.
// unpacklo/hi_ps, unpacklo/hi_pd, then two rounds of shuffle_f32x4: 64 shuffles.
[[gnu::always_inline]] static inline void transpose16(__m512 r[16]) {
  __m512 t[16];
  for (int k = 0; k < 8; ++k) {
    t[2 * k] = _mm512_unpacklo_ps(r[2 * k], r[2 * k + 1]);
    t[2 * k + 1] = _mm512_unpackhi_ps(r[2 * k], r[2 * k + 1]);
  }
  // u[4 * g + c]: in each 128-bit lane L, column 4L + c of rows 4g .. 4g + 3.
  __m512 u[16];
  for (int g = 0; g < 4; ++g) {
    const __m512d a = _mm512_castps_pd(t[4 * g]), b = _mm512_castps_pd(t[4 * g + 1]);
    const __m512d c = _mm512_castps_pd(t[4 * g + 2]), d = _mm512_castps_pd(t[4 * g + 3]);
    u[4 * g + 0] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
    u[4 * g + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
    u[4 * g + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d));
    u[4 * g + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
  }
  // Column 4L + c of all 16 rows is lane L of u[c], u[4 + c], u[8 + c], u[12 + c].
  for (int c = 0; c < 4; ++c) {
    const __m512 v_even = _mm512_shuffle_f32x4(u[c], u[4 + c], 0x88);  // lanes 0, 2 of each
    const __m512 v_odd = _mm512_shuffle_f32x4(u[c], u[4 + c], 0xDD);   // lanes 1, 3 of each
    const __m512 w_even = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0x88);
    const __m512 w_odd = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0xDD);
    r[0 + c] = _mm512_shuffle_f32x4(v_even, w_even, 0x88);
    r[4 + c] = _mm512_shuffle_f32x4(v_odd, w_odd, 0x88);
    r[8 + c] = _mm512_shuffle_f32x4(v_even, w_even, 0xDD);
    r[12 + c] = _mm512_shuffle_f32x4(v_odd, w_odd, 0xDD);
  }
}

}  // namespace avx512
}  // namespace cnn
