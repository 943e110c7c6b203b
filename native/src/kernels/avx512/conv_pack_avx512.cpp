// Packs one panel of the forward convolution's B (conv_pack.h) with AVX-512: each 32-column panel row is built
// in two zmm registers from its segments by zero-masked loads OR-ed together (lanes outside the segment, or in
// the padding, stay zero and are never read; merge-masked loads would chain each segment on the previous
// load's latency), then stored whole. The lane masks of each segment are worked out once per
// panel for every kernel column (horizontal padding) and kernel row (vertical padding), so a tap costs two
// table lookups and two masked loads per segment; stride 2 loads the 64-float window and keeps its even lanes.
// Layout: x [n,c,h,w] NCHW, dst [depth][32] 64-byte aligned. Reference kernel: conv_pack_panel_portable
// (kernels/gemm/conv_forward_pack.cpp), and through it im2col.
// Compiled with the AVX-512 flags (CMakeLists.txt); everything but the exported function has internal linkage.
#include <immintrin.h>

#include <algorithm>
#include <cstdint>

#include "kernels/gemm/conv_pack.h"

namespace cnn {

namespace {

constexpr int64_t kWidth = 32;
constexpr int64_t kMaxSegments = kWidth;  // every segment holds at least one column
constexpr int64_t kMaxTaps = 16;          // kernel rows / columns with precomputed masks; more go portable

// The segment's pixels r with 0 <= ix + r * sw < w (as clipped_run in conv_forward_pack.cpp): [lo, hi).
void clip(int64_t ix, int64_t len, int64_t sw, int64_t w, int64_t* lo, int64_t* hi) {
  *lo = ix >= 0 ? 0 : std::min(len, (-ix + sw - 1) / sw);
  *hi = ix >= w ? *lo : std::max(*lo, std::min(len, (w - 1 - ix) / sw + 1));
}

uint64_t lanes(int64_t first, int64_t count) { return count <= 0 ? 0 : ((uint64_t{1} << count) - 1) << first; }

template <int SW>
void pack(const Conv2dGeometry& g, const float* x, const ConvPackSegment* seg, int64_t segments, int64_t depth_begin,
          int64_t depth, float* dst) {
  const int64_t h = g.h;
  const int64_t w = g.w;
  const int64_t plane_size = h * w;
  // Per segment: the lane-0-relative source offset; per (kx, segment) the output lanes inside the row (and, for
  // stride 2, the source lanes of the 64-float window they come from); per (ky, segment) all-ones or 0 for a
  // row inside or in the padding.
  int64_t offset[kMaxSegments];
  uint32_t out_mask[kMaxTaps][kMaxSegments];
  uint64_t src_mask[kMaxTaps][kMaxSegments];
  uint64_t row_mask[kMaxTaps][kMaxSegments];
  for (int64_t s = 0; s < segments; ++s) {
    offset[s] = seg[s].base + seg[s].iy0 * w + seg[s].ix0 - SW * seg[s].r0;
    for (int64_t kx = 0; kx < g.kw; ++kx) {
      int64_t lo = 0, hi = 0;
      clip(seg[s].ix0 + kx * g.dilation_w, seg[s].len, SW, w, &lo, &hi);
      out_mask[kx][s] = static_cast<uint32_t>(lanes(seg[s].r0 + lo, hi - lo));
      src_mask[kx][s] = lanes(SW * (seg[s].r0 + lo), SW * (hi - lo) - (SW - 1));
    }
    for (int64_t ky = 0; ky < g.kh; ++ky) {
      const int64_t iy = seg[s].iy0 + ky * g.dilation_h;
      row_mask[ky][s] = iy >= 0 && iy < h ? ~uint64_t{0} : 0;
    }
  }
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  int64_t c = depth_begin / (g.kh * g.kw);
  int64_t ky = depth_begin / g.kw % g.kh;
  int64_t kx = depth_begin % g.kw;
  for (int64_t p = 0; p < depth; ++p, dst += kWidth) {
    const float* tap = x + c * plane_size + ky * g.dilation_h * w + kx * g.dilation_w;
    const uint32_t* om = out_mask[kx];
    const uint64_t* sm = src_mask[kx];
    const uint64_t* rm = row_mask[ky];
    __m512 v0 = _mm512_setzero_ps();
    __m512 v1 = _mm512_setzero_ps();
    for (int64_t s = 0; s < segments; ++s) {
      // Lane r of the panel reads tap[offset + SW * r]; masked-off lanes are never accessed.
      const float* src = tap + offset[s];
      if constexpr (SW == 1) {
        const uint32_t bits = om[s] & static_cast<uint32_t>(rm[s]);
        v0 = _mm512_or_ps(v0, _mm512_maskz_loadu_ps(static_cast<__mmask16>(bits), src));
        v1 = _mm512_or_ps(v1, _mm512_maskz_loadu_ps(static_cast<__mmask16>(bits >> 16), src + 16));
      } else {
        const uint64_t bits = sm[s] & rm[s];
        const uint32_t out = om[s] & static_cast<uint32_t>(rm[s]);
        const __m512 w0 = _mm512_maskz_loadu_ps(static_cast<__mmask16>(bits), src);
        const __m512 w1 = _mm512_maskz_loadu_ps(static_cast<__mmask16>(bits >> 16), src + 16);
        const __m512 w2 = _mm512_maskz_loadu_ps(static_cast<__mmask16>(bits >> 32), src + 32);
        const __m512 w3 = _mm512_maskz_loadu_ps(static_cast<__mmask16>(bits >> 48), src + 48);
        v0 = _mm512_or_ps(v0, _mm512_maskz_permutex2var_ps(static_cast<__mmask16>(out), w0, even, w1));
        v1 = _mm512_or_ps(v1, _mm512_maskz_permutex2var_ps(static_cast<__mmask16>(out >> 16), w2, even, w3));
      }
    }
    _mm512_store_ps(dst, v0);
    _mm512_store_ps(dst + 16, v1);
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

void conv_pack_panel_avx512(const Conv2dGeometry& g, const float* x, const ConvPackSegment* seg, int64_t segments,
                            int64_t width, int64_t cols, int64_t depth_begin, int64_t depth, float* dst) {
  // Columns past `cols` belong to no segment, so their lanes stay 0.
  if (width == kWidth && g.kh <= kMaxTaps && g.kw <= kMaxTaps && segments <= kMaxSegments) {
    if (g.stride_w == 1) return pack<1>(g, x, seg, segments, depth_begin, depth, dst);
    if (g.stride_w == 2) return pack<2>(g, x, seg, segments, depth_begin, depth, dst);
  }
  conv_pack_panel_portable(g, x, seg, segments, width, cols, depth_begin, depth, dst);
}

}  // namespace cnn
