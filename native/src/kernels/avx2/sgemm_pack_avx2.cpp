// Packs SGEMM operands into panels of width 6 or 16 with AVX2. Transposing (element (r, p) at src[r * ld + p]:
// rows of A, or B stored transposed as in the dense forward's weights): 8 rows x 8 depths at a time, as below.
// Copying (element (r, p) at src[p * ld + r]: B as it is stored, or A stored transposed): whole vectors per depth
// row, where the portable copy moves 16 bytes at a time.
// Layout: dst as PackFn in sgemm_driver.cpp, panel q at dst[q * width * kc + p * width + r], 0 past `count`.
// Reference kernel: the portable pack_strided<W> (kernels/gemm/sgemm_driver.cpp); the copy is bit-exact.
//
// Each step loads 8 source rows of 8 floats (a masked load for the last depths; rows past `count` are zero
// registers, never read), transposes them in registers (kernels/avx2/transpose_avx2.h) and stores 8 depth rows of
// the panel: whole vectors for width 16 (also the direct convolution's weights and transposed dy,
// kernels/gemm/conv_direct.cpp, and the direct dense layer's x), 6-lane masked stores for width 6.
// Compiled with -mavx2 -mfma (CMakeLists.txt); everything but the exported function has internal linkage.
#include <immintrin.h>

#include <algorithm>
#include <cstdint>

#include "kernels/avx2/transpose_avx2.h"
#include "kernels/gemm/sgemm_driver.h"

namespace cnn {

namespace {

using avx2::transpose8;

// Lanes [0, n) set, as the sign bits maskload/maskstore read.
__m256i lanes(int64_t n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// Rows [0, rows) of one 8-row group (rows <= 8) over all kc depths into dst (row stride W floats); width 6
// stores its 6 lanes, width 16 all 8 of each half.
template <int W>
void pack_group(const float* src, int64_t ld, int64_t rows, int64_t kc, float* dst) {
  const __m256i store_mask = lanes(W == 6 ? 6 : 8);
  __m256 r[8];
  int64_t p = 0;
  for (; p + 8 <= kc; p += 8) {
    for (int i = 0; i < 8; ++i) r[i] = i < rows ? _mm256_loadu_ps(src + i * ld + p) : _mm256_setzero_ps();
    transpose8(r);
    for (int j = 0; j < 8; ++j) {
      if (W == 6) {
        _mm256_maskstore_ps(dst + (p + j) * W, store_mask, r[j]);
      } else {
        _mm256_storeu_ps(dst + (p + j) * W, r[j]);
      }
    }
  }
  if (p < kc) {
    const int64_t left = kc - p;
    const __m256i load_mask = lanes(left);
    for (int i = 0; i < 8; ++i) r[i] = i < rows ? _mm256_maskload_ps(src + i * ld + p, load_mask) : _mm256_setzero_ps();
    transpose8(r);
    for (int64_t j = 0; j < left; ++j) _mm256_maskstore_ps(dst + (p + j) * W, store_mask, r[j]);
  }
}

template <int W>
void pack(const float* src, int64_t ld, int64_t count, int64_t kc, float* dst) {
  constexpr int kGroups = W == 16 ? 2 : 1;
  for (int64_t first = 0; first < count; first += W, src += W * ld, dst += W * kc) {
    const int64_t rows = std::min<int64_t>(W, count - first);
    for (int g = 0; g < kGroups; ++g) {
      pack_group<W>(src + g * 8 * ld, ld, std::clamp<int64_t>(rows - g * 8, 0, 8), kc, dst + g * 8);
    }
  }
}

// The copying packer (element (r, p) at src[p * ld + r]): each depth row of W floats of a panel is whole
// 8-float copies plus a masked one for W % 8 lanes; the last panel's rows past `count` are zeros.
template <int W>
void copy_panels(const float* src, int64_t ld, int64_t count, int64_t kc, float* dst) {
  constexpr int kWhole = W / 8;
  constexpr int kTail = W % 8;
  const __m256i tail = lanes(kTail);
  const int64_t full = count / W;
  const int64_t rest = count - full * W;
  for (int64_t p = 0; p < kc; ++p) {
    const float* s = src + p * ld;
    float* d = dst + p * W;
    for (int64_t q = 0; q < full; ++q, s += W, d += W * kc) {
#pragma GCC unroll 8
      for (int v = 0; v < kWhole; ++v) _mm256_storeu_ps(d + 8 * v, _mm256_loadu_ps(s + 8 * v));
      if (kTail > 0) _mm256_maskstore_ps(d + 8 * kWhole, tail, _mm256_maskload_ps(s + 8 * kWhole, tail));
    }
    if (rest > 0) {
#pragma GCC unroll 8
      for (int v = 0; v < (W + 7) / 8; ++v) {
        const __m256i load = lanes(std::clamp<int64_t>(rest - 8 * v, 0, 8));
        const __m256i store = v == kWhole ? tail : lanes(8);
        _mm256_maskstore_ps(d + 8 * v, store, _mm256_maskload_ps(s + 8 * v, load));
      }
    }
  }
}

}  // namespace

bool sgemm_pack_copy_avx2(int64_t width, const float* src, int64_t ld, int64_t count, int64_t kc, float* dst) {
  switch (width) {
    case 6: copy_panels<6>(src, ld, count, kc, dst); return true;
    case 16: copy_panels<16>(src, ld, count, kc, dst); return true;
    default: return false;
  }
}

bool sgemm_pack_transposed_avx2(int64_t width, const float* src, int64_t ld, int64_t count, int64_t kc, float* dst) {
  switch (width) {
    case 6: pack<6>(src, ld, count, kc, dst); return true;
    case 16: pack<16>(src, ld, count, kc, dst); return true;
    default: return false;
  }
}

}  // namespace cnn
