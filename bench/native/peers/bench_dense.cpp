// Dense layer x [64,3136] -> y [64,1024] (a batch of 64 flattened 64x7x7 maps into 1024 units), forward,
// backward data (dx) and backward weights (dw), no bias anywhere so that every library does exactly one
// GEMM's work, at 1 and 2 threads: CnnNative's
// cnn_dense_forward / cnn_dense_backward against OpenBLAS cblas_sgemm of the same product and oneDNN's
// inner product on plain NC/OI tensors and with format_tag::any. Every peer row first checks its result.
#include <cblas.h>

#include "peer_common.h"

namespace peers {
namespace {

enum class Pass { Forward, BackwardData, BackwardWeights };

const char* op_name(Pass pass) {
  switch (pass) {
    case Pass::Forward: return "DenseFwd";
    case Pass::BackwardData: return "DenseBwdData";
    case Pass::BackwardWeights: return "DenseBwdWeights";
  }
  return "?";
}

constexpr int64_t kBatch = 64, kIn = 3136, kOut = 1024;
constexpr const char* kShape = "64x3136x1024";
constexpr double kFlops = 2.0 * static_cast<double>(kBatch * kIn * kOut);  // every pass: one GEMM

struct DenseInputs {
  std::vector<float> x = random_vector(static_cast<size_t>(kBatch * kIn), 21);
  std::vector<float> w = random_vector(static_cast<size_t>(kOut * kIn), 22);
  std::vector<float> dy = random_vector(static_cast<size_t>(kBatch * kOut), 23);
};

// CnnNative's side through the C ABI.
struct CnnDense {
  ContextPtr ctx;
  TensorPtr x, w, y, dy, dx, dw;

  cnn_status run(Pass pass) {
    switch (pass) {
      case Pass::Forward: return cnn_dense_forward(ctx.get(), x.get(), w.get(), nullptr, y.get());
      case Pass::BackwardData:
        return cnn_dense_backward(ctx.get(), x.get(), w.get(), dy.get(), dx.get(), nullptr, nullptr);
      case Pass::BackwardWeights:
        return cnn_dense_backward(ctx.get(), x.get(), w.get(), dy.get(), nullptr, dw.get(), nullptr);
    }
    return CNN_INVALID_ARGUMENT;
  }
  const cnn_tensor* output(Pass pass) const {
    return pass == Pass::Forward ? y.get() : pass == Pass::BackwardData ? dx.get() : dw.get();
  }
};

bool make_cnn_dense(const DenseInputs& in, int64_t threads, CnnDense* out, std::string* error) {
  out->ctx = make_context(threads, error);
  if (!out->ctx) return false;
  cnn_context* c = out->ctx.get();
  return (out->x = make_tensor(c, {kBatch, kIn}, in.x, error)) &&
         (out->w = make_tensor(c, {kOut, kIn}, in.w, error)) && (out->y = make_tensor(c, {kBatch, kOut}, error)) &&
         (out->dy = make_tensor(c, {kBatch, kOut}, in.dy, error)) &&
         (out->dx = make_tensor(c, {kBatch, kIn}, error)) && (out->dw = make_tensor(c, {kOut, kIn}, error));
}

// CnnNative's result of `pass` on `in`, for the agreement checks; empty with *error on failure.
std::vector<float> cnn_result(const DenseInputs& in, Pass pass, int64_t threads, std::string* error) {
  CnnDense dense;
  if (!make_cnn_dense(in, threads, &dense, error)) return {};
  const cnn_status status = dense.run(pass);
  if (status != CNN_OK) {
    *error = cnn_error("CnnNative reference result", status);
    return {};
  }
  return read_tensor(dense.output(pass));
}

// The same product as one row-major cblas_sgemm: y = x w^T, dx = dy w, dw = dy^T x.
void openblas_pass(const DenseInputs& in, Pass pass, float* out) {
  const int n = static_cast<int>(kBatch), k_in = static_cast<int>(kIn), k_out = static_cast<int>(kOut);
  switch (pass) {
    case Pass::Forward:
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, k_out, k_in, 1.0f, in.x.data(), k_in, in.w.data(),
                  k_in, 0.0f, out, k_out);
      break;
    case Pass::BackwardData:
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, k_in, k_out, 1.0f, in.dy.data(), k_out,
                  in.w.data(), k_in, 0.0f, out, k_in);
      break;
    case Pass::BackwardWeights:
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, k_out, k_in, n, 1.0f, in.dy.data(), k_out, in.x.data(),
                  k_in, 0.0f, out, k_in);
      break;
  }
}

size_t output_count(Pass pass) {
  return static_cast<size_t>(pass == Pass::Forward ? kBatch * kOut : pass == Pass::BackwardData ? kBatch * kIn
                                                                                                 : kOut * kIn);
}

// oneDNN's inner product for one pass; blocked = format_tag::any for every tensor. Throws dnnl::error.
OnednnRun make_onednn_dense(const DenseInputs& in, Pass pass, bool blocked, std::string* impl) {
  using dnnl::memory;
  using tag = memory::format_tag;
  const memory::dims x_dims{kBatch, kIn}, w_dims{kOut, kIn}, y_dims{kBatch, kOut};
  const memory::desc plain_x(x_dims, memory::data_type::f32, tag::nc);
  const memory::desc plain_w(w_dims, memory::data_type::f32, tag::oi);
  const memory::desc plain_y(y_dims, memory::data_type::f32, tag::nc);
  const memory::desc md_x = blocked ? memory::desc(x_dims, memory::data_type::f32, tag::any) : plain_x;
  const memory::desc md_w = blocked ? memory::desc(w_dims, memory::data_type::f32, tag::any) : plain_w;
  const memory::desc md_y = blocked ? memory::desc(y_dims, memory::data_type::f32, tag::any) : plain_y;
  dnnl::engine& engine = onednn_engine();

  const dnnl::inner_product_forward::primitive_desc fwd_pd(
      dnnl::inner_product_forward::desc(dnnl::prop_kind::forward_training, md_x, md_w, md_y), engine);
  OnednnRun run;
  switch (pass) {
    case Pass::Forward: {
      run.primitive = dnnl::inner_product_forward(fwd_pd);
      run.output = memory(fwd_pd.dst_desc(), engine);
      run.plain_output = plain_y;
      run.args = {{DNNL_ARG_SRC, onednn_memory(fwd_pd.src_desc(), plain_x, in.x)},
                  {DNNL_ARG_WEIGHTS, onednn_memory(fwd_pd.weights_desc(), plain_w, in.w)},
                  {DNNL_ARG_DST, run.output}};
      *impl = fwd_pd.impl_info_str();
      break;
    }
    case Pass::BackwardData: {
      const dnnl::inner_product_backward_data::primitive_desc pd(
          dnnl::inner_product_backward_data::desc(md_x, md_w, md_y), engine, fwd_pd);
      run.primitive = dnnl::inner_product_backward_data(pd);
      run.output = memory(pd.diff_src_desc(), engine);
      run.plain_output = plain_x;
      run.args = {{DNNL_ARG_DIFF_DST, onednn_memory(pd.diff_dst_desc(), plain_y, in.dy)},
                  {DNNL_ARG_WEIGHTS, onednn_memory(pd.weights_desc(), plain_w, in.w)},
                  {DNNL_ARG_DIFF_SRC, run.output}};
      *impl = pd.impl_info_str();
      break;
    }
    case Pass::BackwardWeights: {
      const dnnl::inner_product_backward_weights::primitive_desc pd(
          dnnl::inner_product_backward_weights::desc(md_x, md_w, md_y), engine, fwd_pd);
      run.primitive = dnnl::inner_product_backward_weights(pd);
      run.output = memory(pd.diff_weights_desc(), engine);
      run.plain_output = plain_w;
      run.args = {{DNNL_ARG_SRC, onednn_memory(pd.src_desc(), plain_x, in.x)},
                  {DNNL_ARG_DIFF_DST, onednn_memory(pd.diff_dst_desc(), plain_y, in.dy)},
                  {DNNL_ARG_DIFF_WEIGHTS, run.output}};
      *impl = pd.impl_info_str();
      break;
    }
  }
  return run;
}

void run_cnn(benchmark::State& state, Pass pass, int64_t threads) {
  use_threads(threads);
  const DenseInputs in;
  CnnDense dense;
  std::string error;
  if (!make_cnn_dense(in, threads, &dense, &error)) {
    state.SkipWithError(error.c_str());
    return;
  }
  const char* what = pass == Pass::Forward ? "cnn_dense_forward" : "cnn_dense_backward";
  if (time_cnn(state, [&] { return dense.run(pass); }, what)) set_gflops(state, kFlops);
}

void run_openblas(benchmark::State& state, Pass pass, int64_t threads) {
  use_threads(threads);
  const DenseInputs in;
  std::string error;
  const std::vector<float> want = cnn_result(in, pass, threads, &error);
  if (want.empty()) {
    state.SkipWithError(error.c_str());
    return;
  }
  std::vector<float> out(output_count(pass));
  openblas_pass(in, pass, out.data());
  const std::string what = std::string("OpenBLAS ") + op_name(pass);
  if (!check_agreement(state, what.c_str(), out, want)) return;
  settle_openmp(threads);
  const CpuMeter meter;
  for (auto _ : state) {
    openblas_pass(in, pass, out.data());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  meter.finish(state);
  settle_openblas(threads);
  set_gflops(state, kFlops);
}

void run_onednn(benchmark::State& state, Pass pass, bool blocked, int64_t threads) {
  use_threads(threads);  // before the primitive is made: oneDNN sizes it for this many threads
  const DenseInputs in;
  std::string error;
  const std::vector<float> want = cnn_result(in, pass, threads, &error);
  if (want.empty()) {
    state.SkipWithError(error.c_str());
    return;
  }
  try {
    std::string impl;
    OnednnRun run = make_onednn_dense(in, pass, blocked, &impl);
    const std::string what = std::string("oneDNN ") + op_name(pass);
    if (time_onednn(state, run, impl, what.c_str(), want)) set_gflops(state, kFlops);
  } catch (const dnnl::error& e) {
    skip_onednn_error(state, e);
  }
}

}  // namespace

void register_dense_benchmarks() {
  for (Pass pass : {Pass::Forward, Pass::BackwardData, Pass::BackwardWeights}) {
    for (int64_t threads : {1, 2}) {
      register_benchmark(op_name(pass), kShape, kCnnNative, threads,
                         [=](benchmark::State& s) { run_cnn(s, pass, threads); });
      register_benchmark(op_name(pass), kShape, kOpenBlas, threads,
                         [=](benchmark::State& s) { run_openblas(s, pass, threads); });
      register_benchmark(op_name(pass), kShape, kOnednnPlain, threads,
                         [=](benchmark::State& s) { run_onednn(s, pass, false, threads); });
      register_benchmark(op_name(pass), kShape, kOnednnBlocked, threads,
                         [=](benchmark::State& s) { run_onednn(s, pass, true, threads); });
    }
  }
}

}  // namespace peers
