// Packs one panel of the forward convolution's B (conv_pack.h) with AVX2: each 16-column panel row is built in
// two ymm registers from its segments by masked loads (lanes outside the segment, or in the padding, keep their
// zeros and are never read), then stored whole. No branch depends on the segment lengths.
// Layout: x [n,c,h,w] NCHW, dst [depth][16] 32-byte aligned. Reference kernel: conv_pack_panel_portable
// (kernels/gemm/conv_forward_pack.cpp), and through it im2col.
// Compiled with -mavx2 -mfma (CMakeLists.txt); everything but the exported function has internal linkage.
#include <immintrin.h>

#include <algorithm>

#include "kernels/gemm/conv_pack.h"

namespace cnn {

void conv_pack_panel_avx2(const Conv2dGeometry& g, const float* x, const ConvPackSegment* seg, int64_t segments,
                          int64_t width, int64_t cols, int64_t depth_begin, int64_t depth, float* dst) {
  if (width != 16 || g.stride_w != 1)
    return conv_pack_panel_portable(g, x, seg, segments, width, cols, depth_begin, depth, dst);
  const int64_t h = g.h;
  const int64_t w = g.w;
  const int64_t plane_size = h * w;
  const __m256i lane0 = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256i lane1 = _mm256_setr_epi32(8, 9, 10, 11, 12, 13, 14, 15);
  int64_t c = depth_begin / (g.kh * g.kw);
  int64_t ky = depth_begin / g.kw % g.kh;
  int64_t kx = depth_begin % g.kw;
  for (int64_t p = 0; p < depth; ++p, dst += 16) {
    const int64_t dy = ky * g.dilation_h;
    const int64_t dx = kx * g.dilation_w;
    const float* plane = x + c * plane_size;
    __m256 v0 = _mm256_setzero_ps();
    __m256 v1 = _mm256_setzero_ps();
    for (int64_t s = 0; s < segments; ++s) {
      const int64_t iy = seg[s].iy0 + dy;
      const int64_t ix = seg[s].ix0 + dx;
      // The segment's pixels r with 0 <= ix + r < w, as panel lanes [first, end); none if the row is padding.
      const int64_t lo = std::max<int64_t>(0, -ix);
      const int64_t hi = iy >= 0 && iy < h ? std::min(seg[s].len, w - ix) : 0;
      const int32_t first = static_cast<int32_t>(seg[s].r0 + lo);
      const int32_t end = static_cast<int32_t>(seg[s].r0 + std::max(lo, hi));
      const __m256i f = _mm256_set1_epi32(first - 1);
      const __m256i e = _mm256_set1_epi32(end);
      // lane > first - 1 and end > lane
      const __m256i m0 = _mm256_and_si256(_mm256_cmpgt_epi32(lane0, f), _mm256_cmpgt_epi32(e, lane0));
      const __m256i m1 = _mm256_and_si256(_mm256_cmpgt_epi32(lane1, f), _mm256_cmpgt_epi32(e, lane1));
      // Lane r of the panel reads row[ix + r - r0]; masked-off lanes are never accessed.
      const float* src = plane + seg[s].base + iy * w + ix - seg[s].r0;
      v0 = _mm256_blendv_ps(v0, _mm256_maskload_ps(src, m0), _mm256_castsi256_ps(m0));
      v1 = _mm256_blendv_ps(v1, _mm256_maskload_ps(src + 8, m1), _mm256_castsi256_ps(m1));
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
  (void)cols;  // columns past cols belong to no segment: their lanes stay 0
}

}  // namespace cnn
