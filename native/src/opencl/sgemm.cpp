// Host side of the OpenCL SGEMM: the kernel family and block sizes per device (one table each), and the launches
// of kernels/sgemm.cl (LocalTiles, GPUs) and kernels/sgemm_panels.cl (Panels, CPU devices). Dense and
// convolution layers (dense.cpp, conv2d.cpp) are built on it.
#include <algorithm>
#include <limits>
#include <optional>
#include <string>

#include "core/error.h"
#include "opencl/launch.h"
#include "opencl/ops.h"

namespace cnn::opencl {

namespace {

// ---- LocalTiles: kernels/sgemm.cl ----------------------------------------------------------------------------

// Largest first. 64x64 with 4x4 per work-item (256 work-items, 8 KiB of local memory) is the classic shape for
// GPUs; the smaller ones serve devices with small work-groups or little local memory (embedded GPUs, FPGAs).
// The first that fits the device's work-group and local-memory limits and the compiled kernel's work-group limit
// is used.
constexpr SgemmTiles kLocalTiles[] = {
    {64, 64, 16, 4, 4},
    {32, 32, 16, 2, 2},
    {16, 16, 16, 1, 1},
    {8, 8, 8, 1, 1},
    {4, 4, 4, 1, 1},
};

// ---- Panels: kernels/sgemm_panels.cl ---------------------------------------------------------------------------

// One row per native float vector width of a CPU device (CL_DEVICE_NATIVE_VECTOR_WIDTH_FLOAT), the widest that
// the device meets first. The micro-tile MR x NR (NR = two native vectors) is the BLIS shape for that register
// file: MR*2 accumulators + 2 B vectors + 1 broadcast fill 19 of the 32 ZMM registers (AVX-512), 15 of the 16
// YMM (AVX2, 6x16 as in BLIS' haswell kernel) or 11 of the 16 XMM (SSE, NEON has 32). kc keeps the B micro-panel
// (kc x NR floats: 32 KiB, 16 KiB, 8 KiB) inside a 32-48 KiB L1; tiles * MR = 96 rows of A over one kc slice
// (96 KiB) stay in L2 while a work-item walks its micro-tiles. Work-groups are one work-item: PoCL runs each
// work-group as one task on one thread, so nothing is gained from more work-items, and the kernel needs no local
// memory, so every device limit (work-group size, local memory) is met.
// Measured on PoCL 3.1, 2 cores of a Sapphire Rapids (AVX-512), 1024^3, A and B packed, on a machine shared
// with other builds (load 3-5, so only large gaps count): 8x32 175 GFLOP/s, 6x32 157, 6x(float8 x 4) 108,
// 12x32 89, 16x16 85, 8x16 84, 14x32 77; kc 256-512 with 96-192 rows per work-item alike, 48 rows 86-91;
// without kc blocking, one micro-tile per work-item, 6x32 reached 97 and 8x16 70. bench/opencl has the figures
// against CLBlast.
struct PanelRow {
  int native_width;  // the row applies from this native float width up
  SgemmPanels panels;
};
constexpr PanelRow kPanelTable[] = {
    {16, {8, 16, 2, 256, 12}},  // AVX-512: 8x32
    {8, {6, 8, 2, 256, 16}},    // AVX2, AVX: 6x16
    {1, {4, 4, 2, 256, 24}},    // SSE, NEON and anything narrower: 4x8
};

// Work-items below this many per compute unit leave cores idle on small problems: the launch then gives each
// work-item fewer micro-tiles.
constexpr int64_t kItemsPerComputeUnit = 4;

// Work-items per work-group of the packing kernels, consecutive along k.
constexpr uint64_t kPackGroup = 16;

std::string tile_options(const SgemmTiles& t, bool trans_a, bool trans_b) {
  return "-cl-std=CL1.2 -DTM=" + std::to_string(t.tm) + " -DTN=" + std::to_string(t.tn) +
         " -DTK=" + std::to_string(t.tk) + " -DWM=" + std::to_string(t.wm) + " -DWN=" + std::to_string(t.wn) +
         " -DTRANS_A=" + (trans_a ? "1" : "0") + " -DTRANS_B=" + (trans_b ? "1" : "0");
}

std::string panel_options(const SgemmPanels& p, bool trans_a, bool trans_b, bool packed_b) {
  return "-cl-std=CL1.2 -DMR=" + std::to_string(p.mr) + " -DVW=" + std::to_string(p.vector_width) +
         " -DNV=" + std::to_string(p.vectors) + " -DKC=" + std::to_string(p.kc) + " -DTRANS_A=" +
         (trans_a ? "1" : "0") + " -DTRANS_B=" + (trans_b ? "1" : "0") + " -DPACK_B=" + (packed_b ? "1" : "0");
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

// The LocalTiles candidate for one transposition pair and its kernel; builds are cached by the runtime.
cl_kernel choose_tiles(Runtime& runtime, bool trans_a, bool trans_b, SgemmTiles* chosen) {
  std::string tried;
  for (const SgemmTiles& t : kLocalTiles) {
    if (!fits_device(t, runtime.device())) continue;
    cl_kernel kernel = runtime.kernel("sgemm", tile_options(t, trans_a, trans_b), "sgemm");
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

SgemmPanels choose_panels(const DeviceInfo& d) {
  for (const PanelRow& row : kPanelTable)
    if (d.native_float_width >= row.native_width) return row.panels;
  return kPanelTable[std::size(kPanelTable) - 1].panels;
}

void check_dimensions(const Runtime& runtime, int64_t m, int64_t n, int64_t k) {
  // The kernels index rows and columns with int (fast on every GPU) and addresses with long.
  constexpr int64_t kIntMax = std::numeric_limits<cl_int>::max();
  if (m > kIntMax || n > kIntMax || k > kIntMax)
    fail(CNN_UNSUPPORTED, "SGEMM of " + std::to_string(m) + " x " + std::to_string(n) + " x " + std::to_string(k) +
                              " on " + runtime.describe() + ": each dimension must stay below 2^31");
}

void sgemm_local_tiles(Runtime& runtime, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                       cl_mem a, int64_t a_offset, int64_t lda, cl_mem b, int64_t b_offset, int64_t ldb, float beta,
                       cl_mem c, int64_t c_offset, int64_t ldc, cl_int bias_mode, cl_mem bias) {
  SgemmTiles t{};
  cl_kernel kernel = choose_tiles(runtime, trans_a, trans_b, &t);
  const size_t local[2] = {static_cast<size_t>(t.tn / t.wn), static_cast<size_t>(t.tm / t.wm)};
  const size_t global[2] = {round_up(n, t.tn) / static_cast<size_t>(t.wn), round_up(m, t.tm) / static_cast<size_t>(t.wm)};
  runtime.launch(kernel, "sgemm", 2, global, local, static_cast<cl_int>(m), static_cast<cl_int>(n),
                 static_cast<cl_int>(k), static_cast<cl_float>(alpha), a, static_cast<cl_long>(a_offset),
                 static_cast<cl_long>(lda), b, static_cast<cl_long>(b_offset), static_cast<cl_long>(ldb),
                 static_cast<cl_float>(beta), c, static_cast<cl_long>(c_offset), static_cast<cl_long>(ldc), bias,
                 bias_mode);
}

// Whether sgemm_panels packs op(B) into panels first. B stored transposed must be: its NR columns of one k are
// ldb apart, and only a packed panel gives the micro-kernel its vector loads. Otherwise packing pays when several
// work-items (row blocks) read the same column panel: read in place, each k step of a panel is a different row of
// B, ldb apart, which costs TLB and prefetch misses every time; packed, it is one stream. With one row block
// (m <= tiles * MR: conv forward with m = oc, dense with m = batch) every panel is read once and the packing pass
// is pure overhead. A is always read in place: MR rows (or MR consecutive floats when transposed) per k step.
bool pack_b(bool trans_b, int64_t row_blocks) { return trans_b || row_blocks > 1; }

void sgemm_panels(Runtime& runtime, const SgemmPanels& p, bool trans_a, bool trans_b, int64_t m, int64_t n,
                  int64_t k, float alpha, cl_mem a, int64_t a_offset, int64_t lda, cl_mem b, int64_t b_offset,
                  int64_t ldb, float beta, cl_mem c, int64_t c_offset, int64_t ldc, cl_int bias_mode, cl_mem bias) {
  const int64_t m_panels = (m + p.mr - 1) / p.mr, n_panels = (n + p.nr() - 1) / p.nr();
  // Fewer micro-tiles per work-item when the full count would leave compute units without work.
  const int64_t wanted_items = kItemsPerComputeUnit * std::max(1, runtime.device().compute_units);
  const int64_t tiles = std::clamp<int64_t>(m_panels * n_panels / wanted_items, 1, p.tiles);
  const int64_t row_blocks = (m_panels + tiles - 1) / tiles;
  const bool packed_b = pack_b(trans_b, row_blocks);
  const std::string options = panel_options(p, trans_a, trans_b, packed_b);
  // A fixed work-group size for the packing kernels: PoCL compiles a kernel again for every new work-group size,
  // which the driver's own choice (derived from the global size) would make a compile per GEMM shape.
  const size_t group = static_cast<size_t>(std::min<uint64_t>(
      {kPackGroup, runtime.device().max_work_group_size, runtime.device().max_work_item_sizes[0]}));
  const size_t pack_local[2] = {group, 1};
  // Packed operands are scratch of this call: the in-order queue runs the packs before the product, and a released
  // buffer lives until the commands using it are done.
  std::optional<Buffer> b_panels;
  if (packed_b) {
    b_panels.emplace(runtime.shared_from_this(), static_cast<size_t>(std::max<int64_t>(1, n_panels * p.nr() * k)),
                     Buffer::Contents::Unspecified);
    if (k > 0) {
      const size_t global[2] = {round_up(k, static_cast<int64_t>(group)), static_cast<size_t>(n_panels)};
      runtime.launch(runtime.kernel("sgemm_panels", options, "sgemm_pack_b"), "sgemm_pack_b", 2, global, pack_local,
                     static_cast<cl_int>(n), static_cast<cl_int>(k), b, static_cast<cl_long>(b_offset),
                     static_cast<cl_long>(ldb), b_panels->mem());
    }
  }
  const size_t global[2] = {static_cast<size_t>(n_panels), static_cast<size_t>(row_blocks)};
  const size_t local[2] = {1, 1};
  runtime.launch(runtime.kernel("sgemm_panels", options, "sgemm_panels"), "sgemm_panels", 2, global, local,
                 static_cast<cl_int>(m), static_cast<cl_int>(n), static_cast<cl_int>(k), static_cast<cl_float>(alpha),
                 a, static_cast<cl_long>(a_offset), static_cast<cl_long>(lda), packed_b ? b_panels->mem() : b,
                 static_cast<cl_long>(packed_b ? 0 : b_offset), static_cast<cl_long>(ldb),
                 static_cast<cl_float>(beta), c, static_cast<cl_long>(c_offset), static_cast<cl_long>(ldc), bias,
                 bias_mode, static_cast<cl_int>(tiles));
}

}  // namespace

std::string SgemmPlan::describe() const {
  if (family == SgemmFamily::Panels)
    return "panels " + std::to_string(panels.mr) + "x" + std::to_string(panels.nr()) + " (float" +
           std::to_string(panels.vector_width) + " x " + std::to_string(panels.vectors) + "), kc " +
           std::to_string(panels.kc) + ", up to " + std::to_string(panels.tiles) + " micro-tiles per work-item";
  return "local tiles " + std::to_string(tiles.tm) + "x" + std::to_string(tiles.tn) + "x" + std::to_string(tiles.tk) +
         ", " + std::to_string(tiles.wm) + "x" + std::to_string(tiles.wn) + " per work-item";
}

SgemmPlan sgemm_plan(Runtime& runtime, SgemmFamily family) {
  SgemmPlan plan;
  plan.family = family;
  if (family == SgemmFamily::Panels) {
    plan.panels = choose_panels(runtime.device());
    runtime.kernel("sgemm_panels", panel_options(plan.panels, false, false, false), "sgemm_panels");
  } else {
    choose_tiles(runtime, false, false, &plan.tiles);
  }
  return plan;
}

SgemmPlan sgemm_plan(Runtime& runtime) {
  // CPU drivers run a work-group as a loop on one thread: local memory is ordinary memory and every barrier
  // splits that loop, so the GPU kernel crawls there (2-5 GFLOP/s on PoCL at 1024^3); the packed register-blocked
  // kernel is the CPU's shape. GPUs and accelerators keep the local-memory tiles.
  const bool cpu = (runtime.device().type & CL_DEVICE_TYPE_CPU) != 0;
  return sgemm_plan(runtime, cpu ? SgemmFamily::Panels : SgemmFamily::LocalTiles);
}

void sgemm(Runtime& runtime, const SgemmPlan& plan, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k,
           float alpha, cl_mem a, int64_t a_offset, int64_t lda, cl_mem b, int64_t b_offset, int64_t ldb, float beta,
           cl_mem c, int64_t c_offset, int64_t ldc, cl_mem bias, BiasAlong bias_along) {
  check_dimensions(runtime, m, n, k);
  if (m == 0 || n == 0) return;
  // The kernels' bias_mode: 0 none, 1 bias[j] on every row, 2 bias[i] on every column.
  const cl_int bias_mode = bias == nullptr ? 0 : bias_along == BiasAlong::Columns ? 1 : 2;
  if (plan.family == SgemmFamily::Panels)
    sgemm_panels(runtime, plan.panels, trans_a, trans_b, m, n, k, alpha, a, a_offset, lda, b, b_offset, ldb, beta, c,
                 c_offset, ldc, bias_mode, bias);
  else
    sgemm_local_tiles(runtime, trans_a, trans_b, m, n, k, alpha, a, a_offset, lda, b, b_offset, ldb, beta, c,
                      c_offset, ldc, bias_mode, bias);
}

SgemmPlan sgemm(Runtime& runtime, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, cl_mem a,
                int64_t a_offset, int64_t lda, cl_mem b, int64_t b_offset, int64_t ldb, float beta, cl_mem c,
                int64_t c_offset, int64_t ldc, cl_mem bias, BiasAlong bias_along) {
  const SgemmPlan plan = sgemm_plan(runtime);
  sgemm(runtime, plan, trans_a, trans_b, m, n, k, alpha, a, a_offset, lda, b, b_offset, ldb, beta, c, c_offset, ldc,
        bias, bias_along);
  return plan;
}

}  // namespace cnn::opencl
