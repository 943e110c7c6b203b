// GEMM and convolution timings, reference vs generic tier, as a rate counter GFLOP=x/s (2 flops per multiply-add).
// SGEMM: square 256, 512, 1024 (the reference only at 256 and 512, to stay short). Convolution: the
// reference network's two layers, conv2d_forward_ref vs conv2d_forward_im2col. Generic kernels run at 1 and
// 2 threads; the reference kernels are single-threaded, so they run once.
// Usage: cnn_native_bench [--benchmark_filter=Conv] [--benchmark_min_time=0.2s]
#include <benchmark/benchmark.h>
#include <cnn/cnn.h>

#include <cstdint>
#include <memory>
#include <random>
#include <vector>

#include "core/context.h"
#include "kernels/kernels.h"

namespace {

struct ContextDeleter {
  void operator()(cnn_context* c) const { cnn_context_destroy(c); }
};
using ContextPtr = std::unique_ptr<cnn_context, ContextDeleter>;

ContextPtr make_context(int64_t threads) {
  cnn_context* c = nullptr;
  if (cnn_context_create(static_cast<int32_t>(threads), &c) != CNN_OK) return nullptr;
  return ContextPtr(c);
}

std::vector<float> random_vector(size_t count, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(count);
  for (float& x : v) x = dist(rng);
  return v;
}

void set_gflops(benchmark::State& state, double flops_per_iteration) {
  const double total = flops_per_iteration * static_cast<double>(state.iterations());
  state.counters["GFLOP"] = benchmark::Counter(total * 1e-9, benchmark::Counter::kIsRate);
}

// Args: {size, threads}.
template <cnn::SgemmFn Sgemm>
void BM_Sgemm(benchmark::State& state) {
  const int64_t n = state.range(0);
  ContextPtr ctx = make_context(state.range(1));
  if (!ctx) {
    state.SkipWithError(cnn_last_error_message());
    return;
  }
  std::vector<float> a = random_vector(static_cast<size_t>(n * n), 1);
  std::vector<float> b = random_vector(static_cast<size_t>(n * n), 2);
  std::vector<float> c(static_cast<size_t>(n * n));
  for (auto _ : state) {
    Sgemm(*ctx, false, false, n, n, n, 1.0f, a.data(), n, b.data(), n, 0.0f, c.data(), n);
    benchmark::DoNotOptimize(c.data());
    benchmark::ClobberMemory();
  }
  set_gflops(state, 2.0 * static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(n));
}

// The reference network's convolutions: 64 images, 5x5 kernels, pad 2, stride 1.
cnn::Conv2dGeometry conv_layer(int64_t layer) {
  if (layer == 1) return {64, 1, 28, 28, 32, 5, 5, 28, 28, 1, 1, 2, 2, 1, 1};  // 1 -> 32 channels, 28x28
  return {64, 32, 14, 14, 64, 5, 5, 14, 14, 1, 1, 2, 2, 1, 1};                 // 32 -> 64 channels, 14x14
}

// Args: {layer, threads}.
template <cnn::Conv2dForwardFn Conv>
void BM_Conv2d(benchmark::State& state) {
  const cnn::Conv2dGeometry g = conv_layer(state.range(0));
  ContextPtr ctx = make_context(state.range(1));
  if (!ctx) {
    state.SkipWithError(cnn_last_error_message());
    return;
  }
  std::vector<float> x = random_vector(static_cast<size_t>(g.n * g.c * g.h * g.w), 3);
  std::vector<float> w = random_vector(static_cast<size_t>(g.oc * g.c * g.kh * g.kw), 4);
  std::vector<float> bias = random_vector(static_cast<size_t>(g.oc), 5);
  std::vector<float> y(static_cast<size_t>(g.n * g.oc * g.oh * g.ow));
  for (auto _ : state) {
    Conv(*ctx, g, x.data(), w.data(), bias.data(), y.data());
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  set_gflops(state, 2.0 * static_cast<double>(g.n * g.oc * g.oh * g.ow) * static_cast<double>(g.c * g.kh * g.kw));
}

}  // namespace

BENCHMARK(BM_Sgemm<cnn::sgemm_ref>)->ArgNames({"n", "threads"})->Args({256, 1})->Args({512, 1})->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Sgemm<cnn::sgemm_generic>)->ArgNames({"n", "threads"})->ArgsProduct({{256, 512, 1024}, {1, 2}})
    ->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Conv2d<cnn::conv2d_forward_ref>)->ArgNames({"layer", "threads"})->Args({1, 1})->Args({2, 1})
    ->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Conv2d<cnn::conv2d_forward_im2col>)->ArgNames({"layer", "threads"})->ArgsProduct({{1, 2}, {1, 2}})
    ->UseRealTime()->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
