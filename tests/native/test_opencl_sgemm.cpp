// The OpenCL SGEMM's two kernel families (kernels/sgemm_panels.cl for CPU devices, kernels/sgemm.cl for GPUs)
// against sgemm_ref on random shapes: 1, primes, non-multiples of every micro-tile, of kc and of the micro-tiles
// per work-item, every transposition pair, alpha and beta (beta 0 over NaN, which must never be read), both bias
// modes, k == 0, leading dimensions and offsets. Both families run on device 0 whatever its type (the GPU family is
// forced onto a CPU driver through sgemm_plan(runtime, family)), and the test asserts which plan the device gets,
// so a silent fallback to the other family fails here. Tolerance as in test_opencl_dense.cpp.
#include <cnn/cnn.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <iostream>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/context.h"
#include "core/tensor.h"
#include "kernels/kernels.h"
#include "opencl/ops.h"
#include "opencl/runtime.h"
#include "test_opencl_util.h"
#include "test_util.h"

namespace {

using namespace cnn_test;
using cnn::opencl::BiasAlong;
using cnn::opencl::SgemmFamily;
using cnn::opencl::SgemmPlan;

float tolerance(int64_t k) { return 1e-5f * std::sqrt(static_cast<float>(std::max<int64_t>(k, 1))); }

cl_mem mem(const TensorPtr& t) { return t->storage->buffer->mem(); }

enum class Bias { None, Columns, Rows };

struct Case {
  int64_t m, n, k;
  bool trans_a, trans_b;
  float alpha, beta;
  Bias bias;
};

std::string describe(const Case& g, const SgemmPlan& plan, uint32_t seed) {
  std::ostringstream s;
  s << plan.describe() << ", seed " << seed << ": m " << g.m << " n " << g.n << " k " << g.k << (g.trans_a ? " A^T" : " A")
    << (g.trans_b ? " B^T" : " B") << " alpha " << g.alpha << " beta " << g.beta
    << (g.bias == Bias::None ? " no bias" : g.bias == Bias::Columns ? " bias[j]" : " bias[i]");
  return s.str();
}

// Runs one case on the device with `plan` and on the CPU with sgemm_ref plus the bias, and compares all of C
// (elements outside the m x n block, in the padding and the offset prefix, must come back untouched).
::testing::AssertionResult check_case(cnn_context* cpu, cnn_context* ocl, const SgemmPlan& plan, const Case& g,
                                      uint32_t seed) {
  std::mt19937 rng(seed);
  const int64_t lda = (g.trans_a ? g.m : g.k) + 3, ldb = (g.trans_b ? g.k : g.n) + 1, ldc = g.n + 2;
  const int64_t a_off = 5, b_off = 2, c_off = 3;
  std::vector<float> a = random_vector(static_cast<size_t>(a_off + (g.trans_a ? g.k : g.m) * lda), rng);
  std::vector<float> b = random_vector(static_cast<size_t>(b_off + (g.trans_b ? g.n : g.k) * ldb), rng);
  std::vector<float> c = random_vector(static_cast<size_t>(c_off + g.m * ldc), rng);
  std::vector<float> bias = random_vector(static_cast<size_t>(std::max<int64_t>(g.bias == Bias::Rows ? g.m : g.n, 1)), rng);
  if (g.beta == 0.0f)  // beta == 0 must overwrite C without reading it
    for (int64_t i = 0; i < g.m; ++i)
      for (int64_t j = 0; j < g.n; ++j) c[static_cast<size_t>(c_off + i * ldc + j)] = std::numeric_limits<float>::quiet_NaN();

  std::vector<float> ref = c;
  cnn::sgemm_ref(*cpu, g.trans_a, g.trans_b, g.m, g.n, g.k, g.alpha, a.data() + a_off, lda, b.data() + b_off, ldb,
                 g.beta, ref.data() + c_off, ldc);
  if (g.bias != Bias::None)
    for (int64_t i = 0; i < g.m; ++i)
      for (int64_t j = 0; j < g.n; ++j)
        ref[static_cast<size_t>(c_off + i * ldc + j)] += bias[static_cast<size_t>(g.bias == Bias::Rows ? i : j)];

  TensorPtr at = make_tensor(ocl, {static_cast<int64_t>(a.size())}, a);
  TensorPtr bt = make_tensor(ocl, {static_cast<int64_t>(b.size())}, b);
  TensorPtr ct = make_tensor(ocl, {static_cast<int64_t>(c.size())}, c);
  TensorPtr biast = make_tensor(ocl, {static_cast<int64_t>(bias.size())}, bias);
  cnn::opencl::sgemm(*ocl->opencl, plan, g.trans_a, g.trans_b, g.m, g.n, g.k, g.alpha, mem(at), a_off, lda, mem(bt),
                     b_off, ldb, g.beta, mem(ct), c_off, ldc, g.bias == Bias::None ? nullptr : mem(biast),
                     g.bias == Bias::Rows ? BiasAlong::Rows : BiasAlong::Columns);
  return all_close(read_tensor(ct.get()), ref, describe(g, plan, seed), tolerance(g.k));
}

// Shapes around every block size of both families: micro-tiles 4x8, 6x16, 8x32 and local tiles 4..64; kc 256
// (k 255, 256, 257, 600); 12 micro-tiles per work-item (m 97, 200, 777 are more than 12 tiles of 8 rows, with a
// partial last block); and the small ones (1, primes) where a single work-item covers everything.
constexpr int64_t kShapes[][3] = {
    {1, 1, 1},    {1, 1, 7},     {2, 3, 5},      {7, 1, 13},   {1, 33, 2},     {8, 32, 256},  {9, 33, 257},
    {17, 31, 255}, {31, 65, 64}, {33, 17, 600},  {97, 129, 3}, {200, 130, 37}, {65, 300, 1},  {127, 67, 129},
    {777, 45, 19}, {64, 1, 300}, {6, 16, 16},    {3, 97, 11},
};

void run_all(SgemmFamily family) {
  ContextPtr cpu = make_context(), ocl = make_opencl_context();
  cnn::opencl::Runtime& runtime = *ocl->opencl;
  const SgemmPlan plan = cnn::opencl::sgemm_plan(runtime, family);
  ASSERT_EQ(plan.family, family);
  std::cout << "[ plan     ] " << runtime.describe() << ": " << plan.describe() << "\n";
  const float alphas[] = {1.0f, 0.75f, -1.5f};
  const float betas[] = {0.0f, 1.0f, -1.25f};
  int index = 0;
  for (const auto& shape : kShapes)
    for (int trans = 0; trans < 4; ++trans) {
      // Alpha, beta and the bias mode cycle with different periods, so each shape and transposition pair meets
      // several combinations and every combination meets several shapes.
      const Case g{shape[0], shape[1], shape[2], (trans & 1) != 0, (trans & 2) != 0, alphas[index % 3],
                   betas[(index / 3) % 3], static_cast<Bias>(index % 4 == 3 ? 0 : index % 4)};
      ++index;
      ASSERT_TRUE(check_case(cpu.get(), ocl.get(), plan, g, 1000u + static_cast<uint32_t>(index)));
    }
  // Every alpha, beta and bias combination on one odd shape, and k == 0 (C = beta * C + bias).
  for (const float alpha : alphas)
    for (const float beta : betas)
      for (const Bias bias : {Bias::None, Bias::Columns, Bias::Rows}) {
        ASSERT_TRUE(check_case(cpu.get(), ocl.get(), plan, {19, 41, 23, true, false, alpha, beta, bias}, 7u));
        ASSERT_TRUE(check_case(cpu.get(), ocl.get(), plan, {5, 9, 0, false, true, alpha, beta, bias}, 8u));
      }
}

TEST(OpenCLSgemm, DeviceGetsTheFamilyOfItsType) {
  ContextPtr ocl = make_opencl_context();
  cnn::opencl::Runtime& runtime = *ocl->opencl;
  const cnn::opencl::DeviceInfo& d = runtime.device();
  const SgemmPlan plan = cnn::opencl::sgemm_plan(runtime);
  std::cout << "[ plan     ] " << runtime.describe() << " (native float width " << d.native_float_width
            << "): " << plan.describe() << "\n";
  if ((d.type & CL_DEVICE_TYPE_CPU) != 0) {
    ASSERT_EQ(plan.family, SgemmFamily::Panels) << "a CPU device must run the packed kernel, not the GPU tiles";
    // The micro-tile of sgemm.cpp's table for this width: two native vectors wide.
    const int expected_mr = d.native_float_width >= 16 ? 8 : d.native_float_width >= 8 ? 6 : 4;
    const int expected_width = d.native_float_width >= 16 ? 16 : d.native_float_width >= 8 ? 8 : 4;
    EXPECT_EQ(plan.panels.mr, expected_mr);
    EXPECT_EQ(plan.panels.vector_width, expected_width);
    EXPECT_EQ(plan.panels.nr(), 2 * expected_width);
  } else {
    EXPECT_EQ(plan.family, SgemmFamily::LocalTiles);
  }
  // What sgemm itself reports having run (a 1x1x1 product on scratch tensors).
  TensorPtr a = make_tensor(ocl.get(), {1}, {2.0f}), b = make_tensor(ocl.get(), {1}, {3.0f});
  TensorPtr c = make_tensor(ocl.get(), {1});
  const SgemmPlan ran = cnn::opencl::sgemm(runtime, false, false, 1, 1, 1, 1.0f, mem(a), 0, 1, mem(b), 0, 1, 0.0f,
                                           mem(c), 0, 1, nullptr);
  EXPECT_EQ(ran.family, plan.family);
  EXPECT_EQ(ran.describe(), plan.describe());
  EXPECT_EQ(read_tensor(c.get()), std::vector<float>{6.0f});
}

TEST(OpenCLSgemm, PanelsFamilyMatchesTheReference) { run_all(SgemmFamily::Panels); }

TEST(OpenCLSgemm, LocalTilesFamilyMatchesTheReference) { run_all(SgemmFamily::LocalTiles); }

TEST(OpenCLSgemm, EmptyProductsLeaveCAlone) {
  ContextPtr ocl = make_opencl_context();
  for (const SgemmFamily family : {SgemmFamily::Panels, SgemmFamily::LocalTiles}) {
    const SgemmPlan plan = cnn::opencl::sgemm_plan(*ocl->opencl, family);
    TensorPtr a = make_tensor(ocl.get(), {4}, {1, 2, 3, 4}), b = make_tensor(ocl.get(), {4}, {1, 2, 3, 4});
    TensorPtr c = make_tensor(ocl.get(), {4}, {5, 6, 7, 8});
    cnn::opencl::sgemm(*ocl->opencl, plan, false, false, 0, 2, 2, 1.0f, mem(a), 0, 2, mem(b), 0, 2, 0.0f, mem(c), 0,
                       2, nullptr);
    cnn::opencl::sgemm(*ocl->opencl, plan, false, false, 2, 0, 2, 1.0f, mem(a), 0, 2, mem(b), 0, 2, 0.0f, mem(c), 0,
                       2, nullptr);
    EXPECT_EQ(read_tensor(c.get()), (std::vector<float>{5, 6, 7, 8})) << plan.describe();
  }
}

}  // namespace
