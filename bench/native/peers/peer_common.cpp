// Helpers shared by the benchmark groups of cnn_peer_bench; see peer_common.h.
#include "peer_common.h"

#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

// use_threads() steers oneDNN through OpenMP; a oneDNN built on TBB or a thread pool would ignore it.
#if DNNL_CPU_THREADING_RUNTIME != DNNL_RUNTIME_OMP
#error "cnn_peer_bench needs a oneDNN built with OpenMP threading (Debian's libdnnl-dev is)"
#endif

namespace peers {

std::vector<float> random_vector(size_t count, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(count);
  for (float& x : v) x = dist(rng);
  return v;
}

std::string cnn_error(const char* call, cnn_status status) {
  return std::string(call) + " failed with status " + std::to_string(static_cast<int>(status)) + ": " +
         cnn_last_error_message();
}

ContextPtr make_context(int64_t threads, std::string* error) {
  cnn_context* c = nullptr;
  const cnn_status status = cnn_context_create(static_cast<int32_t>(threads), &c);
  if (status != CNN_OK) {
    *error = cnn_error("cnn_context_create", status);
    return nullptr;
  }
  return ContextPtr(c);
}

TensorPtr make_tensor(cnn_context* ctx, const std::vector<int64_t>& shape, std::string* error) {
  cnn_tensor* t = nullptr;
  const cnn_status status = cnn_tensor_create(ctx, shape.data(), shape.size(), &t);
  if (status != CNN_OK) {
    *error = cnn_error("cnn_tensor_create", status);
    return nullptr;
  }
  return TensorPtr(t);
}

TensorPtr make_tensor(cnn_context* ctx, const std::vector<int64_t>& shape, const std::vector<float>& values,
                      std::string* error) {
  TensorPtr t = make_tensor(ctx, shape, error);
  if (!t) return nullptr;
  const cnn_status status = cnn_tensor_write(t.get(), values.data(), values.size());
  if (status != CNN_OK) {
    *error = cnn_error("cnn_tensor_write", status);
    return nullptr;
  }
  return t;
}

std::vector<float> read_tensor(const cnn_tensor* t) {
  size_t count = 0;
  if (cnn_tensor_element_count(t, &count) != CNN_OK) return {};
  std::vector<float> values(count);
  if (cnn_tensor_read(t, values.data(), count) != CNN_OK) return {};
  return values;
}

void use_threads(int64_t threads) {
  omp_set_num_threads(static_cast<int>(threads));
  openblas_set_num_threads(static_cast<int>(threads));
}

void settle_openblas(int64_t threads) {
  if (threads > 1) std::this_thread::sleep_for(std::chrono::milliseconds(250));
}

void settle_openmp(int64_t threads) {
  if (threads > 1) std::this_thread::sleep_for(std::chrono::milliseconds(50));
}

namespace {

double seconds(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// On-CPU nanoseconds of every thread of this process (the first field of each thread's schedstat).
// Empty where /proc does not offer it; the threads counter is then left out.
std::unordered_map<int, uint64_t> thread_cpu_ns() {
  std::unordered_map<int, uint64_t> result;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/task", ec)) {
    std::ifstream in(entry.path() / "schedstat");
    uint64_t ns = 0;
    if (in >> ns) result[std::stoi(entry.path().filename().string())] = ns;
  }
  return result;
}

}  // namespace

CpuMeter::CpuMeter()
    : thread_ns_(thread_cpu_ns()), cpu_start_(seconds(CLOCK_PROCESS_CPUTIME_ID)),
      wall_start_(seconds(CLOCK_MONOTONIC)) {}

void CpuMeter::finish(benchmark::State& state) const {
  const double wall = seconds(CLOCK_MONOTONIC) - wall_start_;
  const double cpu = seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu_start_;
  if (wall > 0.0) state.counters["cores"] = cpu / wall;

  std::vector<uint64_t> work;  // on-CPU time of each thread during the loop; threads born in it started at 0
  for (const auto& [tid, ns] : thread_cpu_ns()) {
    const auto start = thread_ns_.find(tid);
    work.push_back(start == thread_ns_.end() ? ns : ns - std::min(ns, start->second));
  }
  if (work.empty()) return;
  const uint64_t busiest = *std::max_element(work.begin(), work.end());
  const auto used = std::count_if(work.begin(), work.end(), [&](uint64_t ns) { return 4 * ns >= busiest; });
  state.counters["threads"] = static_cast<double>(used);
}

void set_gflops(benchmark::State& state, double flops_per_iteration) {
  state.counters["GFLOP"] = benchmark::Counter(flops_per_iteration * static_cast<double>(state.iterations()) * 1e-9,
                                               benchmark::Counter::kIsRate);
}

void set_gbytes(benchmark::State& state, double bytes_per_iteration) {
  state.counters["GB"] = benchmark::Counter(bytes_per_iteration * static_cast<double>(state.iterations()) * 1e-9,
                                            benchmark::Counter::kIsRate);
}

bool check_agreement(benchmark::State& state, const char* what, const std::vector<float>& got,
                     const std::vector<float>& want) {
  char message[256];
  if (got.size() != want.size() || want.empty()) {
    std::snprintf(message, sizeof message, "%s: result has %zu elements but CnnNative's has %zu", what, got.size(),
                  want.size());
    state.SkipWithError(message);
    return false;
  }
  double scale = 1.0;
  for (float v : want) scale = std::max(scale, static_cast<double>(std::fabs(v)));
  size_t worst = 0;
  double worst_diff = -1.0;
  for (size_t i = 0; i < want.size(); ++i) {
    double diff = std::fabs(static_cast<double>(got[i]) - static_cast<double>(want[i]));
    if (std::isnan(diff)) diff = INFINITY;  // a NaN on either side is the worst disagreement
    if (diff > worst_diff) {
      worst_diff = diff;
      worst = i;
    }
  }
  if (worst_diff <= 1e-3 * scale) return true;
  std::snprintf(message, sizeof message,
                "%s disagrees with CnnNative: element %zu is %g, CnnNative has %g (tolerance %g)", what, worst,
                static_cast<double>(got[worst]), static_cast<double>(want[worst]), 1e-3 * scale);
  state.SkipWithError(message);
  return false;
}

void register_benchmark(const std::string& op, const std::string& shape, const char* library, int64_t threads,
                        std::function<void(benchmark::State&)> body) {
  const std::string name = op + "/" + shape + "/" + library + "/threads:" + std::to_string(threads);
  benchmark::RegisterBenchmark(name.c_str(), std::move(body))->UseRealTime()->Unit(benchmark::kMillisecond);
}

bool time_cnn(benchmark::State& state, const std::function<cnn_status()>& call, const char* what) {
  cnn_status status = call();
  if (status != CNN_OK) {
    state.SkipWithError(cnn_error(what, status).c_str());
    return false;
  }
  const CpuMeter meter;
  for (auto _ : state) {
    status = call();
    if (status != CNN_OK) {
      state.SkipWithError(cnn_error(what, status).c_str());
      return false;
    }
    benchmark::ClobberMemory();
  }
  meter.finish(state);
  return true;
}

bool time_onednn(benchmark::State& state, OnednnRun& run, const std::string& impl, const char* what,
                 const std::vector<float>& want) {
  dnnl::stream& stream = onednn_stream();
  run.primitive.execute(stream, run.args);
  stream.wait();
  if (!check_agreement(state, what, onednn_read(run.output, run.plain_output), want)) return false;
  state.SetLabel(impl);
  const CpuMeter meter;
  for (auto _ : state) {
    run.primitive.execute(stream, run.args);
    stream.wait();
    benchmark::ClobberMemory();
  }
  meter.finish(state);
  return true;
}

dnnl::engine& onednn_engine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

dnnl::stream& onednn_stream() {
  static dnnl::stream stream(onednn_engine());
  return stream;
}

dnnl::memory onednn_memory(const dnnl::memory::desc& desc, const dnnl::memory::desc& plain_desc,
                           const std::vector<float>& plain) {
  dnnl::memory source(plain_desc, onednn_engine());
  std::memcpy(source.get_data_handle(), plain.data(), plain.size() * sizeof(float));
  if (desc == plain_desc) return source;
  dnnl::memory target(desc, onednn_engine());
  dnnl::reorder(source, target).execute(onednn_stream(), source, target);
  onednn_stream().wait();
  return target;
}

std::vector<float> onednn_read(const dnnl::memory& mem, const dnnl::memory::desc& plain_desc) {
  dnnl::memory source = mem;  // a handle: shares mem's buffer
  dnnl::memory plain = mem;
  if (!(mem.get_desc() == plain_desc)) {
    plain = dnnl::memory(plain_desc, onednn_engine());
    dnnl::reorder(source, plain).execute(onednn_stream(), source, plain);
    onednn_stream().wait();
  }
  std::vector<float> values(plain_desc.get_size() / sizeof(float));
  std::memcpy(values.data(), plain.get_data_handle(), values.size() * sizeof(float));
  return values;
}

void skip_onednn_error(benchmark::State& state, const dnnl::error& e) {
  const std::string message =
      std::string("oneDNN: ") + e.what() + " (status " + std::to_string(static_cast<int>(e.status)) + ")";
  state.SkipWithError(message.c_str());
}

}  // namespace peers
