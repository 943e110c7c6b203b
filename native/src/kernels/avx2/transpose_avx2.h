// An 8 x 8 float transpose in AVX2 registers, shared by the AVX2 files that need one (the transposing SGEMM packer,
// the direct convolution's and dense layer's write-back through kernels/simd/direct_tiles.inc). Included only by
// files compiled with the AVX2 flags (kernels/avx2/); static, so each includer gets its own internal copy.
#pragma once

#include <immintrin.h>

namespace cnn {
namespace avx2 {

// r[i] holds row i's 8 consecutive columns; afterwards r[j] holds column j of the 8 rows.
// unpacklo/hi_ps, shuffle_ps, then permute2f128 across the 128-bit halves: 24 shuffles.
[[gnu::always_inline]] static inline void transpose8(__m256 r[8]) {
  __m256 t[8];
  for (int k = 0; k < 4; ++k) {
    t[2 * k] = _mm256_unpacklo_ps(r[2 * k], r[2 * k + 1]);
    t[2 * k + 1] = _mm256_unpackhi_ps(r[2 * k], r[2 * k + 1]);
  }
  // u[4 * g + c]: in each 128-bit lane L, column 4L + c of rows 4g .. 4g + 3.
  __m256 u[8];
  for (int g = 0; g < 2; ++g) {
    u[4 * g + 0] = _mm256_shuffle_ps(t[4 * g], t[4 * g + 2], 0x44);
    u[4 * g + 1] = _mm256_shuffle_ps(t[4 * g], t[4 * g + 2], 0xEE);
    u[4 * g + 2] = _mm256_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0x44);
    u[4 * g + 3] = _mm256_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0xEE);
  }
  for (int c = 0; c < 4; ++c) {
    r[c] = _mm256_permute2f128_ps(u[c], u[4 + c], 0x20);
    r[4 + c] = _mm256_permute2f128_ps(u[c], u[4 + c], 0x31);
  }
}

}  // namespace avx2
}  // namespace cnn
