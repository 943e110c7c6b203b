// Packs one panel of the forward convolution's B (conv_pack.h) with AVX2: each 16-column panel row is built in
// two ymm registers from its segments by masked loads (lanes outside the segment, or in the padding, are zero and
// never read) OR-ed together, then stored whole. Each segment's lane range is worked out once per panel for every
// kernel column (horizontal padding) and kernel row (vertical padding), so a tap costs two table lookups, two
// compares and two masked loads per segment, with no branch on the segment lengths.
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
    offset[s] = seg[s].base + seg[s].iy0 * w + seg[s].ix0 - seg[s].r0;
    for (int64_t kx = 0; kx < g.kw; ++kx) {
      const int64_t ix = seg[s].ix0 + kx * g.dilation_w;
      const int64_t lo = std::min(seg[s].len, std::max<int64_t>(0, -ix));
      const int64_t hi = std::max(lo, std::min(seg[s].len, w - ix));
      first[kx][s] = static_cast<int32_t>(seg[s].r0 + lo);
      end[kx][s] = static_cast<int32_t>(seg[s].r0 + hi);
    }
    for (int64_t ky = 0; ky < g.kh; ++ky) {
      const int64_t iy = seg[s].iy0 + ky * g.dilation_h;
      row_inside[ky][s] = iy >= 0 && iy < h;
    }
  }
  const __m256i lane0 = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256i lane1 = _mm256_setr_epi32(8, 9, 10, 11, 12, 13, 14, 15);
  int64_t c = depth_begin / (g.kh * g.kw);
  int64_t ky = depth_begin / g.kw % g.kh;
  int64_t kx = depth_begin % g.kw;
  for (int64_t p = 0; p < depth; ++p, dst += kWidth) {
    const float* tap = x + c * plane_size + ky * g.dilation_h * w + kx * g.dilation_w;
    __m256 v0 = _mm256_setzero_ps();
    __m256 v1 = _mm256_setzero_ps();
    for (int64_t s = 0; s < segments; ++s) {
      const int32_t e = row_inside[ky][s] ? end[kx][s] : 0;  // an empty range for a padding row
      const __m256i f = _mm256_set1_epi32(first[kx][s] - 1);
      const __m256i l = _mm256_set1_epi32(e);
      // lane > first - 1 and end > lane
      const __m256i m0 = _mm256_and_si256(_mm256_cmpgt_epi32(lane0, f), _mm256_cmpgt_epi32(l, lane0));
      const __m256i m1 = _mm256_and_si256(_mm256_cmpgt_epi32(lane1, f), _mm256_cmpgt_epi32(l, lane1));
      // Lane r of the panel reads tap[offset + r]; masked-off lanes are zero and never accessed.
      const float* src = tap + offset[s];
      v0 = _mm256_or_ps(v0, _mm256_maskload_ps(src, m0));
      v1 = _mm256_or_ps(v1, _mm256_maskload_ps(src + 8, m1));
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
  if (width == kWidth && g.stride_w == 1 && g.kh <= kMaxTaps && g.kw <= kMaxTaps && segments <= kMaxSegments)
    return pack(g, x, seg, segments, depth_begin, depth, dst);
  conv_pack_panel_portable(g, x, seg, segments, width, cols, depth_begin, depth, dst);
}

}  // namespace cnn
