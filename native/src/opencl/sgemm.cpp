// Host side of the tiled SGEMM (kernels/sgemm.cl): tile choice per device and launch geometry. Dense and
// convolution layers (dense.cpp, conv2d.cpp) are built on it.
#include <limits>
#include <string>

#include "core/error.h"
#include "opencl/launch.h"
#include "opencl/ops.h"

namespace cnn::opencl {

namespace {

// Largest first. 64x64 with 4x4 per work-item (256 work-items, 8 KiB of local memory) is the classic shape
// for GPUs and also what PoCL's CPU device vectorises best; the smaller ones serve devices with small
// work-groups or little local memory (embedded GPUs, FPGAs).
constexpr SgemmTiles kCandidates[] = {
    {64, 64, 16, 4, 4},
    {32, 32, 16, 2, 2},
    {16, 16, 16, 1, 1},
    {8, 8, 8, 1, 1},
    {4, 4, 4, 1, 1},
};

std::string build_options(const SgemmTiles& t, bool trans_a, bool trans_b) {
  return "-cl-std=CL1.2 -DTM=" + std::to_string(t.tm) + " -DTN=" + std::to_string(t.tn) +
         " -DTK=" + std::to_string(t.tk) + " -DWM=" + std::to_string(t.wm) + " -DWN=" + std::to_string(t.wn) +
         " -DTRANS_A=" + (trans_a ? "1" : "0") + " -DTRANS_B=" + (trans_b ? "1" : "0");
}

size_t work_group_size(const SgemmTiles& t) { return static_cast<size_t>(t.tm / t.wm) * (t.tn / t.wn); }

bool fits_device(const SgemmTiles& t, const DeviceInfo& d) {
  const uint64_t local_bytes = static_cast<uint64_t>(t.tk) * (t.tm + t.tn) * sizeof(float);
  return work_group_size(t) <= d.max_work_group_size && static_cast<uint64_t>(t.tn / t.wn) <= d.max_work_item_sizes[0] &&
         static_cast<uint64_t>(t.tm / t.wm) <= d.max_work_item_sizes[1] && local_bytes <= d.local_memory_bytes;
}

bool fits_kernel(Runtime& runtime, const SgemmTiles& t, cl_kernel kernel) {
  size_t limit = 0;
  runtime.check(runtime.cl().GetKernelWorkGroupInfo(kernel, runtime.device().id, CL_KERNEL_WORK_GROUP_SIZE,
                                                    sizeof(limit), &limit, nullptr),
                "clGetKernelWorkGroupInfo(sgemm)");
  return work_group_size(t) <= limit;
}

// The chosen tiles and their kernel for one transposition pair; builds are cached by the runtime.
cl_kernel choose(Runtime& runtime, bool trans_a, bool trans_b, SgemmTiles* chosen) {
  std::string tried;
  for (const SgemmTiles& t : kCandidates) {
    if (!fits_device(t, runtime.device())) continue;
    cl_kernel kernel = runtime.kernel("sgemm", build_options(t, trans_a, trans_b), "sgemm");
    if (fits_kernel(runtime, t, kernel)) {
      *chosen = t;
      return kernel;
    }
    tried.append(" ").append(std::to_string(t.tm)).append("x").append(std::to_string(t.tn));
  }
  fail(CNN_UNSUPPORTED, "no SGEMM tile size fits " + runtime.describe() + " (max work-group " +
                            std::to_string(runtime.device().max_work_group_size) + ", local memory " +
                            std::to_string(runtime.device().local_memory_bytes) + " bytes; compiled kernels too large:" +
                            (tried.empty() ? std::string(" none") : tried) + ")");
}

}  // namespace

SgemmTiles sgemm_tiles(Runtime& runtime) {
  SgemmTiles tiles{};
  choose(runtime, false, false, &tiles);
  return tiles;
}

void sgemm(Runtime& runtime, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, cl_mem a,
           int64_t a_offset, int64_t lda, cl_mem b, int64_t b_offset, int64_t ldb, float beta, cl_mem c,
           int64_t c_offset, int64_t ldc, cl_mem bias, BiasAlong bias_along) {
  // The kernel indexes rows and columns with int (fast on every GPU) and addresses with long.
  constexpr int64_t kIntMax = std::numeric_limits<cl_int>::max();
  if (m > kIntMax || n > kIntMax || k > kIntMax)
    fail(CNN_UNSUPPORTED, "SGEMM of " + std::to_string(m) + " x " + std::to_string(n) + " x " + std::to_string(k) +
                              " on " + runtime.describe() + ": each dimension must stay below 2^31");
  SgemmTiles t{};
  cl_kernel kernel = choose(runtime, trans_a, trans_b, &t);
  const size_t local[2] = {static_cast<size_t>(t.tn / t.wn), static_cast<size_t>(t.tm / t.wm)};
  const size_t global[2] = {round_up(n, t.tn) / static_cast<size_t>(t.wn), round_up(m, t.tm) / static_cast<size_t>(t.wm)};
  // The kernel's bias_mode: 0 none, 1 bias[j] on every row, 2 bias[i] on every column.
  const cl_int bias_mode = bias == nullptr ? 0 : bias_along == BiasAlong::Columns ? 1 : 2;
  runtime.launch(kernel, "sgemm", 2, global, local, static_cast<cl_int>(m), static_cast<cl_int>(n),
                 static_cast<cl_int>(k), static_cast<cl_float>(alpha), a, static_cast<cl_long>(a_offset),
                 static_cast<cl_long>(lda), b, static_cast<cl_long>(b_offset), static_cast<cl_long>(ldb),
                 static_cast<cl_float>(beta), c, static_cast<cl_long>(c_offset), static_cast<cl_long>(ldc), bias,
                 bias_mode);
}

}  // namespace cnn::opencl
