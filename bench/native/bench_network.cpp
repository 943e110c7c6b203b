// The reference network's forward pass called natively through the C ABI: the baseline against which the
// C# Sequential.Predict overhead is judged (bench/CnnNative.Benchmarks/compare.sh). It issues exactly the
// calls Predict issues for this network (src/CnnNative/Sequential.cs, Workspace.cs and the layers' Forward):
//   tensor_write(input) -> conv2d 1->32 5x5 pad 2 + relu (one fused call) -> maxpool 2 -> conv2d 32->64 5x5
//   pad 2 + relu (fused) -> maxpool 2 -> [flatten: a reshape view made once] -> dense 3136->1024 + relu (fused)
//   -> [dropout: a view made once] -> dense 1024->10 -> tensor_read(output)
// with every activation a separate tensor created once per batch size (Predict fuses a conv or dense layer with
// the activation after it: cnn_conv2d_forward_fused, cnn_dense_forward_fused), all
// on one context whose thread count is the row's. Rows: Network/batch:{1,64}/threads:{1,2}, time per batch
// plus images=x/s. Also the native floor of bench/CnnNative.Benchmarks' OpCallBenchmarks: one
// cnn_activation_forward (ReLU) and one cnn_tensor_write on 1-element tensors, one thread (rows OpCall/...).
// Usage: cnn_native_bench --benchmark_filter='^(Network|OpCall)/' [--benchmark_repetitions=5]
#include <benchmark/benchmark.h>
#include <cnn/cnn.h>
#include <cnn/cnn_handles.hpp>

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace {

using cnn_cpp::ContextPtr;
using cnn_cpp::TensorPtr;

// Thrown by setup only; the timed loop checks statuses without exceptions.
struct SetupError {
  std::string message;
};

void check(cnn_status status, const char* what) {
  if (status != CNN_OK) throw SetupError{std::string(what) + ": " + cnn_last_error_message()};
}

TensorPtr make_tensor(cnn_context* ctx, std::initializer_list<int64_t> shape) {
  cnn_tensor* t = nullptr;
  check(cnn_tensor_create(ctx, shape.begin(), shape.size(), &t), "cnn_tensor_create");
  return TensorPtr(t);
}

TensorPtr make_view(const cnn_tensor* source, std::initializer_list<int64_t> shape) {
  cnn_tensor* t = nullptr;
  check(cnn_tensor_reshape(source, shape.begin(), shape.size(), &t), "cnn_tensor_reshape");
  return TensorPtr(t);
}

std::vector<float> uniform(size_t count, float low, float high, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(low, high);
  std::vector<float> v(count);
  for (float& x : v) x = dist(rng);
  return v;
}

// Weights drawn like He uniform (the values do not change the work; the scale keeps activations finite).
// Biases stay zero, as the C# model initialises them.
TensorPtr make_weight(cnn_context* ctx, std::initializer_list<int64_t> shape, int64_t fan_in, uint32_t seed) {
  TensorPtr w = make_tensor(ctx, shape);
  size_t count = 1;
  for (int64_t d : shape) count *= static_cast<size_t>(d);
  const float limit = std::sqrt(6.0f / static_cast<float>(fan_in));
  const std::vector<float> values = uniform(count, -limit, limit, seed);
  check(cnn_tensor_write(w.get(), values.data(), values.size()), "cnn_tensor_write");
  return w;
}

// The model (weights) and one workspace (activations) for one batch size, as Sequential holds them.
struct ReferenceNetwork {
  ReferenceNetwork(cnn_context* ctx, int64_t n)
      : w1(make_weight(ctx, {32, 1, 5, 5}, 1 * 5 * 5, 11)),
        b1(make_tensor(ctx, {32})),
        w2(make_weight(ctx, {64, 32, 5, 5}, 32 * 5 * 5, 12)),
        b2(make_tensor(ctx, {64})),
        w3(make_weight(ctx, {1024, 3136}, 3136, 13)),
        b3(make_tensor(ctx, {1024})),
        w4(make_weight(ctx, {10, 1024}, 1024, 14)),
        b4(make_tensor(ctx, {10})),
        input(make_tensor(ctx, {n, 1, 28, 28})),
        conv1(make_tensor(ctx, {n, 32, 28, 28})),
        relu1(make_tensor(ctx, {n, 32, 28, 28})),
        pool1(make_tensor(ctx, {n, 32, 14, 14})),
        conv2(make_tensor(ctx, {n, 64, 14, 14})),
        relu2(make_tensor(ctx, {n, 64, 14, 14})),
        pool2(make_tensor(ctx, {n, 64, 7, 7})),
        flatten(make_view(pool2.get(), {n, 3136})),
        dense1(make_tensor(ctx, {n, 1024})),
        relu3(make_tensor(ctx, {n, 1024})),
        dropout(make_view(relu3.get(), {n, 1024})),
        dense2(make_tensor(ctx, {n, 10})) {}

  TensorPtr w1, b1, w2, b2, w3, b3, w4, b4;
  TensorPtr input, conv1, relu1, pool1, conv2, relu2, pool2, flatten, dense1, relu3, dropout, dense2;
};

// One Predict: the same calls in the same order as the C# path; the first failure's status is returned.
cnn_status predict(cnn_context* ctx, ReferenceNetwork& net, const std::vector<float>& images,
                   std::vector<float>& scores) {
  const cnn_conv2d_params conv{1, 1, 2, 2, 2, 2, 1, 1};  // stride 1, pad 2 per side, dilation 1
  const cnn_pool2d_params pool{2, 2, 2, 2, 0, 0, 0, 0, 0};  // 2x2 window, stride 2, no padding
  cnn_status s = cnn_tensor_write(net.input.get(), images.data(), images.size());
  if (s == CNN_OK)
    s = cnn_conv2d_forward_fused(ctx, net.input.get(), net.w1.get(), net.b1.get(), &conv, CNN_ACTIVATION_RELU, 0.0f,
                                 net.relu1.get());
  if (s == CNN_OK) s = cnn_maxpool2d_forward(ctx, net.relu1.get(), &pool, net.pool1.get());
  if (s == CNN_OK)
    s = cnn_conv2d_forward_fused(ctx, net.pool1.get(), net.w2.get(), net.b2.get(), &conv, CNN_ACTIVATION_RELU, 0.0f,
                                 net.relu2.get());
  if (s == CNN_OK) s = cnn_maxpool2d_forward(ctx, net.relu2.get(), &pool, net.pool2.get());
  if (s == CNN_OK)
    s = cnn_dense_forward_fused(ctx, net.flatten.get(), net.w3.get(), net.b3.get(), CNN_ACTIVATION_RELU, 0.0f,
                                net.relu3.get());
  if (s == CNN_OK) s = cnn_dense_forward(ctx, net.dropout.get(), net.w4.get(), net.b4.get(), net.dense2.get());
  if (s == CNN_OK) s = cnn_tensor_read(net.dense2.get(), scores.data(), scores.size());
  return s;
}

void run_network(benchmark::State& state, int64_t batch, int64_t threads) {
  cnn_context* raw = nullptr;
  if (cnn_context_create(static_cast<int32_t>(threads), &raw) != CNN_OK) {
    state.SkipWithError(cnn_last_error_message());
    return;
  }
  const ContextPtr ctx(raw);
  std::unique_ptr<ReferenceNetwork> net;
  try {
    net = std::make_unique<ReferenceNetwork>(ctx.get(), batch);
  } catch (const SetupError& e) {
    state.SkipWithError(e.message.c_str());
    return;
  }
  const std::vector<float> images = uniform(static_cast<size_t>(batch * 28 * 28), 0.0f, 1.0f, 7);
  std::vector<float> scores(static_cast<size_t>(batch * 10));
  // The C# benchmark's setup runs one Predict first (it creates the workspace); so does this one, which also
  // lets the context grow its scratch before timing.
  if (predict(ctx.get(), *net, images, scores) != CNN_OK) {
    state.SkipWithError(cnn_last_error_message());
    return;
  }
  for (auto _ : state) {
    if (predict(ctx.get(), *net, images, scores) != CNN_OK) {
      state.SkipWithError(cnn_last_error_message());
      break;
    }
    benchmark::DoNotOptimize(scores.data());
    benchmark::ClobberMemory();
  }
  state.counters["images"] =
      benchmark::Counter(static_cast<double>(state.iterations() * batch), benchmark::Counter::kIsRate);
}

// The fixed cost of one op call from native code: 1-element tensors, so the op itself is negligible.
void run_op_call(benchmark::State& state, bool activation) {
  cnn_context* raw = nullptr;
  if (cnn_context_create(1, &raw) != CNN_OK) {
    state.SkipWithError(cnn_last_error_message());
    return;
  }
  const ContextPtr ctx(raw);
  TensorPtr x, y;
  try {
    x = make_tensor(ctx.get(), {1});
    y = make_tensor(ctx.get(), {1});
  } catch (const SetupError& e) {
    state.SkipWithError(e.message.c_str());
    return;
  }
  const float value = 0.5f;
  for (auto _ : state) {
    const cnn_status s = activation ? cnn_activation_forward(ctx.get(), CNN_ACTIVATION_RELU, 0.0f, x.get(), y.get())
                                    : cnn_tensor_write(x.get(), &value, 1);
    if (s != CNN_OK) {
      state.SkipWithError(cnn_last_error_message());
      break;
    }
    benchmark::ClobberMemory();
  }
}

// Registered at static initialisation, beside bench_gemm.cpp's rows that its main() registers.
[[maybe_unused]] const bool kNetworkRegistered = [] {
  for (int64_t batch : {1, 64}) {
    for (int64_t threads : {1, 2}) {
      const std::string name = "Network/batch:" + std::to_string(batch) + "/threads:" + std::to_string(threads);
      benchmark::RegisterBenchmark(name.c_str(), [batch, threads](benchmark::State& s) {
        run_network(s, batch, threads);
      })->UseRealTime()->Unit(benchmark::kMicrosecond);
    }
  }
  benchmark::RegisterBenchmark("OpCall/activation_forward/elements:1", [](benchmark::State& s) {
    run_op_call(s, true);
  })->Unit(benchmark::kNanosecond);
  benchmark::RegisterBenchmark("OpCall/tensor_write/elements:1", [](benchmark::State& s) {
    run_op_call(s, false);
  })->Unit(benchmark::kNanosecond);
  return true;
}();

}  // namespace
