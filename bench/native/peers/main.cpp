// cnn_peer_bench: CnnNative against OpenBLAS and oneDNN on the same shapes, in one process, so that every
// ratio compares figures taken under the same conditions. Rows are "<op>/<shape>/<library>/threads:<t>"
// with a GFLOP/s (or, for pooling, GB/s) rate counter, `threads` (how many threads really worked in the timed
// loop) and `cores` (CPU time per wall time: below `threads` when other processes took the cores), and for
// oneDNN its kernel's name as the label. bench/native/peers/run.sh runs it (also under forced OpenBLAS core
// types) and prints the ratio tables.
// Usage: cnn_peer_bench [--benchmark_filter=ConvFwd/L3] [--benchmark_min_time=0.5] [--benchmark_format=json]
#include <cblas.h>
#include <omp.h>

#include <cstdlib>
#include <string>

#include "peer_common.h"

namespace {

std::string onednn_isa_name(dnnl::cpu_isa isa) {
  switch (isa) {
    case dnnl::cpu_isa::sse41: return "sse41";
    case dnnl::cpu_isa::avx: return "avx";
    case dnnl::cpu_isa::avx2: return "avx2";
    case dnnl::cpu_isa::avx2_vnni: return "avx2_vnni";
    case dnnl::cpu_isa::avx512_core: return "avx512_core";
    case dnnl::cpu_isa::avx512_core_vnni: return "avx512_core_vnni";
    case dnnl::cpu_isa::avx512_core_bf16: return "avx512_core_bf16";
    case dnnl::cpu_isa::avx512_core_amx: return "avx512_core_amx";
    default: return "isa value " + std::to_string(static_cast<int>(isa));
  }
}

void add_context() {
  benchmark::AddCustomContext("cnnnative_isa", cnn_active_isa());
  benchmark::AddCustomContext("openblas_core", openblas_get_corename());
  benchmark::AddCustomContext("openblas_config", openblas_get_config());
  const char* forced = std::getenv("OPENBLAS_CORETYPE");
  benchmark::AddCustomContext("openblas_coretype_env", forced != nullptr ? forced : "");
  const dnnl::version_t* v = dnnl::version();
  benchmark::AddCustomContext("onednn_version", std::to_string(v->major) + "." + std::to_string(v->minor) + "." +
                                                    std::to_string(v->patch));
  benchmark::AddCustomContext("onednn_isa", onednn_isa_name(dnnl::get_effective_cpu_isa()));
  benchmark::AddCustomContext("omp_procs", std::to_string(omp_get_num_procs()));
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  add_context();
  peers::register_sgemm_benchmarks();
  peers::register_conv_benchmarks();
  peers::register_dense_benchmarks();
  peers::register_pool_benchmarks();
  // OpenBLAS starts its worker threads when it loads, and they spin before they first sleep: let them settle
  // so they do not share the first rows' cores.
  peers::settle_openblas(omp_get_num_procs());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
