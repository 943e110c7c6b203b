// Our OpenCL SGEMM (native/src/opencl/sgemm.cpp) beside CLBlast's CLBlastSgemm on the same OpenCL device, in one
// process, on the same context, queue and buffers: square sizes and the GEMMs the reference network issues
// (conv1 1->32 5x5 and conv2 32->64 5x5 on 28x28 / 14x14 at batch 64, dense 3136->1024 and 1024->10).
// Prints a Markdown table of GFLOP/s and the ratio ours / CLBlast on stdout, progress on stderr.
//
// Method, the same for both: two warm-up calls (kernel builds), then `repetitions` rounds; a round times calls
// until min-time has passed, each call followed by clFinish, and gives seconds per call. Ours and CLBlast
// alternate round by round, so a change of machine load hits both. The table shows the best and the median
// round; the ratio is of the best rounds. Both results are compared (max |ours - CLBlast| / (1 + |CLBlast|)).
//
// Usage: cnn_clblast_bench [--device I] [--min-time S] [--repetitions N] [--only REGEX] [--local-tiles]
//   --local-tiles  also time our GPU kernel family (LocalTiles) on the device, a third column
// First: it sets the OpenCL version the CL headers declare, before CLBlast's headers include them.
#include "opencl/cl.h"

#include <clblast.h>
#include <clblast_c.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <random>
#include <regex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/error.h"
#include "opencl/ops.h"
#include "opencl/runtime.h"

namespace {

using cnn::opencl::Buffer;
using cnn::opencl::Runtime;

struct Shape {
  const char* name;  // what issues it
  bool trans_a, trans_b;
  int64_t m, n, k;
  int per_step;  // times one training step of the reference network issues it at batch 64 (0: not part of it)
};

// What the OpenCL layers issue on a CPU-type device (PoCL) for the reference network at batch 64.
// conv2d.cpp: im2col + one SGEMM per chunk of images, a chunk as many images as keep col [c*kh*kw, images*oh*ow]
// and Y within 8 MiB (launch.h, CPU devices): conv1 (col 25 x 784 per image, Y 32 x 784) takes all 64 images,
// conv2 (col 800 x 196) 13 images at a time, four chunks of 13 and one of 12. Forward: Y [oc, cols] = W [oc, c*k*k]
// * col; backward dW^T [c*k*k, oc] (+)= col * dY^T (beta 1 from the second chunk on; timed with beta 0), then one
// small transpose; col = W^T * dY. conv1's dX is never asked for (the first layer has no input gradient).
// dense.cpp: y^T = W * x^T (then a transpose) when out > n on such devices, else y = x * W^T; dx = dy * W,
// dW = dy^T * x.
const Shape kShapes[] = {
    {"square 256", false, false, 256, 256, 256, 0},
    {"square 512", false, false, 512, 512, 512, 0},
    {"square 1024", false, false, 1024, 1024, 1024, 0},
    {"square 2048", false, false, 2048, 2048, 2048, 0},
    {"conv1 fwd", false, false, 32, 64 * 784, 25, 1},
    {"conv1 dW^T", false, true, 25, 32, 64 * 784, 1},
    {"conv2 fwd (13 img)", false, false, 64, 13 * 196, 800, 4},
    {"conv2 fwd (12 img)", false, false, 64, 12 * 196, 800, 1},
    {"conv2 dW^T (13 img)", false, true, 800, 64, 13 * 196, 4},
    {"conv2 dW^T (12 img)", false, true, 800, 64, 12 * 196, 1},
    {"conv2 dX (13 img)", true, false, 800, 13 * 196, 64, 4},
    {"conv2 dX (12 img)", true, false, 800, 12 * 196, 64, 1},
    {"dense1 fwd (y^T)", false, true, 1024, 64, 3136, 1},
    {"dense1 dX", false, false, 64, 3136, 1024, 1},
    {"dense1 dW", true, false, 1024, 3136, 64, 1},
    {"dense2 fwd", false, true, 64, 10, 1024, 1},
    {"dense2 dX", false, false, 64, 1024, 10, 1},
    {"dense2 dW", true, false, 10, 1024, 64, 1},
};

struct Options {
  int32_t device = 0;
  double min_time = 0.5;
  int repetitions = 5;
  std::string only = ".*";
  bool local_tiles = false;
};

[[noreturn]] void usage(const char* problem) {
  std::fprintf(stderr, "cnn_clblast_bench: %s\nusage: cnn_clblast_bench [--device I] [--min-time S] "
               "[--repetitions N] [--only REGEX] [--local-tiles]\n", problem);
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage((arg + " needs a value").c_str());
      return argv[++i];
    };
    if (arg == "--device") o.device = std::stoi(value());
    else if (arg == "--min-time") o.min_time = std::stod(value());
    else if (arg == "--repetitions") o.repetitions = std::max(1, std::stoi(value()));
    else if (arg == "--only") o.only = value();
    else if (arg == "--local-tiles") o.local_tiles = true;
    else usage(("unknown option " + arg).c_str());
  }
  return o;
}

std::string load_average() {
  std::ifstream file("/proc/loadavg");
  std::string one, five, fifteen;
  file >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t h = v.size() / 2;
  return v.size() % 2 ? v[h] : 0.5 * (v[h - 1] + v[h]);
}

// Seconds per call of one round: calls until min_time has passed, each one finished before the next.
double time_round(const std::function<void()>& call, const std::function<void()>& finish, double min_time) {
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  int calls = 0;
  double elapsed = 0.0;
  do {
    call();
    finish();
    ++calls;
    elapsed = std::chrono::duration<double>(clock::now() - start).count();
  } while (elapsed < min_time);
  return elapsed / calls;
}

std::vector<float> random_floats(size_t count, std::mt19937& rng) {
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(count);
  for (float& x : v) x = dist(rng);
  return v;
}

const char* clblast_status_text(CLBlastStatusCode status) {
  return status == CLBlastSuccess ? "success" : "failure (see CLBlast's clblast_c.h for the code)";
}

void print_clblast_parameters(cl_device_id device) {
  for (const char* kernel : {"GemmRoutine", "Xgemm", "XgemmDirect"}) {
    std::unordered_map<std::string, size_t> parameters;
    const clblast::StatusCode status =
        clblast::RetrieveParameters(device, kernel, clblast::Precision::kSingle, parameters);
    std::printf("CLBlast %s parameters:", kernel);
    if (status != clblast::StatusCode::kSuccess) std::printf(" (not retrievable: status %d)", static_cast<int>(status));
    std::vector<std::pair<std::string, size_t>> sorted(parameters.begin(), parameters.end());
    std::sort(sorted.begin(), sorted.end());
    for (const auto& [name, value] : sorted) std::printf(" %s=%zu", name.c_str(), value);
    std::printf("\n");
  }
}

struct Column {
  std::vector<double> seconds;  // per round
  double best() const { return *std::min_element(seconds.begin(), seconds.end()); }
};

std::string rate(double flops, const Column& c) {
  char text[64];
  std::snprintf(text, sizeof text, "%.1f / %.1f", flops / c.best() * 1e-9, flops / median(c.seconds) * 1e-9);
  return text;
}

int run(const Options& o) {
  std::shared_ptr<Runtime> runtime = Runtime::for_device(o.device);
  cl_command_queue queue = runtime->queue();
  const cnn::opencl::SgemmPlan plan = cnn::opencl::sgemm_plan(*runtime);
  cnn::opencl::SgemmPlan tiles_plan;
  if (o.local_tiles) tiles_plan = cnn::opencl::sgemm_plan(*runtime, cnn::opencl::SgemmFamily::LocalTiles);
  const auto finish = [&] { runtime->check(runtime->cl().Finish(queue), "clFinish"); };

  std::printf("device: %s, %d compute units\n", runtime->describe().c_str(), runtime->device().compute_units);
  std::printf("ours: %s\n", plan.describe().c_str());
  if (o.local_tiles) std::printf("ours (GPU family, forced): %s\n", tiles_plan.describe().c_str());
  print_clblast_parameters(runtime->device().id);
  std::printf("load average at start: %s\n", load_average().c_str());
  std::printf("method: %d rounds of >= %.2f s per row and implementation, clFinish after every call; "
              "GFLOP/s best / median round; ratio of the best rounds\n\n", o.repetitions, o.min_time);

  std::printf("| GEMM | op | m | n | k | ours GFLOP/s |%s CLBlast GFLOP/s | ours / CLBlast | max rel diff |\n",
              o.local_tiles ? " ours, GPU family |" : "");
  std::printf("|---|---|--:|--:|--:|--:|%s--:|--:|--:|\n", o.local_tiles ? "--:|" : "");
  std::fflush(stdout);

  const std::regex only(o.only);
  std::mt19937 rng(2024);
  double network_flops = 0.0, network_ours = 0.0, network_clblast = 0.0;
  bool network_complete = true;
  for (const Shape& s : kShapes) {
    if (!std::regex_search(s.name, only)) {
      if (s.per_step > 0) network_complete = false;
      continue;
    }
    std::fprintf(stderr, "bench: %s ...\n", s.name);
    const size_t a_count = static_cast<size_t>(s.m * s.k), b_count = static_cast<size_t>(s.k * s.n);
    const size_t c_count = static_cast<size_t>(s.m * s.n);
    const int64_t lda = s.trans_a ? s.m : s.k, ldb = s.trans_b ? s.k : s.n, ldc = s.n;
    Buffer a(runtime, a_count, Buffer::Contents::Unspecified), b(runtime, b_count, Buffer::Contents::Unspecified);
    Buffer c_ours(runtime, c_count), c_clblast(runtime, c_count), c_tiles(runtime, c_count);
    a.write(random_floats(a_count, rng).data());
    b.write(random_floats(b_count, rng).data());

    const auto ours = [&] {
      cnn::opencl::sgemm(*runtime, plan, s.trans_a, s.trans_b, s.m, s.n, s.k, 1.0f, a.mem(), 0, lda, b.mem(), 0, ldb,
                         0.0f, c_ours.mem(), 0, ldc, nullptr);
    };
    const auto tiles = [&] {
      cnn::opencl::sgemm(*runtime, tiles_plan, s.trans_a, s.trans_b, s.m, s.n, s.k, 1.0f, a.mem(), 0, lda, b.mem(),
                         0, ldb, 0.0f, c_tiles.mem(), 0, ldc, nullptr);
    };
    const auto clblast = [&] {
      cl_command_queue q = queue;
      const CLBlastStatusCode status = CLBlastSgemm(
          CLBlastLayoutRowMajor, s.trans_a ? CLBlastTransposeYes : CLBlastTransposeNo,
          s.trans_b ? CLBlastTransposeYes : CLBlastTransposeNo, static_cast<size_t>(s.m), static_cast<size_t>(s.n),
          static_cast<size_t>(s.k), 1.0f, a.mem(), 0, static_cast<size_t>(lda), b.mem(), 0, static_cast<size_t>(ldb),
          0.0f, c_clblast.mem(), 0, static_cast<size_t>(ldc), &q, nullptr);
      if (status != CLBlastSuccess)
        cnn::fail(CNN_DEVICE_ERROR, std::string("CLBlastSgemm(") + s.name + ") returned " + std::to_string(status) +
                                        ": " + clblast_status_text(status));
    };

    for (int warm = 0; warm < 2; ++warm) {
      ours();
      clblast();
      if (o.local_tiles) tiles();
    }
    finish();
    Column col_ours, col_clblast, col_tiles;
    for (int r = 0; r < o.repetitions; ++r) {
      col_ours.seconds.push_back(time_round(ours, finish, o.min_time));
      col_clblast.seconds.push_back(time_round(clblast, finish, o.min_time));
      if (o.local_tiles) col_tiles.seconds.push_back(time_round(tiles, finish, o.min_time));
    }

    std::vector<float> mine(c_count), theirs(c_count);
    c_ours.read(mine.data());
    c_clblast.read(theirs.data());
    double diff = 0.0;
    for (size_t i = 0; i < c_count; ++i)
      diff = std::max(diff, std::fabs(static_cast<double>(mine[i]) - theirs[i]) / (1.0 + std::fabs(theirs[i])));

    const double flops = 2.0 * static_cast<double>(s.m) * static_cast<double>(s.n) * static_cast<double>(s.k);
    std::printf("| %s | %s%s | %lld | %lld | %lld | %s |", s.name, s.trans_a ? "T" : "N", s.trans_b ? "T" : "N",
                static_cast<long long>(s.m), static_cast<long long>(s.n), static_cast<long long>(s.k),
                rate(flops, col_ours).c_str());
    if (o.local_tiles) std::printf(" %s |", rate(flops, col_tiles).c_str());
    std::printf(" %s | %.2f | %.1e |\n", rate(flops, col_clblast).c_str(), col_clblast.best() / col_ours.best(), diff);
    std::fflush(stdout);
    if (s.per_step > 0) {
      network_flops += s.per_step * flops;
      network_ours += s.per_step * col_ours.best();
      network_clblast += s.per_step * col_clblast.best();
    }
  }
  if (network_complete && network_flops > 0.0)
    std::printf("| **network: one training step's GEMMs (each row times it issues it)** | | | | | %.1f (%.2f ms) |%s %.1f (%.2f ms) | **%.2f** | |\n",
                network_flops / network_ours * 1e-9, network_ours * 1e3, o.local_tiles ? " |" : "",
                network_flops / network_clblast * 1e-9, network_clblast * 1e3, network_clblast / network_ours);
  std::printf("\nload average at end: %s\n", load_average().c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse(argc, argv);
  try {
    return run(options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cnn_clblast_bench: %s\n", e.what());
    return 1;
  }
}
