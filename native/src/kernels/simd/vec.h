// One vector vocabulary for the AVX2 and AVX-512 element-wise kernels (pooling, activations, softmax), so
// each kernel is written once (kernels/simd/*.inc) and compiled per ISA by kernels/avx2/ and kernels/avx512/.
// The vector width follows the including file's compile flags: 16 floats with -mavx512f, else 8 with -mavx2.
// Layout: plain float arrays; partial vectors (the tail of a row) are loaded and stored through masks, so no
// kernel reads or writes past the end of its data.
//
// Everything here has internal linkage (an unnamed namespace): each ISA file gets its own copy compiled with
// its own flags, and the linker can never hand an AVX-512 copy of a helper to the AVX2 path (or to a CPU
// without either). Include this header only from files compiled with AVX2 or AVX-512 flags.
#pragma once

#include <immintrin.h>

#include <cstdint>
#include <limits>

#if defined(__AVX512F__)
#include "kernels/avx512/transpose_avx512.h"
#else
#include "kernels/avx2/transpose_avx2.h"
#endif

#if !defined(__AVX2__) || !defined(__FMA__)
#error "kernels/simd/vec.h needs -mavx2 -mfma (or -mavx512f ...): include it only from kernels/avx2 or kernels/avx512"
#endif

// GCC 12's AVX-512 headers start some intrinsics (reductions, abs, masked converts) from an undefined
// vector, which its -Wuninitialized reports at every use; the value is never read.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace cnn {
namespace {
namespace simd {

#if defined(__AVX512F__)
constexpr int kWidth = 16;
using F = __m512;     // kWidth floats
using I = __m512i;    // kWidth int32
using M = __mmask16;  // one bit per lane

inline F zero() { return _mm512_setzero_ps(); }
inline F set1(float v) { return _mm512_set1_ps(v); }
inline F load(const float* p) { return _mm512_loadu_ps(p); }
inline void store(float* p, F v) { _mm512_storeu_ps(p, v); }
inline M first_lanes(int n) { return n >= kWidth ? M(0xFFFF) : static_cast<M>((1u << n) - 1u); }
// The first n lanes of p (n < kWidth allowed), `fill` in the others; memory past p[n-1] is not touched.
inline F load_partial(const float* p, int n, float fill = 0.0f) {
  return _mm512_mask_loadu_ps(set1(fill), first_lanes(n), p);
}
inline void store_partial(float* p, F v, int n) { _mm512_mask_storeu_ps(p, first_lanes(n), v); }
inline void store_masked(float* p, F v, M m) { _mm512_mask_storeu_ps(p, m, v); }  // the lanes of m

inline F add(F a, F b) { return _mm512_add_ps(a, b); }
inline F sub(F a, F b) { return _mm512_sub_ps(a, b); }
inline F mul(F a, F b) { return _mm512_mul_ps(a, b); }
inline F div(F a, F b) { return _mm512_div_ps(a, b); }
inline F sqrt(F a) { return _mm512_sqrt_ps(a); }
inline F fmadd(F a, F b, F c) { return _mm512_fmadd_ps(a, b, c); }  // a * b + c
inline F max(F a, F b) { return _mm512_max_ps(a, b); }             // b when either is NaN
inline F min(F a, F b) { return _mm512_min_ps(a, b); }
inline F abs(F a) { return _mm512_abs_ps(a); }
inline F copy_sign(F magnitude, F sign) {  // |magnitude| with the sign bit of `sign`
  const F bit = _mm512_set1_ps(-0.0f);
  return _mm512_or_ps(_mm512_andnot_ps(bit, magnitude), _mm512_and_ps(bit, sign));
}

// Ordered comparisons: false when either side is NaN.
inline M gt(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
inline M lt(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
inline M le(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_LE_OQ); }
inline M is_nan(F a) { return _mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q); }
inline M not_le(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_NLE_UQ); }  // a > b, or either is NaN
inline M is_number(F a) { return _mm512_cmp_ps_mask(a, a, _CMP_ORD_Q); }        // not NaN
inline M mask_or(M a, M b) { return static_cast<M>(a | b); }
inline M mask_and(M a, M b) { return static_cast<M>(a & b); }
inline M mask_andnot(M a, M b) { return static_cast<M>(~a & b); }  // !a && b
inline F select(M m, F if_true, F if_false) { return _mm512_mask_blend_ps(m, if_false, if_true); }
// acc + *w * x, with *w broadcast inside the FMA (its memory operand, {1to16}): no register holds the broadcast.
// Written in assembly: GCC 12 hoists a repeated _mm512_set1_ps(*w) into a register, the very register it saves.
inline F fmadd_broadcast(const float* w, F x, F acc) {
  __asm__("vfmadd231ps %2%{1to16%}, %1, %0" : "+v"(acc) : "v"(x), "m"(*w));
  return acc;
}

inline I iota_i() { return _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15); }
inline I set1_i(int32_t v) { return _mm512_set1_epi32(v); }
inline I add_i(I a, I b) { return _mm512_add_epi32(a, b); }
inline I mul_i(I a, I b) { return _mm512_mullo_epi32(a, b); }
inline I select_i(M m, I if_true, I if_false) { return _mm512_mask_blend_epi32(m, if_false, if_true); }
inline M eq_i(I a, I b) { return _mm512_cmpeq_epi32_mask(a, b); }
inline void store_i(int32_t* p, I v) { _mm512_storeu_si512(p, v); }
inline I load_i(const int32_t* p) { return _mm512_loadu_si512(p); }
inline void store_partial_i(int32_t* p, I v, int n) { _mm512_mask_storeu_epi32(p, first_lanes(n), v); }
// base[idx[j]] for the lanes of m, `fill` elsewhere (masked-off lanes read no memory).
inline F gather(const float* base, I idx, M m, float fill = 0.0f) {
  return _mm512_mask_i32gather_ps(set1(fill), m, idx, base, 4);
}

// Lanes 0, 2, 4, ... (even) or 1, 3, 5, ... (odd) of the 2*kWidth floats lo:hi, in order: the cells of
// stride-2 windows from two contiguous loads.
inline F even_lanes(F lo, F hi) {
  return _mm512_permutex2var_ps(lo, _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30), hi);
}
inline F odd_lanes(F lo, F hi) {
  return _mm512_permutex2var_ps(lo, _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31), hi);
}

// The lanes of a and b alternated, a0 b0 a1 b1 ...: the first kWidth (low) or the last kWidth (high).
// The inverse of even_lanes/odd_lanes.
inline F interleave_low(F a, F b) {
  return _mm512_permutex2var_ps(a, _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23), b);
}
inline F interleave_high(F a, F b) {
  return _mm512_permutex2var_ps(a, _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31), b);
}

// Lane j is lane idx[j] (0 .. 2*kWidth-1) of the 2*kWidth floats lo:hi.
inline F permute2(F lo, F hi, I idx) { return _mm512_permutex2var_ps(lo, idx, hi); }

inline F from_int_bits(I v) { return _mm512_castsi512_ps(v); }
inline I round_to_int(F v) { return _mm512_cvtps_epi32(v); }  // nearest, ties to even
inline F to_float(I v) { return _mm512_cvtepi32_ps(v); }
inline I sub_i(I a, I b) { return _mm512_sub_epi32(a, b); }
inline I shift_left_i(I v, int bits) { return _mm512_slli_epi32(v, static_cast<unsigned>(bits)); }
inline I shift_right_i(I v, int bits) { return _mm512_srai_epi32(v, static_cast<unsigned>(bits)); }  // arithmetic
inline I shift_right_logical_i(I v, int bits) { return _mm512_srli_epi32(v, static_cast<unsigned>(bits)); }
inline I xor_i(I a, I b) { return _mm512_xor_si512(a, b); }
// The full 64-bit products of the lanes as unsigned 32-bit numbers: their high and low words, lane for lane.
inline void mul_wide_u32(I a, I b, I& hi, I& lo) {
  const __m512i even = _mm512_mul_epu32(a, b);  // products of lanes 0, 2, 4, ... in 64-bit lanes
  const __m512i odd = _mm512_mul_epu32(_mm512_srli_epi64(a, 32), _mm512_srli_epi64(b, 32));
  lo = _mm512_mask_blend_epi32(0xAAAA, even, _mm512_slli_epi64(odd, 32));
  hi = _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(even, 32), odd);
}

inline float reduce_add(F v) { return _mm512_reduce_add_ps(v); }
inline float reduce_max(F v) { return _mm512_reduce_max_ps(v); }
#else
constexpr int kWidth = 8;
using F = __m256;
using I = __m256i;
using M = __m256;  // all-ones lanes are true

inline F zero() { return _mm256_setzero_ps(); }
inline F set1(float v) { return _mm256_set1_ps(v); }
inline F load(const float* p) { return _mm256_loadu_ps(p); }
inline void store(float* p, F v) { _mm256_storeu_ps(p, v); }
inline I iota_i() { return _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7); }
inline I set1_i(int32_t v) { return _mm256_set1_epi32(v); }
inline __m256i first_lanes_i(int n) { return _mm256_cmpgt_epi32(set1_i(n), iota_i()); }
inline M first_lanes(int n) { return _mm256_castsi256_ps(first_lanes_i(n)); }
inline F select(M m, F if_true, F if_false) { return _mm256_blendv_ps(if_false, if_true, m); }
// The first n lanes of p (n < kWidth allowed), `fill` in the others; memory past p[n-1] is not touched.
inline F load_partial(const float* p, int n, float fill = 0.0f) {
  const __m256i m = first_lanes_i(n);
  return select(_mm256_castsi256_ps(m), _mm256_maskload_ps(p, m), set1(fill));
}
inline void store_partial(float* p, F v, int n) { _mm256_maskstore_ps(p, first_lanes_i(n), v); }
inline void store_masked(float* p, F v, M m) { _mm256_maskstore_ps(p, _mm256_castps_si256(m), v); }

inline F add(F a, F b) { return _mm256_add_ps(a, b); }
inline F sub(F a, F b) { return _mm256_sub_ps(a, b); }
inline F mul(F a, F b) { return _mm256_mul_ps(a, b); }
inline F div(F a, F b) { return _mm256_div_ps(a, b); }
inline F sqrt(F a) { return _mm256_sqrt_ps(a); }
inline F fmadd(F a, F b, F c) { return _mm256_fmadd_ps(a, b, c); }
inline F max(F a, F b) { return _mm256_max_ps(a, b); }
inline F min(F a, F b) { return _mm256_min_ps(a, b); }
inline F abs(F a) { return _mm256_andnot_ps(set1(-0.0f), a); }
inline F copy_sign(F magnitude, F sign) {  // |magnitude| with the sign bit of `sign`
  const F bit = set1(-0.0f);
  return _mm256_or_ps(_mm256_andnot_ps(bit, magnitude), _mm256_and_ps(bit, sign));
}

inline M gt(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
inline M lt(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
inline M le(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_LE_OQ); }
inline M is_nan(F a) { return _mm256_cmp_ps(a, a, _CMP_UNORD_Q); }
inline M not_le(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_NLE_UQ); }  // a > b, or either is NaN
inline M is_number(F a) { return _mm256_cmp_ps(a, a, _CMP_ORD_Q); }        // not NaN
inline M mask_or(M a, M b) { return _mm256_or_ps(a, b); }
inline M mask_and(M a, M b) { return _mm256_and_ps(a, b); }
inline M mask_andnot(M a, M b) { return _mm256_andnot_ps(a, b); }
// acc + *w * x (AVX2 has no broadcast operand: the broadcast takes a register, as fmadd(set1(*w), x, acc)).
inline F fmadd_broadcast(const float* w, F x, F acc) { return _mm256_fmadd_ps(_mm256_set1_ps(*w), x, acc); }

inline I add_i(I a, I b) { return _mm256_add_epi32(a, b); }
inline I mul_i(I a, I b) { return _mm256_mullo_epi32(a, b); }
inline I select_i(M m, I if_true, I if_false) {
  return _mm256_castps_si256(select(m, _mm256_castsi256_ps(if_true), _mm256_castsi256_ps(if_false)));
}
inline M eq_i(I a, I b) { return _mm256_castsi256_ps(_mm256_cmpeq_epi32(a, b)); }
inline void store_i(int32_t* p, I v) { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v); }
inline I load_i(const int32_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
inline void store_partial_i(int32_t* p, I v, int n) { _mm256_maskstore_epi32(p, first_lanes_i(n), v); }
inline F gather(const float* base, I idx, M m, float fill = 0.0f) {
  return _mm256_mask_i32gather_ps(set1(fill), base, idx, m, 4);
}

// Lanes 0, 2, 4, ... (even) or 1, 3, 5, ... (odd) of the 16 floats lo:hi, in order: a shuffle within each
// 128-bit half, then the 64-bit pairs put in order.
inline F even_lanes(F lo, F hi) {
  const __m256 t = _mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(2, 0, 2, 0));  // lo0 lo2 hi0 hi2 | lo4 lo6 hi4 hi6
  return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(t), _MM_SHUFFLE(3, 1, 2, 0)));
}
inline F odd_lanes(F lo, F hi) {
  const __m256 t = _mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(3, 1, 3, 1));
  return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(t), _MM_SHUFFLE(3, 1, 2, 0)));
}

// The lanes of a and b alternated, a0 b0 a1 b1 ...: the first 8 (low) or the last 8 (high). The inverse of
// even_lanes/odd_lanes.
inline F interleave_low(F a, F b) {
  return _mm256_permute2f128_ps(_mm256_unpacklo_ps(a, b), _mm256_unpackhi_ps(a, b), 0x20);
}
inline F interleave_high(F a, F b) {
  return _mm256_permute2f128_ps(_mm256_unpacklo_ps(a, b), _mm256_unpackhi_ps(a, b), 0x31);
}

// Lane j is lane idx[j] (0 .. 15) of the 16 floats lo:hi: both halves permuted (vpermps reads the index's
// low 3 bits), then the half that idx names chosen.
inline F permute2(F lo, F hi, I idx) {
  const M from_hi = _mm256_castsi256_ps(_mm256_cmpgt_epi32(idx, set1_i(kWidth - 1)));
  return select(from_hi, _mm256_permutevar8x32_ps(hi, idx), _mm256_permutevar8x32_ps(lo, idx));
}

inline F from_int_bits(I v) { return _mm256_castsi256_ps(v); }
inline I round_to_int(F v) { return _mm256_cvtps_epi32(v); }
inline F to_float(I v) { return _mm256_cvtepi32_ps(v); }
inline I sub_i(I a, I b) { return _mm256_sub_epi32(a, b); }
inline I shift_left_i(I v, int bits) { return _mm256_slli_epi32(v, bits); }
inline I shift_right_i(I v, int bits) { return _mm256_srai_epi32(v, bits); }
inline I shift_right_logical_i(I v, int bits) { return _mm256_srli_epi32(v, bits); }
inline I xor_i(I a, I b) { return _mm256_xor_si256(a, b); }
inline void mul_wide_u32(I a, I b, I& hi, I& lo) {  // as the AVX-512 one
  const __m256i even = _mm256_mul_epu32(a, b);
  const __m256i odd = _mm256_mul_epu32(_mm256_srli_epi64(a, 32), _mm256_srli_epi64(b, 32));
  lo = _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA);
  hi = _mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xAA);
}

inline float reduce_add(F v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}
inline float reduce_max(F v) {
  __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_max_ps(s, _mm_movehl_ps(s, s));
  s = _mm_max_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}
#endif

// ---- exp and expm1 ------------------------------------------------------------------------------------
// Range reduction x = n ln2 + r with |r| <= ln2/2 (ln2 split in two so n*ln2 is exact to ~2^-40), then
// e^r - 1 by its Taylor polynomial to degree 7 (truncation < 2^-27 relative), then 2^n built from its
// exponent bits. Within 2 ulp of std::exp / std::expm1 over the float range; the kernels' tests compare
// with the reference kernels (which call std::exp) under a stated tolerance.
// Below -87.3 e^x is a float denormal: flushed to 0 (expm1 to -1). Above 88.72 it is +inf. NaN stays NaN.
struct ExpParts {
  F scale_a, scale_b;  // 2^n = scale_a * scale_b, each factor a normal float
  F q;                 // e^r - 1
};

inline F pow2(I n) { return from_int_bits(shift_left_i(add_i(n, set1_i(127)), 23)); }  // n in [-126, 127]

inline ExpParts exp_parts(F x) {
  const F xc = min(max(x, set1(-87.3f)), set1(88.72f));
  const F n = to_float(round_to_int(mul(xc, set1(1.44269504088896341f))));
  F r = fmadd(n, set1(-0.693145751953125f), xc);  // ln2 high part: 16 significant bits, so n*hi is exact
  r = fmadd(n, set1(-1.428606765330187045e-06f), r);
  F p = set1(1.0f / 5040.0f);
  p = fmadd(p, r, set1(1.0f / 720.0f));
  p = fmadd(p, r, set1(1.0f / 120.0f));
  p = fmadd(p, r, set1(1.0f / 24.0f));
  p = fmadd(p, r, set1(1.0f / 6.0f));
  p = fmadd(p, r, set1(0.5f));
  p = fmadd(p, r, set1(1.0f));
  // n in [-126, 128]: 2^n as two factors 2^(n>>1) * 2^(n - n>>1), each within the normal exponent range.
  const I ni = round_to_int(n);
  const I half = shift_right_i(ni, 1);
  return {pow2(half), pow2(sub_i(ni, half)), mul(p, r)};
}

inline F fix_range(F x, F result, F below, F above) {
  result = select(lt(x, set1(-87.3f)), below, result);
  result = select(gt(x, set1(88.72f)), above, result);
  return select(is_nan(x), x, result);
}

inline F exp(F x) {
  const ExpParts e = exp_parts(x);
  const F result = mul(fmadd(e.scale_a, e.q, e.scale_a), e.scale_b);
  return fix_range(x, result, zero(), set1(std::numeric_limits<float>::infinity()));
}

// e^x - 1 = 2^n (e^r - 1) + (2^n - 1): exact in its last step for n = 0, so small x keeps full relative
// precision. Meant for x <= 88.3 (ELU, tanh); above that 2^n itself overflows and the result is +inf.
inline F expm1(F x) {
  const ExpParts e = exp_parts(x);
  const F scale = mul(e.scale_a, e.scale_b);
  return fix_range(x, fmadd(scale, e.q, sub(scale, set1(1.0f))), set1(-1.0f),
                   set1(std::numeric_limits<float>::infinity()));
}

// r[i] holds row i's kWidth columns; afterwards r[j] holds column j of the kWidth rows (a 16 x 16 or 8 x 8
// register transpose: kernels/avx512/transpose_avx512.h, kernels/avx2/transpose_avx2.h).
[[gnu::always_inline]] inline void transpose(F (&r)[kWidth]) {
#if defined(__AVX512F__)
  avx512::transpose16(r);
#else
  avx2::transpose8(r);
#endif
}

}  // namespace simd
}  // namespace
}  // namespace cnn
