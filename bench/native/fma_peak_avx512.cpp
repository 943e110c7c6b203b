// Measures this core's FP32 FMA peak with zmm registers: 24 independent accumulator chains (enough to hide
// the FMA latency on two FMA ports), so bench_gemm can state an SGEMM rate as a fraction of it.
// Compiled with the AVX-512 flags (CMakeLists.txt); call it only when kernel_table("avx512") is non-null.
// Deliberately free of C++ library headers: no inline code compiled for AVX-512 can reach other files.
#include <immintrin.h>
#include <time.h>

double cnn_bench_fma_peak_avx512_gflops(long iterations) {
  __m512 acc[24];
  for (int i = 0; i < 24; ++i) acc[i] = _mm512_set1_ps(0.001f * static_cast<float>(i));
  const __m512 x = _mm512_set1_ps(0.9999f);
  const __m512 y = _mm512_set1_ps(0.0001f);
  timespec t0{}, t1{};
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (long it = 0; it < iterations; ++it) {
#pragma GCC unroll 24
    for (int i = 0; i < 24; ++i) acc[i] = _mm512_fmadd_ps(acc[i], x, y);
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  __m512 sum = acc[0];
  for (int i = 1; i < 24; ++i) sum = _mm512_add_ps(sum, acc[i]);
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, sum);
  volatile float sink = lanes[0];  // keeps the loop alive
  (void)sink;
  const double seconds =
      static_cast<double>(t1.tv_sec - t0.tv_sec) + 1e-9 * static_cast<double>(t1.tv_nsec - t0.tv_nsec);
  return static_cast<double>(iterations) * 24.0 * 32.0 / seconds * 1e-9;  // 16 lanes x 2 flops per FMA
}
