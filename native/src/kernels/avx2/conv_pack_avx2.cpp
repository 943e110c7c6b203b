// Packs one panel of the forward convolution's B (conv_pack.h) with AVX2: each 16-column panel row is built in
// two ymm registers from its segments by masked loads (lanes outside the segment, or in the padding, are zero and
// never read) OR-ed together, then stored whole. Each segment's lane range is worked out once per panel for every
// kernel column (horizontal padding) and kernel row (vertical padding), so a tap costs two table lookups, two
// compares and two masked loads per segment, with no branch on the segment lengths; stride 2 loads the segment's
// 32-float source window and keeps its even lanes.
// Layout: x [n,c,h,w] NCHW, dst [depth][16] 32-byte aligned. Reference kernel: conv_pack_panel_portable
// (kernels/gemm/conv_forward_pack.cpp), and through it im2col.
// Compiled with -mavx2 -mfma (CMakeLists.txt); everything but the exported function has internal linkage.
#include <immintrin.h>

#include <algorithm>
#include <cstdint>

#include "kernels/gemm/conv_pack.h"

namespace cnn {

namespace {

constexpr int64_t kWidth = 16;
constexpr int64_t kMaxSegments = kWidth;  // every segment holds at least one column
constexpr int64_t kMaxTaps = 16;          // kernel rows / columns with precomputed ranges; more go portable

// Lanes [first, end) of the 8 lanes from `base` on: all-ones where base + i is in range.
inline __m256i lane_mask(__m256i lanes, int32_t base, int32_t first, int32_t end) {
  const __m256i i = _mm256_add_epi32(lanes, _mm256_set1_epi32(base));
  return _mm256_and_si256(_mm256_cmpgt_epi32(i, _mm256_set1_epi32(first - 1)),
                          _mm256_cmpgt_epi32(_mm256_set1_epi32(end), i));
}

// The even elements of the 16 floats a, b, in order: a0 a2 a4 a6 b0 b2 b4 b6.
inline __m256 even_lanes(__m256 a, __m256 b) {
  const __m256 mixed = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));  // a0 a2 b0 b2 | a4 a6 b4 b6
  return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(mixed), _MM_SHUFFLE(3, 1, 2, 0)));
}

template <int SW>
void pack(const Conv2dGeometry& g, const float* x, const ConvPackSegment* seg, int64_t segments, int64_t depth_begin,
          int64_t depth, float* dst) {
  const int64_t h = g.h;
  const int64_t w = g.w;
  const int64_t plane_size = h * w;
  // Per segment the lane-0-relative source offset; per (kx, segment) the panel lanes [first, end) inside the
  // input row; per (ky, segment) whether the input row is inside the image (else the range is empty).
  int64_t offset[kMaxSegments];
  int32_t first[kMaxTaps][kMaxSegments], end[kMaxTaps][kMaxSegments];
  bool row_inside[kMaxTaps][kMaxSegments];
  for (int64_t s = 0; s < segments; ++s) {
    offset[s] = seg[s].base + seg[s].iy0 * w + seg[s].ix0 - SW * seg[s].r0;
    for (int64_t kx = 0; kx < g.kw; ++kx) {
      // The segment's pixels r with 0 <= ix + r * SW < w (as clipped_run in conv_forward_pack.cpp): [lo, hi).
      const int64_t ix = seg[s].ix0 + kx * g.dilation_w;
      const int64_t lo = ix >= 0 ? 0 : std::min(seg[s].len, (-ix + SW - 1) / SW);
      const int64_t hi = ix >= w ? lo : std::max(lo, std::min(seg[s].len, (w - 1 - ix) / SW + 1));
      first[kx][s] = static_cast<int32_t>(seg[s].r0 + lo);
      end[kx][s] = static_cast<int32_t>(seg[s].r0 + hi);
    }
    for (int64_t ky = 0; ky < g.kh; ++ky) {
      const int64_t iy = seg[s].iy0 + ky * g.dilation_h;
      row_inside[ky][s] = iy >= 0 && iy < h;
    }
  }
  const __m256i lane0 = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  int64_t c = depth_begin / (g.kh * g.kw);
  int64_t ky = depth_begin / g.kw % g.kh;
  int64_t kx = depth_begin % g.kw;
  for (int64_t p = 0; p < depth; ++p, dst += kWidth) {
    const float* tap = x + c * plane_size + ky * g.dilation_h * w + kx * g.dilation_w;
    __m256 v0 = _mm256_setzero_ps();
    __m256 v1 = _mm256_setzero_ps();
    for (int64_t s = 0; s < segments; ++s) {
      const int32_t f = first[kx][s];
      const int32_t e = row_inside[ky][s] ? end[kx][s] : 0;  // an empty range for a padding row
      const float* src = tap + offset[s];
      if constexpr (SW == 1) {
        // Lane r of the panel reads src[r]; masked-off lanes are zero and never accessed.
        v0 = _mm256_or_ps(v0, _mm256_maskload_ps(src, lane_mask(lane0, 0, f, e)));
        v1 = _mm256_or_ps(v1, _mm256_maskload_ps(src + 8, lane_mask(lane0, 8, f, e)));
      } else {
        // Lane r reads src[2r]: the window's lanes [2f, 2e - 1), even ones kept (the odd ones in between are
        // inside the row too, and those outside the range are zero).
        const int32_t sf = 2 * f;
        const int32_t se = std::max(sf, 2 * e - 1);
        const __m256 w0 = _mm256_maskload_ps(src, lane_mask(lane0, 0, sf, se));
        const __m256 w1 = _mm256_maskload_ps(src + 8, lane_mask(lane0, 8, sf, se));
        const __m256 w2 = _mm256_maskload_ps(src + 16, lane_mask(lane0, 16, sf, se));
        const __m256 w3 = _mm256_maskload_ps(src + 24, lane_mask(lane0, 24, sf, se));
        v0 = _mm256_or_ps(v0, even_lanes(w0, w1));
        v1 = _mm256_or_ps(v1, even_lanes(w2, w3));
      }
    }
    _mm256_store_ps(dst, v0);
    _mm256_store_ps(dst + 8, v1);
    if (++kx == g.kw) {
      kx = 0;
      if (++ky == g.kh) {
        ky = 0;
        ++c;
      }
    }
  }
}

}  // namespace

void conv_pack_panel_avx2(const Conv2dGeometry& g, const float* x, const ConvPackSegment* seg, int64_t segments,
                          int64_t width, int64_t cols, int64_t depth_begin, int64_t depth, float* dst) {
  // Columns past `cols` belong to no segment, so their lanes stay 0.
  if (width == kWidth && g.kh <= kMaxTaps && g.kw <= kMaxTaps && segments <= kMaxSegments) {
    if (g.stride_w == 1) return pack<1>(g, x, seg, segments, depth_begin, depth, dst);
    if (g.stride_w == 2) return pack<2>(g, x, seg, segments, depth_begin, depth, dst);
  }
  conv_pack_panel_portable(g, x, seg, segments, width, cols, depth_begin, depth, dst);
}

}  // namespace cnn
