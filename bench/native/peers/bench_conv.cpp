// Convolution, forward (with bias), backward data (dx) and backward weights (dw, no bias gradient), at 1 and
// 2 threads: CnnNative's cnn_conv2d_forward / cnn_conv2d_backward (the other gradients passed as NULL, so
// each pass is timed alone) against oneDNN's direct convolution on plain NCHW/OIHW tensors and with
// format_tag::any, where oneDNN picks its blocked layouts and the inputs are reordered before timing.
// Shapes: the reference network's L1 and L2 (64 images, 5x5, pad 2), a 3x3 ResNet-style L3 and the 7x7
// stride-2 ImageNet stem L4. Every oneDNN row first checks its result against CnnNative's.
#include "peer_common.h"

namespace peers {
namespace {

enum class Pass { Forward, BackwardData, BackwardWeights };

const char* op_name(Pass pass) {
  switch (pass) {
    case Pass::Forward: return "ConvFwd";
    case Pass::BackwardData: return "ConvBwdData";
    case Pass::BackwardWeights: return "ConvBwdWeights";
  }
  return "?";
}

struct ConvShape {
  const char* name;
  int64_t n, c, h, w, oc, k, stride, pad;  // square kernel k x k, the same stride and pad on both axes
  int64_t oh() const { return (h + 2 * pad - k) / stride + 1; }
  int64_t ow() const { return (w + 2 * pad - k) / stride + 1; }
  // Every pass does N*OC*OH*OW*C*KH*KW multiply-adds.
  double flops() const { return 2.0 * static_cast<double>(n * oc * oh() * ow()) * static_cast<double>(c * k * k); }
};

constexpr ConvShape kLayers[] = {
    {"L1", 64, 1, 28, 28, 32, 5, 1, 2},    // reference network, first layer
    {"L2", 64, 32, 14, 14, 64, 5, 1, 2},   // reference network, second layer
    {"L3", 8, 64, 56, 56, 64, 3, 1, 1},    // ResNet-style 3x3
    {"L4", 8, 3, 224, 224, 64, 7, 2, 3},   // ImageNet stem, stride 2
};

struct ConvInputs {
  std::vector<float> x, w, bias, dy;
  explicit ConvInputs(const ConvShape& s)
      : x(random_vector(static_cast<size_t>(s.n * s.c * s.h * s.w), 11)),
        w(random_vector(static_cast<size_t>(s.oc * s.c * s.k * s.k), 12)),
        bias(random_vector(static_cast<size_t>(s.oc), 13)),
        dy(random_vector(static_cast<size_t>(s.n * s.oc * s.oh() * s.ow()), 14)) {}
};

// CnnNative's side: every tensor of the three passes, made through the C ABI.
struct CnnConv {
  ContextPtr ctx;
  TensorPtr x, w, bias, y, dy, dx, dw;
  cnn_conv2d_params params{};

  cnn_status run(Pass pass) {
    switch (pass) {
      case Pass::Forward: return cnn_conv2d_forward(ctx.get(), x.get(), w.get(), bias.get(), &params, y.get());
      case Pass::BackwardData:
        return cnn_conv2d_backward(ctx.get(), x.get(), w.get(), dy.get(), &params, dx.get(), nullptr, nullptr);
      case Pass::BackwardWeights:
        return cnn_conv2d_backward(ctx.get(), x.get(), w.get(), dy.get(), &params, nullptr, dw.get(), nullptr);
    }
    return CNN_INVALID_ARGUMENT;
  }
  const cnn_tensor* output(Pass pass) const {
    return pass == Pass::Forward ? y.get() : pass == Pass::BackwardData ? dx.get() : dw.get();
  }
};

// False with *error set when the library refuses a context or tensor.
bool make_cnn_conv(const ConvShape& s, const ConvInputs& in, int64_t threads, CnnConv* out, std::string* error) {
  const int32_t stride = static_cast<int32_t>(s.stride);
  const int32_t pad = static_cast<int32_t>(s.pad);
  out->params = {stride, stride, pad, pad, pad, pad, 1, 1};
  out->ctx = make_context(threads, error);
  if (!out->ctx) return false;
  cnn_context* c = out->ctx.get();
  return (out->x = make_tensor(c, {s.n, s.c, s.h, s.w}, in.x, error)) &&
         (out->w = make_tensor(c, {s.oc, s.c, s.k, s.k}, in.w, error)) &&
         (out->bias = make_tensor(c, {s.oc}, in.bias, error)) &&
         (out->y = make_tensor(c, {s.n, s.oc, s.oh(), s.ow()}, error)) &&
         (out->dy = make_tensor(c, {s.n, s.oc, s.oh(), s.ow()}, in.dy, error)) &&
         (out->dx = make_tensor(c, {s.n, s.c, s.h, s.w}, error)) &&
         (out->dw = make_tensor(c, {s.oc, s.c, s.k, s.k}, error));
}

// oneDNN's primitive for one pass; blocked = format_tag::any for x, w and y (and their gradients). The
// backward passes take the forward primitive descriptor as their hint, as in a training step. Throws dnnl::error.
OnednnRun make_onednn_conv(const ConvShape& s, const ConvInputs& in, Pass pass, bool blocked, std::string* impl) {
  using dnnl::memory;
  using tag = memory::format_tag;
  const memory::dims x_dims{s.n, s.c, s.h, s.w}, w_dims{s.oc, s.c, s.k, s.k}, y_dims{s.n, s.oc, s.oh(), s.ow()};
  const memory::desc plain_x(x_dims, memory::data_type::f32, tag::nchw);
  const memory::desc plain_w(w_dims, memory::data_type::f32, tag::oihw);
  const memory::desc plain_y(y_dims, memory::data_type::f32, tag::nchw);
  const memory::desc plain_bias({s.oc}, memory::data_type::f32, tag::x);
  const memory::desc any_x(x_dims, memory::data_type::f32, tag::any);
  const memory::desc any_w(w_dims, memory::data_type::f32, tag::any);
  const memory::desc any_y(y_dims, memory::data_type::f32, tag::any);
  const memory::desc& md_x = blocked ? any_x : plain_x;
  const memory::desc& md_w = blocked ? any_w : plain_w;
  const memory::desc& md_y = blocked ? any_y : plain_y;
  const memory::dims strides{s.stride, s.stride}, pads{s.pad, s.pad};
  dnnl::engine& engine = onednn_engine();

  const dnnl::convolution_forward::primitive_desc fwd_pd(
      dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct, md_x,
                                      md_w, plain_bias, md_y, strides, pads, pads),
      engine);
  OnednnRun run;
  switch (pass) {
    case Pass::Forward: {
      run.primitive = dnnl::convolution_forward(fwd_pd);
      run.output = memory(fwd_pd.dst_desc(), engine);
      run.plain_output = plain_y;
      run.args = {{DNNL_ARG_SRC, onednn_memory(fwd_pd.src_desc(), plain_x, in.x)},
                  {DNNL_ARG_WEIGHTS, onednn_memory(fwd_pd.weights_desc(), plain_w, in.w)},
                  {DNNL_ARG_BIAS, onednn_memory(plain_bias, plain_bias, in.bias)},
                  {DNNL_ARG_DST, run.output}};
      *impl = fwd_pd.impl_info_str();
      break;
    }
    case Pass::BackwardData: {
      const dnnl::convolution_backward_data::primitive_desc pd(
          dnnl::convolution_backward_data::desc(dnnl::algorithm::convolution_direct, md_x, md_w, md_y, strides,
                                                pads, pads),
          engine, fwd_pd);
      run.primitive = dnnl::convolution_backward_data(pd);
      run.output = memory(pd.diff_src_desc(), engine);
      run.plain_output = plain_x;
      run.args = {{DNNL_ARG_DIFF_DST, onednn_memory(pd.diff_dst_desc(), plain_y, in.dy)},
                  {DNNL_ARG_WEIGHTS, onednn_memory(pd.weights_desc(), plain_w, in.w)},
                  {DNNL_ARG_DIFF_SRC, run.output}};
      *impl = pd.impl_info_str();
      break;
    }
    case Pass::BackwardWeights: {
      const dnnl::convolution_backward_weights::primitive_desc pd(
          dnnl::convolution_backward_weights::desc(dnnl::algorithm::convolution_direct, md_x, md_w, md_y, strides,
                                                   pads, pads),
          engine, fwd_pd);
      run.primitive = dnnl::convolution_backward_weights(pd);
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

void run_cnn(benchmark::State& state, const ConvShape& s, Pass pass, int64_t threads) {
  use_threads(threads);
  const ConvInputs in(s);
  CnnConv conv;
  std::string error;
  if (!make_cnn_conv(s, in, threads, &conv, &error)) {
    state.SkipWithError(error.c_str());
    return;
  }
  const char* what = pass == Pass::Forward ? "cnn_conv2d_forward" : "cnn_conv2d_backward";
  if (time_cnn(state, [&] { return conv.run(pass); }, what)) set_gflops(state, s.flops());
}

void run_onednn(benchmark::State& state, const ConvShape& s, Pass pass, bool blocked, int64_t threads) {
  use_threads(threads);  // before the primitive is made: oneDNN sizes it for this many threads
  const ConvInputs in(s);
  CnnConv conv;
  std::string error;
  if (!make_cnn_conv(s, in, threads, &conv, &error)) {
    state.SkipWithError(error.c_str());
    return;
  }
  const cnn_status status = conv.run(pass);
  if (status != CNN_OK) {
    state.SkipWithError(cnn_error("CnnNative reference result", status).c_str());
    return;
  }
  const std::vector<float> want = read_tensor(conv.output(pass));
  try {
    std::string impl;
    OnednnRun run = make_onednn_conv(s, in, pass, blocked, &impl);
    const std::string what = std::string("oneDNN ") + op_name(pass) + " " + s.name;
    if (time_onednn(state, run, impl, what.c_str(), want)) set_gflops(state, s.flops());
  } catch (const dnnl::error& e) {
    skip_onednn_error(state, e);
  }
}

}  // namespace

void register_conv_benchmarks() {
  for (const ConvShape& s : kLayers) {
    for (Pass pass : {Pass::Forward, Pass::BackwardData, Pass::BackwardWeights}) {
      for (int64_t threads : {1, 2}) {
        const ConvShape* shape = &s;
        register_benchmark(op_name(pass), s.name, kCnnNative, threads,
                           [=](benchmark::State& st) { run_cnn(st, *shape, pass, threads); });
        register_benchmark(op_name(pass), s.name, kOnednnPlain, threads,
                           [=](benchmark::State& st) { run_onednn(st, *shape, pass, false, threads); });
        register_benchmark(op_name(pass), s.name, kOnednnBlocked, threads,
                           [=](benchmark::State& st) { run_onednn(st, *shape, pass, true, threads); });
      }
    }
  }
}

}  // namespace peers
