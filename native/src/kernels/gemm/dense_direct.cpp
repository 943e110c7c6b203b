// The dense forward pass without packing the weights: the portable half of kernels/gemm/dense_direct.h (x
// transposed into batch blocks, the loops over blocks and output tiles, the threads); the tiles are the tier's
// (kernels/avx512/dense_direct_avx512.cpp).
// Layout: x [n,in], w [out,in], bias [out] or null, y [n,out]. Reference kernel: dense_forward_ref.
//
// Why: the GEMM packs all of w for every call (the reference network's first dense layer: 3.2M floats, 12.8 MB
// read and written for 64 rows), and its 64 batch rows ran as 14 + 14 + 14 + 14 + 8 rows of its 14 x 32 tile.
// Here each weight is loaded once, straight from w, and broadcast against 64 (or 32) batch rows in the lanes.
#include <omp.h>

#include <algorithm>
#include <cstdint>

#include "core/context.h"
#include "kernels/gemm/dense_direct.h"

namespace cnn {

namespace {

constexpr double kMinMultiplyAddsPerThread = 65536.0;
// Output tiles per unit of work handed to a thread, at most: 4 x 7 outputs of the reference network's first dense layer
// are ~5.6M multiply-adds at batch 64, and 350 KB of weight rows that stay in L2 across the batch blocks.
constexpr int64_t kTilesPerChunk = 4;

int64_t round_up(int64_t value, int64_t multiple) { return (value + multiple - 1) / multiple * multiple; }

}  // namespace

void dense_forward_direct(const DenseDirectKernel& kernel, cnn_context& ctx, int64_t n, int64_t in, int64_t out,
                          const float* x, const float* w, const float* bias, bool relu, float* y) {
  if (n <= 0 || out <= 0) return;
  const int64_t nb = kernel.rows;
  const int64_t t_max = kernel.outputs;
  const int64_t blocks = (n + nb - 1) / nb;
  const int64_t tiles = (out + t_max - 1) / t_max;
  Scratch scratch(ctx.scratch(static_cast<size_t>(round_up(blocks * in * nb, 16))));
  float* xt = scratch.data();

  const double work = static_cast<double>(n) * static_cast<double>(in) * static_cast<double>(out);
  const int threads = work < 2.0 * kMinMultiplyAddsPerThread ? 1 : ctx.threads.load();
  // Smaller chunks where there are few tiles, so that small layers still spread over the threads.
  const int64_t chunk_tiles = std::clamp<int64_t>(tiles / (4 * threads), 1, kTilesPerChunk);
  const int64_t chunks = (tiles + chunk_tiles - 1) / chunk_tiles;
  const int team = static_cast<int>(std::min<int64_t>(threads, chunks));
#pragma omp parallel num_threads(team) if (team > 1)
  {
    // x^T ([block][in][nb]) packed a part per thread; then chunks of chunk_tiles output tiles, taken as threads
    // come free (a core of a shared machine may run slower for a while), each chunk over every batch block
    // while its weight rows are in the thread's cache.
    pack_rows_transposed_part(kernel.pack_x, nb, x, in, n, in, xt, omp_get_thread_num(), omp_get_num_threads());
#pragma omp barrier
    const float* rows[32];  // a tile's weight rows (tiles have at most 32 outputs)
    DenseTileArgs args{};
    args.in = in;
    args.w = rows;
    args.y_stride = out;
    args.relu = relu;
#pragma omp for schedule(dynamic, 1)
    for (int64_t chunk = 0; chunk < chunks; ++chunk) {
      for (int64_t b = 0; b < blocks; ++b) {
        args.xt = xt + b * in * nb;
        args.rows = std::min(nb, n - b * nb);
        for (int64_t t = chunk * chunk_tiles; t < std::min(tiles, (chunk + 1) * chunk_tiles); ++t) {
          const int64_t first = t * t_max;
          args.outputs = std::min(t_max, out - first);
          for (int64_t i = 0; i < t_max; ++i) rows[i] = w + std::min(first + i, out - 1) * in;
          args.y = y + b * nb * out + first;
          args.bias = bias != nullptr ? bias + first : nullptr;
          kernel.tile(args);
        }
      }
    }
  }
}

// A tier's table entries: direct where dense_direct_choice_<tier> picks a kernel for the batch, else the tier's
// dense_forward_<tier> (dense_forward_relu_<tier>).
#define CNN_DENSE_DIRECT_ENTRIES(tier)                                                                              \
  void dense_forward_direct_##tier(cnn_context& ctx, int64_t n, int64_t in, int64_t out, const float* x,            \
                                   const float* w, const float* bias, float* y) {                                   \
    if (const DenseDirectKernel* k = dense_direct_choice_##tier(n))                                                  \
      return dense_forward_direct(*k, ctx, n, in, out, x, w, bias, false, y);                                       \
    dense_forward_##tier(ctx, n, in, out, x, w, bias, y);                                                            \
  }                                                                                                                  \
  void dense_forward_relu_direct_##tier(cnn_context& ctx, int64_t n, int64_t in, int64_t out, const float* x,       \
                                        const float* w, const float* bias, float* y) {                              \
    if (const DenseDirectKernel* k = dense_direct_choice_##tier(n))                                                  \
      return dense_forward_direct(*k, ctx, n, in, out, x, w, bias, true, y);                                        \
    dense_forward_relu_##tier(ctx, n, in, out, x, w, bias, y);                                                       \
  }

#if defined(CNN_HAVE_AVX512)

namespace {

constexpr DenseDirectKernel kAvx512_7x64{"dense_direct_avx512_7x64", 7, 64, dense_direct_avx512_7x64,
                                         sgemm_pack_transposed_avx512};
constexpr DenseDirectKernel kAvx512_14x32{"dense_direct_avx512_14x32", 14, 32, dense_direct_avx512_14x32,
                                          sgemm_pack_transposed_avx512};

}  // namespace

const DenseDirectKernel& dense_direct_kernel_avx512_7x64() { return kAvx512_7x64; }
const DenseDirectKernel& dense_direct_kernel_avx512_14x32() { return kAvx512_14x32; }

const DenseDirectKernel* dense_direct_choice_avx512(int64_t n) {
  if (n <= 16 || n > 128) return nullptr;
  // Whichever pads the batch less: 17-32 rows and 65-96 in blocks of 32, 33-64 and 97-128 in blocks of 64.
  return round_up(n, 64) <= round_up(n, 32) ? &kAvx512_7x64 : &kAvx512_14x32;
}

CNN_DENSE_DIRECT_ENTRIES(avx512)

#endif

#if defined(CNN_HAVE_AVX2)

namespace {

constexpr DenseDirectKernel kAvx2_6x16{"dense_direct_avx2_6x16", 6, 16, dense_direct_avx2_6x16,
                                       sgemm_pack_transposed_avx2};

}  // namespace

const DenseDirectKernel& dense_direct_kernel_avx2_6x16() { return kAvx2_6x16; }

// As on AVX-512: 17 to 128 rows. cnn_peer_bench DenseFwd 64 x 3136 x 1024 under CNN_MAX_ISA=avx2 (main's
// GEMM -> 6 x 16 direct, GFLOP/s at one thread): 32.5 -> 46.0 (6 x 16 against 40.3 for 4 x 24 and 36.7 for
// 3 x 32 in the same session), then 40.5 -> 54.0 best of 3 interleaved rounds. Two threads were too noisy on the
// shared VM to call (main 26-68, direct 26-42).
const DenseDirectKernel* dense_direct_choice_avx2(int64_t n) {
  if (n <= 16 || n > 128) return nullptr;
  return &kAvx2_6x16;
}

CNN_DENSE_DIRECT_ENTRIES(avx2)

#endif

#undef CNN_DENSE_DIRECT_ENTRIES

}  // namespace cnn
