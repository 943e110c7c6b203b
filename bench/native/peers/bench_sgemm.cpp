// Square SGEMM, row-major C = A * B (no transposes), n = 256, 512, 1024, 2048 at 1 and 2 threads:
// CnnNative's active SGEMM (internal: the C ABI has no GEMM, so this is the kernel its convolutions and
// dense layers run) against OpenBLAS cblas_sgemm on the same A and B. OpenBLAS picks its kernels by
// core type at load time (env OPENBLAS_CORETYPE overrides it); the context line openblas_core names it.
#include <cblas.h>

#include "core/context.h"
#include "kernels/kernels.h"
#include "peer_common.h"

namespace peers {
namespace {

struct SgemmData {
  std::vector<float> a, b;
  explicit SgemmData(int64_t n)
      : a(random_vector(static_cast<size_t>(n * n), 1)), b(random_vector(static_cast<size_t>(n * n), 2)) {}
};

void openblas_sgemm(int64_t n, const SgemmData& d, float* c) {
  const int size = static_cast<int>(n);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, size, size, size, 1.0f, d.a.data(), size, d.b.data(),
              size, 0.0f, c, size);
}

void cnn_sgemm(cnn_context& ctx, int64_t n, const SgemmData& d, float* c) {
  cnn::kernels().sgemm(ctx, false, false, n, n, n, 1.0f, d.a.data(), n, d.b.data(), n, 0.0f, c, n);
}

double sgemm_flops(int64_t n) { return 2.0 * static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(n); }

void run_cnn(benchmark::State& state, int64_t n, int64_t threads) {
  use_threads(threads);
  std::string error;
  ContextPtr ctx = make_context(threads, &error);
  if (!ctx) {
    state.SkipWithError(error.c_str());
    return;
  }
  const SgemmData d(n);
  std::vector<float> c(static_cast<size_t>(n * n));
  cnn_sgemm(*ctx, n, d, c.data());  // warm-up: pack buffers grow once
  const CpuMeter meter;
  for (auto _ : state) {
    cnn_sgemm(*ctx, n, d, c.data());
    benchmark::DoNotOptimize(c.data());
    benchmark::ClobberMemory();
  }
  meter.finish(state);
  set_gflops(state, sgemm_flops(n));
}

void run_openblas(benchmark::State& state, int64_t n, int64_t threads) {
  use_threads(threads);
  std::string error;
  ContextPtr ctx = make_context(threads, &error);
  if (!ctx) {
    state.SkipWithError(error.c_str());
    return;
  }
  const SgemmData d(n);
  std::vector<float> c(static_cast<size_t>(n * n));
  std::vector<float> want(c.size());
  openblas_sgemm(n, d, c.data());
  cnn_sgemm(*ctx, n, d, want.data());
  if (!check_agreement(state, "OpenBLAS sgemm", c, want)) return;
  settle_openmp(threads);
  const CpuMeter meter;
  for (auto _ : state) {
    openblas_sgemm(n, d, c.data());
    benchmark::DoNotOptimize(c.data());
    benchmark::ClobberMemory();
  }
  meter.finish(state);
  settle_openblas(threads);
  set_gflops(state, sgemm_flops(n));
}

}  // namespace

void register_sgemm_benchmarks() {
  for (int64_t n : {256, 512, 1024, 2048}) {
    const std::string shape = "n:" + std::to_string(n);
    for (int64_t threads : {1, 2}) {
      register_benchmark("Sgemm", shape, kCnnNative, threads,
                         [=](benchmark::State& s) { run_cnn(s, n, threads); });
      register_benchmark("Sgemm", shape, kOpenBlas, threads,
                         [=](benchmark::State& s) { run_openblas(s, n, threads); });
    }
  }
}

}  // namespace peers
