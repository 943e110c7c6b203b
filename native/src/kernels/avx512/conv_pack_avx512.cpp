// Packs one panel of the forward convolution's B (conv_pack.h) with AVX-512: each 32-column panel row is built
// in two zmm registers from its segments by masked loads (lanes outside the segment, or in the padding, keep
// their zeros and are never read), then stored whole. No branch depends on the segment lengths.
// Layout: x [n,c,h,w] NCHW, dst [depth][32] 64-byte aligned. Reference kernel: conv_pack_panel_portable
// (kernels/gemm/conv_forward_pack.cpp), and through it im2col.
// Compiled with the AVX-512 flags (CMakeLists.txt); everything but the exported function has internal linkage.
#include <immintrin.h>

#include <algorithm>

#include "kernels/gemm/conv_pack.h"

namespace cnn {

void conv_pack_panel_avx512(const Conv2dGeometry& g, const float* x, const ConvPackSegment* seg, int64_t segments,
                            int64_t width, int64_t cols, int64_t depth_begin, int64_t depth, float* dst) {
  if (width != 32 || g.stride_w != 1)
    return conv_pack_panel_portable(g, x, seg, segments, width, cols, depth_begin, depth, dst);
  const int64_t h = g.h;
  const int64_t w = g.w;
  const int64_t plane_size = h * w;
  int64_t c = depth_begin / (g.kh * g.kw);
  int64_t ky = depth_begin / g.kw % g.kh;
  int64_t kx = depth_begin % g.kw;
  for (int64_t p = 0; p < depth; ++p, dst += 32) {
    const int64_t dy = ky * g.dilation_h;
    const int64_t dx = kx * g.dilation_w;
    const float* plane = x + c * plane_size;
    __m512 v0 = _mm512_setzero_ps();
    __m512 v1 = _mm512_setzero_ps();
    for (int64_t s = 0; s < segments; ++s) {
      const int64_t iy = seg[s].iy0 + dy;
      const int64_t ix = seg[s].ix0 + dx;
      // The segment's pixels r with 0 <= ix + r < w, as panel lanes [r0 + lo, r0 + hi); none if the row is padding.
      const int64_t lo = std::max<int64_t>(0, -ix);
      const int64_t hi = iy >= 0 && iy < h ? std::min(seg[s].len, w - ix) : 0;
      const int64_t count = std::max<int64_t>(0, hi - lo);
      const uint64_t bits = ((uint64_t{1} << count) - 1) << (seg[s].r0 + lo);
      // Lane r of the panel reads row[ix + r - r0]; masked-off lanes are never accessed.
      const float* src = plane + seg[s].base + iy * w + ix - seg[s].r0;
      v0 = _mm512_mask_loadu_ps(v0, static_cast<__mmask16>(bits), src);
      v1 = _mm512_mask_loadu_ps(v1, static_cast<__mmask16>(bits >> 16), src + 16);
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
  (void)cols;  // columns past cols belong to no segment: their lanes stay 0
}

}  // namespace cnn
