// The dense forward pass's tiles (kernels/gemm/dense_direct.h) with AVX-512F + FMA: T outputs x 16 * V batch rows,
// T * V = 28 zmm accumulators (7 x 64 and 14 x 32). Per input feature: V vector loads of x^T and T broadcasts,
// one from each output's weight row. Layout: x^T [in][16 * V] (64-byte aligned), w rows in place, y [n, out].
// Reference kernel: dense_forward_ref, through kernels/gemm/dense_direct.cpp.
//
// Write-back: bias per output (added only when given, as the GEMM epilogue does), ReLU as max(0, r) that keeps NaN
// and -0, then per 16 batch rows a 16 x 16 register transpose that turns the T output vectors into one vector per
// batch row, stored with an output mask. Compiled with the AVX-512 flags (CMakeLists.txt); everything but the
// exported tiles has internal linkage.
#include <immintrin.h>

#include "kernels/avx512/transpose_avx512.h"
#include "kernels/gemm/dense_direct.h"

// GCC 12's unpack and shuffle intrinsics pass _mm512_undefined_ps() as the unused merge source, which
// -Wuninitialized flags once inlined (a false positive: the mask is all ones).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace cnn {

namespace {

template <int T, int V>
void tile(const DenseTileArgs& args) {
  __m512 acc[T][V];
#pragma GCC unroll 28
  for (int i = 0; i < T; ++i) {
#pragma GCC unroll 4
    for (int j = 0; j < V; ++j) acc[i][j] = _mm512_setzero_ps();
  }
  const float* w[T];
#pragma GCC unroll 28
  for (int i = 0; i < T; ++i) w[i] = args.w[i];
  const float* xt = args.xt;
#pragma GCC unroll 2
  for (int64_t p = 0; p < args.in; ++p) {
    __m512 xv[V];
#pragma GCC unroll 4
    for (int j = 0; j < V; ++j) xv[j] = _mm512_load_ps(xt + 16 * j);
#pragma GCC unroll 28
    for (int i = 0; i < T; ++i) {
      const __m512 a = _mm512_set1_ps(w[i][p]);
#pragma GCC unroll 4
      for (int j = 0; j < V; ++j) acc[i][j] = _mm512_fmadd_ps(a, xv[j], acc[i][j]);
    }
    xt += 16 * V;
  }

  const __mmask16 output_mask = static_cast<__mmask16>((1u << args.outputs) - 1u);  // outputs <= T <= 14
#pragma GCC unroll 28
  for (int i = 0; i < T; ++i) {
    if (args.bias != nullptr && i < args.outputs) {
      const __m512 b = _mm512_set1_ps(args.bias[i]);
#pragma GCC unroll 4
      for (int j = 0; j < V; ++j) acc[i][j] = _mm512_add_ps(acc[i][j], b);
    }
    if (args.relu) {
#pragma GCC unroll 4
      // (The zero-masked form with a full mask: GCC 12 warns that _mm512_max_ps reads an undefined vector.)
      for (int j = 0; j < V; ++j) acc[i][j] = _mm512_maskz_max_ps(0xFFFF, _mm512_setzero_ps(), acc[i][j]);
    }
  }
#pragma GCC unroll 4
  for (int j = 0; j < V; ++j) {
    const int64_t rows = args.rows - 16 * j;
    if (rows <= 0) break;
    __m512 r[16];
#pragma GCC unroll 16
    for (int i = 0; i < 16; ++i) r[i] = i < T ? acc[i][j] : _mm512_setzero_ps();
    avx512::store_transposed(r, rows, args.y + 16 * j * args.y_stride, args.y_stride, output_mask);
  }
}

}  // namespace

void dense_direct_avx512_7x64(const DenseTileArgs& args) { tile<7, 4>(args); }
void dense_direct_avx512_14x32(const DenseTileArgs& args) { tile<14, 2>(args); }

}  // namespace cnn
