// The OpenCL tiled SGEMM (kernels/sgemm.cl) and cnn_dense_forward on an OpenCL context, against the CPU
// reference kernels: random shapes with 1, primes and non-multiples of every tile size, all four
// transpositions with alpha, beta and buffer offsets, and 1024^3 against the CPU's fastest SGEMM.
// Tolerance: |device - ref| <= 1e-5 * sqrt(K) * (1 + |ref|), K the summed dimension (float rounding of a
// K-term dot product grows like sqrt(K) when the summation orders differ).
#include <cnn/cnn.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
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

float tolerance(int64_t k) { return 1e-5f * std::sqrt(static_cast<float>(k)); }

cl_mem mem(const TensorPtr& t) { return t->storage->buffer->mem(); }

TEST(OpenCLDense, ForwardMatchesTheReferenceKernel) {
  ContextPtr cpu = make_context(), ocl = make_opencl_context();
  const int64_t ns[] = {1, 3, 17, 64}, ins[] = {1, 7, 33, 127, 257}, outs[] = {1, 5, 31, 128};
  std::mt19937 rng(2024);
  int cases = 0, transposed = 0;
  const auto runtime = cnn::opencl::Runtime::for_device(0);
  for (int64_t n : ns)
    for (int64_t in : ins)
      for (int64_t out : outs) {
        const bool with_bias = (cases++ % 2) == 0;
        std::ostringstream what;
        what << "seed 2024 case " << cases << ": x [" << n << "," << in << "] w [" << out << "," << in << "]"
             << (with_bias ? " with bias" : " no bias");
        std::vector<float> x = random_vector(static_cast<size_t>(n * in), rng);
        std::vector<float> w = random_vector(static_cast<size_t>(out * in), rng);
        std::vector<float> b = random_vector(static_cast<size_t>(out), rng);
        std::vector<float> ref(static_cast<size_t>(n * out));
        cnn::dense_forward_ref(*cpu, n, in, out, x.data(), w.data(), with_bias ? b.data() : nullptr, ref.data());

        TensorPtr xt = make_tensor(ocl.get(), {n, in}, x), wt = make_tensor(ocl.get(), {out, in}, w);
        TensorPtr bt = make_tensor(ocl.get(), {out}, b), yt = make_tensor(ocl.get(), {n, out});
        ASSERT_EQ(cnn_dense_forward(ocl.get(), xt.get(), wt.get(), with_bias ? bt.get() : nullptr, yt.get()), CNN_OK)
            << what.str() << ": " << cnn_last_error_message();
        ASSERT_TRUE(all_close(read_tensor(yt.get()), ref, what.str(), tolerance(in)));
        transposed += cnn::opencl::dense_forward_transposed(*runtime, n, out) ? 1 : 0;
      }
  // On devices whose SGEMM packs a transposed operand (CPU devices), both forms ran: y = x * w^T and y = (w * x^T)^T.
  if (cnn::opencl::sgemm_plan(*runtime).family == cnn::opencl::SgemmFamily::Panels) {
    EXPECT_GT(transposed, 0);
    EXPECT_LT(transposed, cases);
  } else {
    EXPECT_EQ(transposed, 0);
  }
  std::printf("[ dense    ] %d of %d forward cases computed y^T then transposed\n", transposed, cases);
}

TEST(OpenCLDense, ForwardChecksShapesAsOnTheCpu) {
  ContextPtr ocl = make_opencl_context();
  TensorPtr x = make_tensor(ocl.get(), {4, 3}), w = make_tensor(ocl.get(), {2, 5}), y = make_tensor(ocl.get(), {4, 2});
  EXPECT_TRUE(fails_with(cnn_dense_forward(ocl.get(), x.get(), w.get(), nullptr, y.get()), CNN_SHAPE_MISMATCH,
                         "cnn_dense_forward: x is [4,3] but w is [2,5]: input features 3 != 5"));
}

// op(A) m x k and op(B) k x n stored with leading dimensions larger than needed and at float offsets, so
// that every index expression of the kernel is exercised.
TEST(OpenCLSgemm, AllTranspositionsOddSizesAlphaBetaOffsets) {
  ContextPtr cpu = make_context(), ocl = make_opencl_context();
  cnn::opencl::Runtime& runtime = *ocl->opencl;
  std::cout << "[ plan     ] " << runtime.describe() << ": " << cnn::opencl::sgemm_plan(runtime).describe() << "\n";
  const int64_t sizes[][3] = {{1, 1, 1}, {3, 7, 5}, {17, 33, 127}, {65, 1, 66}, {1, 129, 3}, {127, 67, 1}};
  std::mt19937 rng(99);
  for (const auto& size : sizes)
    for (int trans = 0; trans < 4; ++trans) {
      const bool ta = trans & 1, tb = trans & 2;
      const int64_t m = size[0], n = size[1], k = size[2];
      const int64_t lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 2, ldc = n + 1;
      const int64_t a_off = 5, b_off = 1, c_off = 7;
      const float alpha = 0.75f, beta = trans == 3 ? 0.0f : -1.25f;
      std::ostringstream what;
      what << "m " << m << " n " << n << " k " << k << (ta ? " A^T" : " A") << (tb ? " B^T" : " B") << " beta "
           << beta;
      std::vector<float> a = random_vector(static_cast<size_t>(a_off + (ta ? k : m) * lda), rng);
      std::vector<float> b = random_vector(static_cast<size_t>(b_off + (tb ? n : k) * ldb), rng);
      std::vector<float> c = random_vector(static_cast<size_t>(c_off + m * ldc), rng);
      std::vector<float> ref = c;
      cnn::sgemm_ref(*cpu, ta, tb, m, n, k, alpha, a.data() + a_off, lda, b.data() + b_off, ldb, beta,
                     ref.data() + c_off, ldc);

      TensorPtr at = make_tensor(ocl.get(), {static_cast<int64_t>(a.size())}, a);
      TensorPtr bt = make_tensor(ocl.get(), {static_cast<int64_t>(b.size())}, b);
      TensorPtr ct = make_tensor(ocl.get(), {static_cast<int64_t>(c.size())}, c);
      cnn::opencl::sgemm(runtime, ta, tb, m, n, k, alpha, mem(at), a_off, lda, mem(bt), b_off, ldb, beta, mem(ct),
                         c_off, ldc, nullptr);
      // Elements outside the m x n block (padding columns, the offset prefix) must come back untouched.
      ASSERT_TRUE(all_close(read_tensor(ct.get()), ref, what.str(), tolerance(k)));
    }
}

TEST(OpenCLSgemm, Cube1024MatchesTheCpu) {
  ContextPtr cpu = make_context(0), ocl = make_opencl_context();
  constexpr int64_t kSize = 1024;
  std::mt19937 rng(1024);
  std::vector<float> a = random_vector(kSize * kSize, rng), b = random_vector(kSize * kSize, rng);
  std::vector<float> ref(kSize * kSize);
  // The CPU's fastest tier whatever CNN_MAX_ISA says: each tier is checked against sgemm_ref elsewhere, and
  // sgemm_ref itself would take seconds here.
  const cnn::KernelTable& best = cnn::choose_kernels(nullptr);
  best.sgemm(*cpu, false, false, kSize, kSize, kSize, 1.0f, a.data(), kSize, b.data(), kSize, 0.0f,
                       ref.data(), kSize);
  TensorPtr at = make_tensor(ocl.get(), {kSize, kSize}, a), bt = make_tensor(ocl.get(), {kSize, kSize}, b);
  TensorPtr ct = make_tensor(ocl.get(), {kSize, kSize});
  cnn::opencl::sgemm(*ocl->opencl, false, false, kSize, kSize, kSize, 1.0f, mem(at), 0, kSize, mem(bt), 0, kSize,
                     0.0f, mem(ct), 0, kSize, nullptr);
  EXPECT_TRUE(all_close(read_tensor(ct.get()), ref, "1024^3 against the CPU's " + std::string(best.isa) + " SGEMM",
                        tolerance(kSize)));
}

}  // namespace
