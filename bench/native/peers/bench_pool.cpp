// Max pooling 2x2 stride 2 on L1's output (x [64,32,28,28] -> y [64,32,14,14]), at 1 and 2 threads:
// CnnNative's cnn_maxpool2d_forward against oneDNN's max pooling (forward_inference: no workspace of argmax
// indices, like CnnNative, whose backward recomputes them) on plain NCHW and on the blocked layout that
// oneDNN's own L1 convolution writes when left to choose (format_tag::any), which is what a oneDNN network
// would feed its pooling. Memory-bound, so reported as GB/s of x read plus y written.
#include "peer_common.h"

namespace peers {
namespace {

constexpr int64_t kN = 64, kC = 32, kH = 28, kW = 28, kOH = 14, kOW = 14;
constexpr const char* kShape = "64x32x28x28";
constexpr double kBytes = 4.0 * static_cast<double>(kN * kC * (kH * kW + kOH * kOW));

// The layout oneDNN's forward convolution 1 -> 32 channels, 5x5, pad 2 picks for its output when free to choose.
dnnl::memory::desc preferred_activation_desc() {
  using dnnl::memory;
  const memory::desc x({kN, 1, kH, kW}, memory::data_type::f32, memory::format_tag::any);
  const memory::desc w({kC, 1, 5, 5}, memory::data_type::f32, memory::format_tag::any);
  const memory::desc y({kN, kC, kH, kW}, memory::data_type::f32, memory::format_tag::any);
  const dnnl::convolution_forward::primitive_desc pd(
      dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct, x, w,
                                      y, {1, 1}, {2, 2}, {2, 2}),
      onednn_engine());
  return pd.dst_desc();
}

// CnnNative's pooling, made through the C ABI.
struct CnnPool {
  ContextPtr ctx;
  TensorPtr x, y;
  cnn_pool2d_params params{2, 2, 2, 2, 0, 0, 0, 0, 0};
  cnn_status run() { return cnn_maxpool2d_forward(ctx.get(), x.get(), &params, y.get()); }
};

bool make_cnn_pool(const std::vector<float>& x, int64_t threads, CnnPool* out, std::string* error) {
  out->ctx = make_context(threads, error);
  return out->ctx && (out->x = make_tensor(out->ctx.get(), {kN, kC, kH, kW}, x, error)) &&
         (out->y = make_tensor(out->ctx.get(), {kN, kC, kOH, kOW}, error));
}

void run_cnn(benchmark::State& state, int64_t threads) {
  use_threads(threads);
  const std::vector<float> x = random_vector(static_cast<size_t>(kN * kC * kH * kW), 31);
  CnnPool pool;
  std::string error;
  if (!make_cnn_pool(x, threads, &pool, &error)) {
    state.SkipWithError(error.c_str());
    return;
  }
  if (time_cnn(state, [&] { return pool.run(); }, "cnn_maxpool2d_forward")) set_gbytes(state, kBytes);
}

void run_onednn(benchmark::State& state, bool blocked, int64_t threads) {
  use_threads(threads);  // before the primitive is made: oneDNN sizes it for this many threads
  const std::vector<float> x = random_vector(static_cast<size_t>(kN * kC * kH * kW), 31);
  CnnPool pool;
  std::string error;
  if (!make_cnn_pool(x, threads, &pool, &error)) {
    state.SkipWithError(error.c_str());
    return;
  }
  const cnn_status status = pool.run();
  if (status != CNN_OK) {
    state.SkipWithError(cnn_error("CnnNative reference result", status).c_str());
    return;
  }
  const std::vector<float> want = read_tensor(pool.y.get());
  try {
    using dnnl::memory;
    const memory::desc plain_x({kN, kC, kH, kW}, memory::data_type::f32, memory::format_tag::nchw);
    const memory::desc plain_y({kN, kC, kOH, kOW}, memory::data_type::f32, memory::format_tag::nchw);
    const memory::desc md_x = blocked ? preferred_activation_desc() : plain_x;
    const memory::desc md_y =
        blocked ? memory::desc({kN, kC, kOH, kOW}, memory::data_type::f32, memory::format_tag::any) : plain_y;
    const dnnl::pooling_forward::primitive_desc pd(
        dnnl::pooling_forward::desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::pooling_max, md_x, md_y,
                                    {2, 2}, {2, 2}, {0, 0}, {0, 0}),
        onednn_engine());
    OnednnRun run;
    run.primitive = dnnl::pooling_forward(pd);
    run.output = memory(pd.dst_desc(), onednn_engine());
    run.plain_output = plain_y;
    run.args = {{DNNL_ARG_SRC, onednn_memory(pd.src_desc(), plain_x, x)}, {DNNL_ARG_DST, run.output}};
    if (time_onednn(state, run, pd.impl_info_str(), "oneDNN max pooling", want)) set_gbytes(state, kBytes);
  } catch (const dnnl::error& e) {
    skip_onednn_error(state, e);
  }
}

}  // namespace

void register_pool_benchmarks() {
  for (int64_t threads : {1, 2}) {
    register_benchmark("MaxPool", kShape, kCnnNative, threads, [=](benchmark::State& s) { run_cnn(s, threads); });
    register_benchmark("MaxPool", kShape, kOnednnPlain, threads,
                       [=](benchmark::State& s) { run_onednn(s, false, threads); });
    register_benchmark("MaxPool", kShape, kOnednnBlocked, threads,
                       [=](benchmark::State& s) { run_onednn(s, true, threads); });
  }
}

}  // namespace peers
