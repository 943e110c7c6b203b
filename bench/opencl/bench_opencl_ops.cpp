// Per-op timings of the reference network (bench/native/bench_network.cpp's layers) on one device through the
// C ABI: conv 1->32 5x5 pad 2, ReLU, maxpool 2, conv 32->64 5x5 pad 2, ReLU, maxpool 2, dense 3136->1024, ReLU,
// dropout 0.4, dense 1024->10, softmax cross-entropy, then every backward op and one Adam update per parameter.
// Each op runs alone between two cnn_context_synchronize calls (the best of --repeat runs is printed), then the
// whole forward and the whole training step run without synchronising in between (what a training loop sees).
// With CNN_OPENCL_PROFILE=1 on an OpenCL device, each op also lists its kernels' times from the queue's events.
// Wall time and the process's CPU time (all threads) are printed: on a shared machine the second is steadier.
//
// Usage: cnn_opencl_ops_bench [--device I | --cpu THREADS] [--batch N] [--repeat R]
#include <cnn/cnn.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "opencl/runtime.h"

namespace {

void check(cnn_status status, const char* what) {
  if (status == CNN_OK) return;
  std::fprintf(stderr, "%s failed: %s\n", what, cnn_last_error_message());
  std::exit(1);
}

cnn_context* g_ctx = nullptr;
std::vector<cnn_tensor*> g_tensors;

cnn_tensor* tensor(std::initializer_list<int64_t> shape, float scale = 0.0f, uint32_t seed = 1) {
  cnn_tensor* t = nullptr;
  check(cnn_tensor_create(g_ctx, shape.begin(), shape.size(), &t), "cnn_tensor_create");
  g_tensors.push_back(t);
  if (scale != 0.0f) {
    size_t count = 0;
    check(cnn_tensor_element_count(t, &count), "cnn_tensor_element_count");
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> dist(-scale, scale);
    std::vector<float> v(count);
    for (float& x : v) x = dist(rng);
    check(cnn_tensor_write(t, v.data(), count), "cnn_tensor_write");
  }
  return t;
}

cnn_tensor* view(const cnn_tensor* source, std::initializer_list<int64_t> shape) {
  cnn_tensor* t = nullptr;
  check(cnn_tensor_reshape(source, shape.begin(), shape.size(), &t), "cnn_tensor_reshape");
  g_tensors.push_back(t);
  return t;
}

// CPU time of the whole process (every driver thread), in ms: on a machine shared with other work, wall time
// includes waiting for a core, CPU time is the work itself.
double cpu_ms() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const long long seconds = usage.ru_utime.tv_sec + usage.ru_stime.tv_sec;
  const long long micros = usage.ru_utime.tv_usec + usage.ru_stime.tv_usec;
  return static_cast<double>(seconds) * 1e3 + static_cast<double>(micros) * 1e-3;
}

double now_ms() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

struct Op {
  std::string name;
  std::function<void()> run;
};

// The best of the repeats: on a shared machine, interference only ever adds time.
double best(const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }

}  // namespace

int main(int argc, char** argv) {
  int32_t device = 0, cpu_threads = 0;
  int64_t n = 64;
  int repeat = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--device"))
      device = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--cpu"))
      cpu_threads = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--batch"))
      n = std::atoll(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--repeat"))
      repeat = std::atoi(argv[i + 1]);
    else {
      std::fprintf(stderr, "usage: %s [--device I | --cpu THREADS] [--batch N] [--repeat R]\n", argv[0]);
      return 2;
    }
  }
  if (cpu_threads > 0)
    check(cnn_context_create(cpu_threads, &g_ctx), "cnn_context_create");
  else
    check(cnn_context_create_device(device, &g_ctx), "cnn_context_create_device");
  std::shared_ptr<cnn::opencl::Runtime> runtime;
  if (cpu_threads == 0) runtime = cnn::opencl::Runtime::for_device(device);
  const bool profile = runtime && runtime->profiling();

  // Parameters, activations and gradients, created once.
  cnn_tensor *x = tensor({n, 1, 28, 28}, 1.0f, 1), *w1 = tensor({32, 1, 5, 5}, 0.2f, 2), *b1 = tensor({32}, 0.1f, 3);
  cnn_tensor *c1 = tensor({n, 32, 28, 28}), *r1 = tensor({n, 32, 28, 28}), *p1 = tensor({n, 32, 14, 14});
  cnn_tensor *w2 = tensor({64, 32, 5, 5}, 0.05f, 4), *b2 = tensor({64}, 0.1f, 5);
  cnn_tensor *c2 = tensor({n, 64, 14, 14}), *r2 = tensor({n, 64, 14, 14}), *p2 = tensor({n, 64, 7, 7});
  cnn_tensor* flat = view(p2, {n, 3136});
  cnn_tensor *w3 = tensor({1024, 3136}, 0.02f, 6), *b3 = tensor({1024}, 0.1f, 7);
  cnn_tensor *d1 = tensor({n, 1024}), *r3 = tensor({n, 1024}), *dr = tensor({n, 1024});
  cnn_tensor *w4 = tensor({10, 1024}, 0.03f, 8), *b4 = tensor({10}, 0.1f, 9), *logits = tensor({n, 10});
  cnn_tensor *g_logits = tensor({n, 10}), *g_dr = tensor({n, 1024}), *g_d1 = tensor({n, 1024});
  cnn_tensor *g_flat = tensor({n, 3136}), *g_p2 = view(g_flat, {n, 64, 7, 7}), *g_c2 = tensor({n, 64, 14, 14});
  cnn_tensor *g_p1 = tensor({n, 32, 14, 14}), *g_c1 = tensor({n, 32, 28, 28});
  std::vector<cnn_tensor*> params = {w1, b1, w2, b2, w3, b3, w4, b4}, grads, moments;
  for (cnn_tensor* p : params) {
    int64_t shape[4] = {1, 1, 1, 1};
    size_t rank = 0;
    check(cnn_tensor_rank(p, &rank), "cnn_tensor_rank");
    check(cnn_tensor_shape(p, shape, 4), "cnn_tensor_shape");
    cnn_tensor* g = nullptr;
    check(cnn_tensor_create(g_ctx, shape, rank, &g), "cnn_tensor_create");
    g_tensors.push_back(g);
    grads.push_back(g);
    for (int k = 0; k < 2; ++k) {
      cnn_tensor* m = nullptr;
      check(cnn_tensor_create(g_ctx, shape, rank, &m), "cnn_tensor_create");
      g_tensors.push_back(m);
      moments.push_back(m);
    }
  }
  std::vector<int32_t> labels(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) labels[static_cast<size_t>(i)] = static_cast<int32_t>(i % 10);

  const cnn_conv2d_params conv{1, 1, 2, 2, 2, 2, 1, 1};
  const cnn_pool2d_params pool{2, 2, 2, 2, 0, 0, 0, 0, 0};
  const cnn_activation relu = CNN_ACTIVATION_RELU;
  const float rate = 0.4f;
  const uint64_t seed = 42;
  float loss = 0.0f;
  int64_t correct = 0;
  int64_t step = 0;

  std::vector<Op> forward = {
      {"conv1 fwd", [&] { check(cnn_conv2d_forward(g_ctx, x, w1, b1, &conv, c1), "conv1"); }},
      {"relu1 fwd", [&] { check(cnn_activation_forward(g_ctx, relu, 0.0f, c1, r1), "relu1"); }},
      {"pool1 fwd", [&] { check(cnn_maxpool2d_forward(g_ctx, r1, &pool, p1), "pool1"); }},
      {"conv2 fwd", [&] { check(cnn_conv2d_forward(g_ctx, p1, w2, b2, &conv, c2), "conv2"); }},
      {"relu2 fwd", [&] { check(cnn_activation_forward(g_ctx, relu, 0.0f, c2, r2), "relu2"); }},
      {"pool2 fwd", [&] { check(cnn_maxpool2d_forward(g_ctx, r2, &pool, p2), "pool2"); }},
      {"dense1 fwd", [&] { check(cnn_dense_forward(g_ctx, flat, w3, b3, d1), "dense1"); }},
      {"relu3 fwd", [&] { check(cnn_activation_forward(g_ctx, relu, 0.0f, d1, r3), "relu3"); }},
      {"dropout fwd", [&] { check(cnn_dropout_forward(g_ctx, r3, rate, seed, dr), "dropout"); }},
      {"dense2 fwd", [&] { check(cnn_dense_forward(g_ctx, dr, w4, b4, logits), "dense2"); }},
  };
  std::vector<Op> backward = {
      {"softmax CE",
       [&] {
         check(cnn_softmax_cross_entropy(g_ctx, logits, labels.data(), labels.size(), 0.0f, g_logits, &loss, &correct),
               "softmax_cross_entropy");
       }},
      {"dense2 bwd",
       [&] { check(cnn_dense_backward(g_ctx, dr, w4, g_logits, g_dr, grads[6], grads[7]), "dense2 bwd"); }},
      {"dropout bwd", [&] { check(cnn_dropout_backward(g_ctx, g_dr, rate, seed, g_dr), "dropout bwd"); }},
      {"relu3 bwd", [&] { check(cnn_activation_backward(g_ctx, relu, 0.0f, d1, g_dr, g_d1), "relu3 bwd"); }},
      {"dense1 bwd",
       [&] { check(cnn_dense_backward(g_ctx, flat, w3, g_d1, g_flat, grads[4], grads[5]), "dense1 bwd"); }},
      {"pool2 bwd", [&] { check(cnn_maxpool2d_backward(g_ctx, r2, g_p2, &pool, g_c2), "pool2 bwd"); }},
      {"relu2 bwd", [&] { check(cnn_activation_backward(g_ctx, relu, 0.0f, c2, g_c2, g_c2), "relu2 bwd"); }},
      {"conv2 bwd",
       [&] { check(cnn_conv2d_backward(g_ctx, p1, w2, g_c2, &conv, g_p1, grads[2], grads[3]), "conv2 bwd"); }},
      {"pool1 bwd", [&] { check(cnn_maxpool2d_backward(g_ctx, r1, g_p1, &pool, g_c1), "pool1 bwd"); }},
      {"relu1 bwd", [&] { check(cnn_activation_backward(g_ctx, relu, 0.0f, c1, g_c1, g_c1), "relu1 bwd"); }},
      {"conv1 bwd",
       [&] { check(cnn_conv2d_backward(g_ctx, x, w1, g_c1, &conv, nullptr, grads[0], grads[1]), "conv1 bwd"); }},
      {"adam x8",
       [&] {
         ++step;
         const cnn_adam_params adam{step, 1e-4f, 0.9f, 0.999f, 1e-8f, 0.0f, 0};
         for (size_t i = 0; i < params.size(); ++i)
           check(cnn_adam_update(g_ctx, &adam, params[i], grads[i], moments[2 * i], moments[2 * i + 1]), "adam");
       }},
  };
  std::vector<Op> all = forward;
  all.insert(all.end(), backward.begin(), backward.end());
  auto sync = [] { check(cnn_context_synchronize(g_ctx), "cnn_context_synchronize"); };

  // Warm-up: builds every kernel once.
  for (int w = 0; w < 2; ++w)
    for (Op& op : all) op.run();
  sync();
  if (profile) runtime->take_profile();

  std::printf("batch %lld, %s, best of %d\n", static_cast<long long>(n),
              cpu_threads > 0 ? ("CPU, " + std::to_string(cpu_threads) + " threads").c_str()
                              : ("OpenCL device " + std::to_string(device)).c_str(),
              repeat);
  std::printf("%-12s %9s %9s\n", "op", "wall ms", "cpu ms");
  double sum_forward = 0.0, sum_all = 0.0, cpu_forward = 0.0, cpu_all = 0.0;
  for (size_t o = 0; o < all.size(); ++o) {
    std::vector<double> times, cpu_times;
    std::map<std::string, std::pair<int64_t, double>> kernels;
    for (int r = 0; r < repeat; ++r) {
      sync();
      const double start = now_ms(), cpu_start = cpu_ms();
      all[o].run();
      sync();
      times.push_back(now_ms() - start);
      cpu_times.push_back(cpu_ms() - cpu_start);
      if (profile)
        for (const auto& k : runtime->take_profile()) {
          kernels[k.name].first += k.launches;
          kernels[k.name].second += k.milliseconds;
        }
    }
    const double ms = best(times), cpu = best(cpu_times);
    sum_all += ms;
    cpu_all += cpu;
    if (o < forward.size()) {
      sum_forward += ms;
      cpu_forward += cpu;
    }
    std::printf("%-12s %9.2f %9.2f", all[o].name.c_str(), ms, cpu);
    for (const auto& [name, k] : kernels)
      std::printf("  | %s x%lld %.2f", name.c_str(), static_cast<long long>(k.first / repeat), k.second / repeat);
    std::printf("\n");
  }
  std::printf("%-12s %9.2f %9.2f\n%-12s %9.2f %9.2f\n", "sum fwd", sum_forward, cpu_forward, "sum step", sum_all,
              cpu_all);

  std::vector<double> fwd_times, step_times, fwd_cpu, step_cpu;
  for (int r = 0; r < repeat; ++r) {
    sync();
    double start = now_ms(), cpu_start = cpu_ms();
    for (Op& op : forward) op.run();
    sync();
    fwd_times.push_back(now_ms() - start);
    fwd_cpu.push_back(cpu_ms() - cpu_start);
    start = now_ms();
    cpu_start = cpu_ms();
    for (Op& op : forward) op.run();
    for (Op& op : backward) op.run();
    sync();
    step_times.push_back(now_ms() - start);
    step_cpu.push_back(cpu_ms() - cpu_start);
  }
  if (profile) runtime->take_profile();
  std::printf("%-12s %9.2f %9.2f  (no synchronisation between ops)\n%-12s %9.2f %9.2f  (forward + backward + adam)\n",
              "forward", best(fwd_times), best(fwd_cpu), "train step", best(step_times), best(step_cpu));
  for (auto it = g_tensors.rbegin(); it != g_tensors.rend(); ++it) cnn_tensor_destroy(*it);
  cnn_context_destroy(g_ctx);
  return 0;
}
