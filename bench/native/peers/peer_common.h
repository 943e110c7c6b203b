// Shared pieces of cnn_peer_bench: random data, CnnNative handles through the public C ABI, the thread
// setting every library obeys, rate counters, the result check that runs before a peer is timed, and
// oneDNN engine/memory helpers. Every benchmark name is "<op>/<shape>/<library>/threads:<t>" so run.sh
// can pair rows of the same op, shape and thread count; <library> is one of kCnnNative, kOpenBlas,
// kOnednnPlain, kOnednnBlocked.
#pragma once

#include <benchmark/benchmark.h>
#include <cnn/cnn.h>
#include <cnn/cnn_handles.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

namespace peers {

inline constexpr const char* kCnnNative = "CnnNative";
inline constexpr const char* kOpenBlas = "OpenBLAS";
inline constexpr const char* kOnednnPlain = "oneDNN-nchw";     // plain NCHW/OIHW (NC/OI for dense) tensors
inline constexpr const char* kOnednnBlocked = "oneDNN-blocked";  // format_tag::any: oneDNN's own layout

// ---- data ----------------------------------------------------------------------------------------
std::vector<float> random_vector(size_t count, uint32_t seed);  // uniform in [-1, 1)

// ---- CnnNative through the C ABI ------------------------------------------------------------------
using cnn_cpp::ContextPtr;
using cnn_cpp::TensorPtr;

// Null (with the library's message in *error) when creation fails.
ContextPtr make_context(int64_t threads, std::string* error);
// A tensor of `shape` holding `values` (size must equal the element count); null and *error on failure.
TensorPtr make_tensor(cnn_context* ctx, const std::vector<int64_t>& shape, const std::vector<float>& values,
                      std::string* error);
// A zero tensor of `shape`.
TensorPtr make_tensor(cnn_context* ctx, const std::vector<int64_t>& shape, std::string* error);
std::vector<float> read_tensor(const cnn_tensor* t);
// "<call> failed with status <n>: <cnn_last_error_message()>".
std::string cnn_error(const char* call, cnn_status status);

// ---- threads --------------------------------------------------------------------------------------
// Makes every library run on `threads` threads: the OpenMP runtime shared by CnnNative and oneDNN
// (Debian's libdnnl is built on libgomp, and oneDNN sizes its primitives from omp_get_max_threads() when
// they are created, so this runs before any primitive is made) and OpenBLAS's own pthread pool.
// CnnNative's contexts carry the same count.
void use_threads(int64_t threads);
// Waits until OpenBLAS's idle workers have stopped spinning: after each call they poll for new work for
// 2^28 TSC cycles (OpenBLAS 0.3's default THREAD_TIMEOUT, ~0.1 s here) before they sleep, and would
// otherwise take a core from the next row. Called after every multi-threaded OpenBLAS row, outside the timing.
void settle_openblas(int64_t threads);
// Waits until idle OpenMP threads have stopped spinning (libgomp polls GOMP_SPINCOUNT = 300000 PAUSE loops,
// ~20 ms here, after each parallel region). Called before timing an OpenBLAS row whose result check has
// just run CnnNative on OpenMP threads, which would otherwise share its cores.
void settle_openmp(int64_t threads);

// ---- timing loop and counters ---------------------------------------------------------------------
// Watches the process's threads across the timed loop (on-CPU time per thread from
// /proc/self/task/*/schedstat). finish() sets two counters:
//   threads: how many threads did at least a quarter of the busiest thread's work, which is the thread
//            count a library really used, whatever the machine's load;
//   cores:   CPU seconds of the process per wall second; below `threads` when other processes compete
//            for the cores, so it says how much the figure suffered from a busy machine.
class CpuMeter {
 public:
  CpuMeter();
  void finish(benchmark::State& state) const;

 private:
  std::unordered_map<int, uint64_t> thread_ns_;  // thread id -> on-CPU nanoseconds at the start
  double cpu_start_;
  double wall_start_;
};

// GFLOP = the op's floating-point work (2 per multiply-add) as a rate.
void set_gflops(benchmark::State& state, double flops_per_iteration);
// GB = bytes read plus written per iteration, as a rate (memory-bound ops such as pooling).
void set_gbytes(benchmark::State& state, double bytes_per_iteration);

// Checks a peer's result against CnnNative's for the same inputs before the peer is timed:
// max |got - want| <= 1e-3 * max(1, max |want|), scaled to the result so long sums stay within it while a
// wrong layout or shape (errors the size of the values) fails. On failure calls state.SkipWithError with
// the worst element and returns false.
bool check_agreement(benchmark::State& state, const char* what, const std::vector<float>& got,
                     const std::vector<float>& want);

// Registers one benchmark named "<op>/<shape>/<library>/threads:<t>", wall-clock timed, in milliseconds.
void register_benchmark(const std::string& op, const std::string& shape, const char* library, int64_t threads,
                        std::function<void(benchmark::State&)> body);

// Times `call` (one CnnNative op through the C ABI) after one untimed warm-up call; false (after
// SkipWithError with the library's message) when a call fails.
bool time_cnn(benchmark::State& state, const std::function<cnn_status()>& call, const char* what);

// ---- oneDNN ---------------------------------------------------------------------------------------
// One oneDNN primitive ready to execute: its arguments (inputs already in the primitive's layouts), the
// output memory and that output's plain layout, for the agreement check.
struct OnednnRun {
  dnnl::primitive primitive;
  std::unordered_map<int, dnnl::memory> args;
  dnnl::memory output;
  dnnl::memory::desc plain_output;
};
// Executes `run` once, checks its output against CnnNative's `want`, then times it; the benchmark's label
// is `impl` (oneDNN's implementation name, e.g. "jit:avx512_core"). False after SkipWithError.
bool time_onednn(benchmark::State& state, OnednnRun& run, const std::string& impl, const char* what,
                 const std::vector<float>& want);
dnnl::engine& onednn_engine();  // the CPU engine, made once
dnnl::stream& onednn_stream();  // a stream on it
// Memory of `desc` holding `plain` values, which are laid out as `plain_desc` (a plain tag); reordered
// into desc's layout when the two differ. Runs outside any timed loop.
dnnl::memory onednn_memory(const dnnl::memory::desc& desc, const dnnl::memory::desc& plain_desc,
                           const std::vector<float>& plain);
// The values of `mem` in the plain layout `plain_desc`, reordered when needed.
std::vector<float> onednn_read(const dnnl::memory& mem, const dnnl::memory::desc& plain_desc);
// SkipWithError with a oneDNN exception's message ("oneDNN: <what>: <status>").
void skip_onednn_error(benchmark::State& state, const dnnl::error& e);

// ---- the benchmark groups (one file each) ------------------------------------------------------------
void register_sgemm_benchmarks();  // bench_sgemm.cpp
void register_conv_benchmarks();   // bench_conv.cpp
void register_dense_benchmarks();  // bench_dense.cpp
void register_pool_benchmarks();   // bench_pool.cpp

}  // namespace peers
