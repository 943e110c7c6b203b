// GEMM and convolution timings as a rate counter GFLOP=x/s (2 flops per multiply-add), every kernel tier
// this CPU runs side by side in one process. SGEMM: square 256, 512, 1024 for each tier (ref, generic, avx2,
// avx512 as available; the reference only at 256 and 512, to stay short), 2048 for the fastest tier only.
// Convolution: the reference network's two layers, conv2d_forward_ref vs the active table's conv2d_forward
// (the active tier's SGEMM, im2col inside its packing). Tiers run at 1 and 2 threads; the reference kernels are
// single-threaded, so they run once. On an AVX-512 CPU the context lists the measured zmm FMA peak and the
// avx512 rows carry peak=x: the fraction of it (per thread) that the SGEMM reached.
// Usage: cnn_native_bench [--benchmark_filter=Sgemm/avx512] [--benchmark_min_time=0.3] [--benchmark_repetitions=3]
#include <benchmark/benchmark.h>
#include <cnn/cnn.h>
#include <cnn/cnn_handles.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/context.h"
#include "kernels/gemm/sgemm_driver.h"
#include "kernels/kernels.h"

#if defined(CNN_HAVE_AVX512)
double cnn_bench_fma_peak_avx512_gflops(long iterations);  // fma_peak_avx512.cpp
#endif

namespace {

using cnn_cpp::ContextPtr;

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

// GFLOP/s, and with a known peak (GFLOP/s of one core) also the fraction of `threads` cores' peak.
void set_gflops(benchmark::State& state, double flops_per_iteration, int64_t threads, double peak) {
  const double gflop = flops_per_iteration * static_cast<double>(state.iterations()) * 1e-9;
  state.counters["GFLOP"] = benchmark::Counter(gflop, benchmark::Counter::kIsRate);
  if (peak > 0.0)
    state.counters["peak"] = benchmark::Counter(gflop / (peak * static_cast<double>(threads)),
                                                benchmark::Counter::kIsRate);
}

// One square SGEMM's context and operands (a and b random, c the product).
struct SquareSgemm {
  ContextPtr ctx;
  int64_t n;
  std::vector<float> a, b, c;
  SquareSgemm(int64_t size, int64_t threads)
      : ctx(make_context(threads)),
        n(size),
        a(random_vector(static_cast<size_t>(size * size), 1)),
        b(random_vector(static_cast<size_t>(size * size), 2)),
        c(static_cast<size_t>(size * size)) {}
  void run(cnn::SgemmFn sgemm) {
    sgemm(*ctx, false, false, n, n, n, 1.0f, a.data(), n, b.data(), n, 0.0f, c.data(), n);
    benchmark::DoNotOptimize(c.data());
    benchmark::ClobberMemory();
  }
};

void run_sgemm(benchmark::State& state, cnn::SgemmFn sgemm, int64_t n, int64_t threads, double peak) {
  SquareSgemm m(n, threads);
  if (!m.ctx) {
    state.SkipWithError(cnn_last_error_message());
    return;
  }
  for (auto _ : state) m.run(sgemm);
  set_gflops(state, 2.0 * static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(n), threads, peak);
}

// The SGEMM's fraction of the FMA peak, both measured in the same seconds: this VM's core speed moves by up to
// 40% from one second to the next (bench/README.md), so a peak taken once at start-up against an SGEMM timed
// later compares two different machines. Each iteration runs one peak slice (~10 ms) and then one SGEMM call,
// both timed by the wall clock; the row reports the best rate of each over the run, their ratio (fraction=),
// and the median of the ratio of each adjacent pair (pair_median=), the same work in the same few
// milliseconds. The time Google Benchmark reports is the SGEMM's alone (manual time).
void run_sgemm_peak_fraction(benchmark::State& state, cnn::SgemmFn sgemm, int64_t n) {
#if defined(CNN_HAVE_AVX512)
  SquareSgemm m(n, 1);
  if (!m.ctx) {
    state.SkipWithError(cnn_last_error_message());
    return;
  }
  const double flops = 2.0 * static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(n);
  double best_peak = 0.0;
  double best_sgemm = 0.0;
  std::vector<double> pair_ratios;
  for (auto _ : state) {
    const double peak = cnn_bench_fma_peak_avx512_gflops(1'000'000);
    const auto t0 = std::chrono::steady_clock::now();
    m.run(sgemm);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    state.SetIterationTime(seconds);
    const double rate = flops / seconds * 1e-9;
    best_peak = std::max(best_peak, peak);
    best_sgemm = std::max(best_sgemm, rate);
    pair_ratios.push_back(rate / peak);
  }
  std::sort(pair_ratios.begin(), pair_ratios.end());
  state.counters["GFLOP"] = benchmark::Counter(flops * static_cast<double>(state.iterations()) * 1e-9,
                                               benchmark::Counter::kIsRate);
  state.counters["best_sgemm"] = best_sgemm;
  state.counters["best_peak"] = best_peak;
  state.counters["fraction"] = best_peak > 0.0 ? best_sgemm / best_peak : 0.0;
  state.counters["pair_median"] = pair_ratios.empty() ? 0.0 : pair_ratios[pair_ratios.size() / 2];
#else
  (void)sgemm;
  (void)n;
  state.SkipWithError("built without AVX-512");
#endif
}

// The reference network's convolutions: 64 images, 5x5 kernels, pad 2, stride 1.
cnn::Conv2dGeometry conv_layer(int64_t layer) {
  if (layer == 1) return {64, 1, 28, 28, 32, 5, 5, 28, 28, 1, 1, 2, 2, 1, 1};  // 1 -> 32 channels, 28x28
  return {64, 32, 14, 14, 64, 5, 5, 14, 14, 1, 1, 2, 2, 1, 1};                 // 32 -> 64 channels, 14x14
}

void run_conv(benchmark::State& state, cnn::Conv2dForwardFn conv, int64_t layer, int64_t threads) {
  const cnn::Conv2dGeometry g = conv_layer(layer);
  ContextPtr ctx = make_context(threads);
  if (!ctx) {
    state.SkipWithError(cnn_last_error_message());
    return;
  }
  std::vector<float> x = random_vector(static_cast<size_t>(g.n * g.c * g.h * g.w), 3);
  std::vector<float> w = random_vector(static_cast<size_t>(g.oc * g.c * g.kh * g.kw), 4);
  std::vector<float> bias = random_vector(static_cast<size_t>(g.oc), 5);
  std::vector<float> y(static_cast<size_t>(g.n * g.oc * g.oh * g.ow));
  for (auto _ : state) {
    conv(*ctx, g, x.data(), w.data(), bias.data(), y.data());
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  set_gflops(state, 2.0 * static_cast<double>(g.n * g.oc * g.oh * g.ow) * static_cast<double>(g.c * g.kh * g.kw),
             threads, 0.0);
}

void configure(benchmark::internal::Benchmark* b) { b->UseRealTime()->Unit(benchmark::kMillisecond); }

struct TierInfo {
  const char* isa;
  const cnn::SgemmKernel* kernel;
};

// The SGEMM tiers this build and CPU can run, slowest first.
std::vector<TierInfo> runnable_tiers() {
  std::vector<TierInfo> tiers{{"generic", &cnn::sgemm_kernel_generic()}};
#if defined(CNN_HAVE_AVX2)
  if (cnn::kernel_table("avx2") != nullptr) tiers.push_back({"avx2", &cnn::sgemm_kernel_avx2()});
#endif
#if defined(CNN_HAVE_AVX512)
  if (cnn::kernel_table("avx512") != nullptr) tiers.push_back({"avx512", &cnn::sgemm_kernel_avx512()});
#endif
  return tiers;
}

double measure_avx512_peak() {
#if defined(CNN_HAVE_AVX512)
  if (cnn::kernel_table("avx512") == nullptr) return 0.0;
  double best = 0.0;
  for (int rep = 0; rep < 7; ++rep) best = std::max(best, cnn_bench_fma_peak_avx512_gflops(10'000'000));
  return best;
#else
  return 0.0;
#endif
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

  const std::vector<TierInfo> tiers = runnable_tiers();
  const double peak = measure_avx512_peak();
  benchmark::AddCustomContext("active_isa", cnn::kernels().isa);
  for (const TierInfo& t : tiers) benchmark::AddCustomContext(std::string("sgemm_") + t.isa, t.kernel->name);
  if (peak > 0.0) {
    char text[64];
    std::snprintf(text, sizeof text, "%.1f GFLOP/s per core (zmm, best of 7)", peak);
    benchmark::AddCustomContext("fma_peak_avx512", text);
  }

  for (int64_t n : {256, 512}) {
    const std::string name = "Sgemm/ref/n:" + std::to_string(n) + "/threads:1";
    configure(benchmark::RegisterBenchmark(name.c_str(), [n](benchmark::State& s) {
          run_sgemm(s, cnn::sgemm_ref, n, 1, 0.0);
        }));
  }
  for (const TierInfo& t : tiers) {
    const bool fastest = &t == &tiers.back();
    const cnn::SgemmFn sgemm = cnn::kernel_table(t.isa)->sgemm;
    const double tier_peak = std::string(t.isa) == "avx512" ? peak : 0.0;
    for (int64_t n : {256, 512, 1024, 2048}) {
      if (n == 2048 && !fastest) continue;
      for (int64_t threads : {1, 2}) {
        const std::string name =
            "Sgemm/" + std::string(t.isa) + "/n:" + std::to_string(n) + "/threads:" + std::to_string(threads);
        configure(benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& s) {
              run_sgemm(s, sgemm, n, threads, tier_peak);
            }));
      }
    }
  }
#if defined(CNN_HAVE_AVX512)
  if (cnn::kernel_table("avx512") != nullptr) {
    const cnn::SgemmFn sgemm = cnn::kernel_table("avx512")->sgemm;
    benchmark::RegisterBenchmark("SgemmPeak/avx512/n:1024/threads:1", [sgemm](benchmark::State& s) {
      run_sgemm_peak_fraction(s, sgemm, 1024);
    })->UseManualTime()->Unit(benchmark::kMillisecond);
  }
#endif
  const std::string active = cnn::kernels().isa;
  for (int64_t layer : {1, 2}) {
    const std::string ref_name = "Conv2d/ref/layer:" + std::to_string(layer) + "/threads:1";
    configure(benchmark::RegisterBenchmark(ref_name.c_str(), [layer](benchmark::State& s) {
          run_conv(s, cnn::conv2d_forward_ref, layer, 1);
        }));
    for (int64_t threads : {1, 2}) {
      const std::string name =
          "Conv2d/" + active + "/layer:" + std::to_string(layer) + "/threads:" + std::to_string(threads);
      configure(benchmark::RegisterBenchmark(name.c_str(), [layer, threads](benchmark::State& s) {
            run_conv(s, cnn::kernels().conv2d_forward, layer, threads);
          }));
    }
  }

  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
