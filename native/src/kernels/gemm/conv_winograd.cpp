// The Winograd F(2x2, 5x5) convolution's portable half (kernels/gemm/conv_winograd.h): the filter transform's
// packing, the padded image (HWC, so the input transform runs along channels), the blocks of tile rows and the
// threads. The
// transforms of the image and the output, and the 36 GEMMs, are the tier's (kernels/simd/winograd_tiles.inc).
// Layout: x [n,c,h,w] NCHW, w [oc,c,5,5] OIHW, bias [oc] or null, y [n,oc,oh,ow].
// Reference kernel: conv2d_forward_ref (kernels/ref/conv2d_ref.cpp).
//
// Per image: a padded HWC copy, V[xi][t][c] (36 x tiles x C) and M[xi][t][o] (36 x tiles x OC) for a block of
// tile rows sized to stay in L2 (kBlockFloats), U[xi][c][o] for the whole call. Threads take whole images, so
// every output is computed the same way whatever the thread count.
#include "kernels/gemm/conv_winograd.h"

#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "core/context.h"

namespace cnn {

namespace {

constexpr int64_t kXi = 36;  // 6 x 6 transformed elements per tile
// V and M of one block of tile rows, in floats (1 MiB: half of this machine's L2, which also holds U).
constexpr int64_t kBlockFloats = int64_t{1} << 18;

int64_t round_up(int64_t value, int64_t multiple) { return (value + multiple - 1) / multiple * multiple; }

struct Plan {
  const ConvWinogradKernel& kernel;
  const Conv2dGeometry& g;
  int64_t tiles_x, tiles_y;
  int64_t cp;            // input channels rounded up to the vector width: floats per padded pixel
  int64_t padded_rows;   // m * (tiles_y - 1) + 6: the last tile row's windows
  int64_t padded_cols;   // m * (tiles_x - 1) + 6
  int64_t ocp;           // output channels rounded up to the GEMM tile's
  int64_t block_rows;    // tile rows per block
  int64_t block_tiles;   // block_rows * tiles_x rounded up to the GEMM tile's tiles
  const float* u;        // U[xi][c][ocp]
  const float* bias;
  bool relu;
};

// U[xi][c][o] = (G f G^T)[xi / 6][xi % 6] for the input channels [c_begin, c_end) (zero past g.oc): each
// channel's filters are packed into [block][25][channels] panels in `packed` (25 * ocp floats) with the tier's
// transposing packer, then transformed a vector of output channels at a time.
void transform_weights(const Plan& s, const float* w, bool flipped, int64_t c_begin, int64_t c_end, float* packed,
                       float* u) {
  const Conv2dGeometry& g = s.g;
  const ConvWinogradKernel& k = s.kernel;
  for (int64_t c = c_begin; c < c_end; ++c) {
    // Output channel o's taps: w[o][c] (OIHW), or w[c][o] flipped (the data gradient's weights, [C, OC]).
    const int64_t taps = k.r * k.r;
    const float* src = flipped ? w + c * g.oc * taps : w + c * taps;
    const int64_t ld = flipped ? taps : g.c * taps;
    pack_rows_transposed(k.pack, k.channels, src, ld, g.oc, taps, packed);
    for (int64_t o = 0; o < s.ocp; o += k.width) {
      const int64_t block = o / k.channels;
      k.filters(packed + block * taps * k.channels + o % k.channels, k.channels, flipped, u + c * s.ocp + o,
                g.c * s.ocp);
    }
  }
}

// One image: its padded HWC copy (borders already zero), then block by block of tile rows the input transform, the
// 36 GEMMs and the output transform.
void run_image(const Plan& s, const float* x, float* padded, float* v, float* m, float* y) {
  const Conv2dGeometry& g = s.g;
  const ConvWinogradKernel& k = s.kernel;
  const int64_t first_col = std::max<int64_t>(0, -g.pad_left);
  const int64_t end_col = std::min<int64_t>(g.w, s.padded_cols - g.pad_left);
  const int64_t row_stride = s.padded_cols * s.cp;
  for (int64_t i = 0; i < g.h; ++i) {
    const int64_t pr = i + g.pad_top;
    if (pr < 0 || pr >= s.padded_rows) continue;
    if (end_col > first_col) {
      k.to_hwc(x + i * g.w + first_col, g.h * g.w, g.c, end_col - first_col,
               padded + pr * row_stride + (first_col + g.pad_left) * s.cp, s.cp);
    }
  }
  const int64_t plane = g.oh * g.ow;
  for (int64_t ty0 = 0; ty0 < s.tiles_y; ty0 += s.block_rows) {
    const int64_t rows = std::min(s.block_rows, s.tiles_y - ty0);
    const int64_t tiles = rows * s.tiles_x;
    WinogradInputArgs in{};
    in.row_stride = row_stride;
    in.channels = s.cp;
    in.tiles = s.tiles_x;
    in.xi_stride = s.block_tiles * s.cp;
    for (int64_t r = 0; r < rows; ++r) {
      in.image = padded + k.m * (ty0 + r) * row_stride;
      in.v = v + r * s.tiles_x * s.cp;
      k.input_tiles(in);
    }
    WinogradGemmArgs mm{};
    mm.depth = g.c;
    mm.v_stride = s.cp;
    mm.u_stride = s.ocp;
    mm.m_stride = s.ocp;
    mm.tiles = tiles;
    for (int64_t xi = 0; xi < kXi; ++xi) {
      for (int64_t o = 0; o < s.ocp; o += k.channels) {
        mm.v = v + xi * s.block_tiles * s.cp;
        mm.u = s.u + xi * g.c * s.ocp + o;
        mm.m = m + xi * s.block_tiles * s.ocp + o;
        k.gemm(mm);
      }
    }
    WinogradOutputArgs out{};
    out.xi_stride = s.block_tiles * s.ocp;
    out.m_stride = s.ocp;
    out.tiles = s.tiles_x;
    out.ow = g.ow;
    out.y_row = g.ow;
    out.plane = plane;
    out.relu = s.relu;
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t oy = k.m * (ty0 + r);
      out.rows = std::min<int64_t>(k.m, g.oh - oy);
      for (int64_t o = 0; o < g.oc; o += k.width) {
        out.m = m + r * s.tiles_x * s.ocp + o;
        out.y = y + o * plane + oy * g.ow;
        out.channels = std::min(k.width, g.oc - o);
        out.bias = s.bias != nullptr ? s.bias + o : nullptr;
        k.output_row(out);
      }
    }
  }
}

}  // namespace

bool winograd_fits(const Conv2dGeometry& g) {
  return ((g.kh == 5 && g.kw == 5) || (g.kh == 3 && g.kw == 3)) && g.stride_h == 1 && g.stride_w == 1 &&
         g.dilation_h == 1 && g.dilation_w == 1 && g.pad_top >= 0 && g.pad_left >= 0 && g.oh >= 1 && g.ow >= 1;
}

namespace {

// What the Winograd path needs to pay off, on either tier (measured on the 2-core VM, batch 64 unless said, the
// Winograd kernel interleaved with the direct one (the GEMM path where the tier has no direct tile for the shape)
// in one process, /tmp harness, medians of 20 pairs of per-call thread CPU times; speed-up = direct / Winograd):
// - at least 16 input channels: the transforms cost per channel what the GEMM saves per channel pair.
//   AVX-512, C -> OC at 28x28: 5x5 8 -> 32 0.81x, 16 -> 32 1.21x; 3x3 8 -> 32 0.87x, 16 -> 32 1.29x;
// - enough tiles per image: 5x5 at 7x7 (16 tiles of 2x2, 21 computed by 7-tile GEMM rows) 128 -> 128 ran 0.94x
//   (AVX2 1.12x), so 5x5 wants 32 tiles; 3x3 at 7x7 (4 tiles of 4x4) 0.75x, at 14x14 (16 tiles) 1.28-1.42x;
// - at least 16 output channels: the GEMM and the output transform run whole vectors of them. The data gradient of
//   the benchmark layer L1 (a 32 -> 1 forward convolution, 28x28) ran 0.2x of oneDNN's plain layout (cnn_peer_bench)
//   where the GEMM path runs 1.4-1.6x;
// - whole images per thread: a thread each image. Batch 1 on 2 threads ran 0.78x (one thread idle);
// - a padded image of at most 64M floats (its HWC copy is per thread).
// Where it runs: the reference network's conv2 (5x5, 32 -> 64, 14x14) 1.65x (AVX-512, 1 thread), 1.70x (2
// threads), 1.32x (AVX2, against its GEMM path), batch 1 1.28x, batch 4 1.58x; its data gradient (64 -> 32) 1.44x,
// 1.39x and 1.71x; 5x5 64 -> 64 at 56x56 (batch 8) 1.72x and 1.88x; the benchmark layer L3 (3x3, 64 -> 64, 56x56,
// batch 8) 2.18-2.75x (1 thread), 2.23-2.60x (2 threads); 3x3 64 -> 64 at 28x28 2.28-2.40x.
bool winograd_pays(const Conv2dGeometry& g, int threads) {
  if (!winograd_fits(g) || g.n < threads || g.c < 16 || g.oc < 16) return false;
  const int64_t m = g.kh == 5 ? 2 : 4;
  const int64_t tiles_y = (g.oh + m - 1) / m;
  const int64_t tiles_x = (g.ow + m - 1) / m;
  const int64_t tiles = tiles_y * tiles_x;
  // Each thread's padded HWC copy of an image stays bounded, as the direct path's padded image
  // (kMaxPaddedFloats in conv_direct.cpp); larger images go to the paths that need no such copy.
  const double padded = static_cast<double>(m * (tiles_y - 1) + 6) * static_cast<double>(m * (tiles_x - 1) + 6) *
                        static_cast<double>(g.c + 15);
  if (padded > static_cast<double>(int64_t{1} << 26)) return false;
  return g.kh == 5 ? tiles >= 32 : tiles >= 16;
}

}  // namespace

#if defined(CNN_HAVE_AVX512)
// 7 x 64 where the output channels are a multiple of 64 (no padded channels), else 14 x 32.
const ConvWinogradKernel* conv_winograd_choice_avx512(const Conv2dGeometry& g, int threads) {
  if (!winograd_pays(g, threads)) return nullptr;
  if (g.kh == 3) return g.oc % 64 == 0 ? &conv_winograd3_kernel_avx512_7x64() : &conv_winograd3_kernel_avx512_14x32();
  return g.oc % 64 == 0 ? &conv_winograd_kernel_avx512_7x64() : &conv_winograd_kernel_avx512_14x32();
}
#endif

#if defined(CNN_HAVE_AVX2)
const ConvWinogradKernel* conv_winograd_choice_avx2(const Conv2dGeometry& g, int threads) {
  if (!winograd_pays(g, threads)) return nullptr;
  return g.kh == 3 ? &conv_winograd3_kernel_avx2_6x16() : &conv_winograd_kernel_avx2_6x16();
}
#endif

void conv2d_forward_winograd(const ConvWinogradKernel& kernel, cnn_context& ctx, const Conv2dGeometry& g,
                             const float* x, const float* w, bool flipped, const float* bias, bool relu, float* y) {
  if (g.n <= 0 || g.oc <= 0) return;
  const int64_t tiles_x = (g.ow + kernel.m - 1) / kernel.m;
  const int64_t tiles_y = (g.oh + kernel.m - 1) / kernel.m;
  const int64_t cp = round_up(g.c, kernel.width);
  const int64_t ocp = round_up(g.oc, kernel.channels);
  const int64_t per_row = kXi * tiles_x * (cp + ocp);
  const int64_t block_rows = std::clamp<int64_t>(kBlockFloats / std::max<int64_t>(per_row, 1), 1, tiles_y);
  const int64_t block_tiles = round_up(block_rows * tiles_x, kernel.tiles);
  Plan s{kernel,     g,           tiles_x, tiles_y, cp, kernel.m * (tiles_y - 1) + 6, kernel.m * (tiles_x - 1) + 6,
         ocp,        block_rows,  block_tiles, nullptr, bias, relu};

  const int64_t padded_floats = round_up(s.padded_rows * s.padded_cols * cp, 16);
  const int64_t v_floats = round_up(kXi * block_tiles * cp, 16);
  const int64_t m_floats = round_up(kXi * block_tiles * ocp, 16);  // also the weight packing's r * r * ocp
  const int64_t per_thread = padded_floats + v_floats + m_floats;
  const int64_t u_floats = round_up(kXi * g.c * ocp, 16);
  const int threads = static_cast<int>(std::clamp<int64_t>(ctx.threads.load(), 1, g.n));
  Scratch scratch(ctx.scratch(static_cast<size_t>(u_floats + threads * per_thread)));
  float* u = scratch.data();
  s.u = u;
  const int64_t image_size = g.c * g.h * g.w;
  const int64_t out_size = g.oc * g.oh * g.ow;

#pragma omp parallel num_threads(threads) if (threads > 1)
  {
    const int part = omp_get_thread_num();
    const int parts = omp_get_num_threads();
    float* padded = u + u_floats + part * per_thread;
    float* v = padded + padded_floats;
    float* m = v + v_floats;
    const int64_t share = (g.c + parts - 1) / parts;
    transform_weights(s, w, flipped, std::min(g.c, part * share), std::min(g.c, (part + 1) * share), m, u);
    std::memset(padded, 0, static_cast<size_t>(per_thread) * sizeof(float));
#pragma omp barrier
    // Images as threads come free: a core of a shared machine may run slower for a while.
#pragma omp for schedule(dynamic, 1)
    for (int64_t n = 0; n < g.n; ++n) run_image(s, x + n * image_size, padded, v, m, y + n * out_size);
  }
}

}  // namespace cnn
