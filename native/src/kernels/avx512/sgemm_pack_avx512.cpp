// Packs SGEMM operands into panels of width 12, 14, 16, 32 or 64 with AVX-512F. Transposing (element (r, p) at
// src[r * ld + p]: rows of A, or B stored transposed as in the dense forward's weights): 16 rows x 16 depths at a
// time, as below. Copying (element (r, p) at src[p * ld + r]: B as it is stored, or A stored transposed): whole
// vectors per depth row; the portable copy moves 16 bytes at a time and read 7 GB/s, this one 14 (a 1024 x 3136
// matrix in 256 x 800 blocks).
// Layout: dst as PackFn in sgemm_driver.cpp, panel q at dst[q * width * kc + p * width + r], 0 past `count`.
// Reference kernel: the portable pack_strided<W> (kernels/gemm/sgemm_driver.cpp); the copy is bit-exact.
//
// Each step loads 16 source rows of 16 floats (a masked load for the last depths; rows past `count` are zero
// registers, never read), transposes them in registers (unpacklo/hi_ps, unpacklo/hi_pd, two rounds of
// shuffle_f32x4) and stores 16 depth rows of the panel: whole vectors for widths 16, 32 and 64 (64: the direct
// convolution's weights, kernels/gemm/conv_direct.cpp), masked stores for the narrower widths: 12 lanes for the
// SGEMM's A panels, 14 for those of 14-row tiles. The portable packer copies one float at a time with a
// width * 4-byte store stride.
// Compiled with the AVX-512 flags (CMakeLists.txt); everything but the exported function has internal linkage.
#include <immintrin.h>

#include <algorithm>
#include <cstdint>

#include "kernels/avx512/transpose_avx512.h"
#include "kernels/gemm/sgemm_driver.h"

// GCC 12's unpack and shuffle intrinsics pass _mm512_undefined_ps() (`__m512 __Y = __Y;`) as the unused
// merge source, which -Wuninitialized flags once inlined here (a false positive: the mask is all ones).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace cnn {

namespace {

using avx512::transpose16;

// Rows [0, rows) of one 16-row group (rows <= 16) over all kc depths into dst (row stride W floats);
// store_mask picks the lanes written (the W of a panel narrower than 16, else all 16).
template <int W>
void pack_group(const float* src, int64_t ld, int64_t rows, int64_t kc, float* dst, __mmask16 store_mask) {
  __m512 r[16];
  int64_t p = 0;
  for (; p + 16 <= kc; p += 16) {
    for (int i = 0; i < 16; ++i) r[i] = i < rows ? _mm512_loadu_ps(src + i * ld + p) : _mm512_setzero_ps();
    transpose16(r);
    for (int j = 0; j < 16; ++j) {
      if (W < 16) {
        _mm512_mask_storeu_ps(dst + (p + j) * W, store_mask, r[j]);
      } else {
        _mm512_storeu_ps(dst + (p + j) * W, r[j]);
      }
    }
  }
  if (p < kc) {
    const int64_t left = kc - p;
    const __mmask16 load_mask = static_cast<__mmask16>((1u << left) - 1u);
    for (int i = 0; i < 16; ++i) {
      r[i] = i < rows ? _mm512_maskz_loadu_ps(load_mask, src + i * ld + p) : _mm512_setzero_ps();
    }
    transpose16(r);
    for (int64_t j = 0; j < left; ++j) _mm512_mask_storeu_ps(dst + (p + j) * W, store_mask, r[j]);
  }
}

template <int W>
void pack(const float* src, int64_t ld, int64_t count, int64_t kc, float* dst) {
  constexpr int kGroups = W < 16 ? 1 : W / 16;
  const __mmask16 store_mask = W < 16 ? static_cast<__mmask16>((1u << W) - 1u) : static_cast<__mmask16>(0xFFFF);
  for (int64_t first = 0; first < count; first += W, src += W * ld, dst += W * kc) {
    const int64_t rows = std::min<int64_t>(W, count - first);
    for (int g = 0; g < kGroups; ++g) {
      pack_group<W>(src + g * 16 * ld, ld, std::clamp<int64_t>(rows - g * 16, 0, 16), kc, dst + g * 16, store_mask);
    }
  }
}

// The copying packer (element (r, p) at src[p * ld + r]): each depth row of W floats of a panel is V masked
// vector copies, the last vector's mask covering W % 16 lanes; the last panel's rows past `count` are zeros.
template <int W>
void copy_panels(const float* src, int64_t ld, int64_t count, int64_t kc, float* dst) {
  constexpr int V = (W + 15) / 16;
  constexpr __mmask16 kLast =
      W % 16 == 0 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << (W % 16)) - 1u);
  const int64_t full = count / W;
  const int64_t rest = count - full * W;
  for (int64_t p = 0; p < kc; ++p) {
    const float* s = src + p * ld;
    float* d = dst + p * W;
    for (int64_t q = 0; q < full; ++q, s += W, d += W * kc) {
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) {
        const __mmask16 m = v == V - 1 ? kLast : static_cast<__mmask16>(0xFFFF);
        _mm512_mask_storeu_ps(d + 16 * v, m, _mm512_maskz_loadu_ps(m, s + 16 * v));
      }
    }
    if (rest > 0) {
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) {
        const int64_t valid = std::clamp<int64_t>(rest - 16 * v, 0, 16);
        const __mmask16 load = static_cast<__mmask16>((1u << valid) - 1u);
        const __mmask16 store = v == V - 1 ? kLast : static_cast<__mmask16>(0xFFFF);
        _mm512_mask_storeu_ps(d + 16 * v, store, _mm512_maskz_loadu_ps(load, s + 16 * v));
      }
    }
  }
}

}  // namespace

bool sgemm_pack_copy_avx512(int64_t width, const float* src, int64_t ld, int64_t count, int64_t kc, float* dst) {
  switch (width) {
    case 12: copy_panels<12>(src, ld, count, kc, dst); return true;
    case 14: copy_panels<14>(src, ld, count, kc, dst); return true;
    case 16: copy_panels<16>(src, ld, count, kc, dst); return true;
    case 32: copy_panels<32>(src, ld, count, kc, dst); return true;
    case 64: copy_panels<64>(src, ld, count, kc, dst); return true;
    default: return false;
  }
}

bool sgemm_pack_transposed_avx512(int64_t width, const float* src, int64_t ld, int64_t count, int64_t kc,
                                  float* dst) {
  switch (width) {
    case 12: pack<12>(src, ld, count, kc, dst); return true;
    case 14: pack<14>(src, ld, count, kc, dst); return true;
    case 16: pack<16>(src, ld, count, kc, dst); return true;
    case 32: pack<32>(src, ld, count, kc, dst); return true;
    case 64: pack<64>(src, ld, count, kc, dst); return true;
    default: return false;
  }
}

}  // namespace cnn
