// sgemm_pack_a + sgemm_prepacked_a on every SGEMM tier this CPU runs, against sgemm_ref followed by the epilogue
// written out here: C in column segments (tiles straddling two or three segments are staged), row and column
// bias, ReLU, depths across several KC blocks, m and n not multiples of MR / NR, 1 and 2 threads (identical bits).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <iostream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "core/context.h"
#include "kernels/gemm/sgemm_driver.h"
#include "kernels/kernels.h"
#include "test_util.h"

namespace {

using namespace cnn_test;

std::vector<const cnn::SgemmKernel*> runnable_kernels() {
  std::vector<const cnn::SgemmKernel*> out{&cnn::sgemm_kernel_generic()};
#if defined(CNN_HAVE_AVX2)
  if (cnn::kernel_table("avx2") != nullptr) out.push_back(&cnn::sgemm_kernel_avx2());
  else std::cout << "skipped: CPU lacks AVX2\n";
#endif
#if defined(CNN_HAVE_AVX512)
  if (cnn::kernel_table("avx512") != nullptr) out.push_back(&cnn::sgemm_kernel_avx512());
  else std::cout << "skipped: CPU lacks AVX-512\n";
#endif
  return out;
}

struct Case {
  int64_t m, n, k, segment;  // segment 0: plain C
  bool row_bias, col_bias, relu;
};

// C's element (i, j) in the segmented layout: segment j / s holds an m x s matrix, rows `s` apart.
size_t at(const Case& t, int64_t i, int64_t j) {
  if (t.segment == 0) return static_cast<size_t>(i * t.n + j);
  return static_cast<size_t>((j / t.segment) * t.m * t.segment + i * t.segment + j % t.segment);
}

TEST(GemmPrepacked, EveryTierMatchesReferenceWithSegmentsAndEpilogue) {
  const Case cases[] = {
      {1, 1, 1, 0, false, false, false},      {7, 33, 5, 0, true, true, true},
      {64, 196 * 3, 800, 196, true, false, false}, {32, 784 * 2, 25, 784, true, false, true},
      {17, 10 * 7, 300, 7, true, true, true},  // segments narrower than a tile: a tile spans up to 5 of them
      {29, 5 * 13, 513, 13, false, true, true}, {3, 3 * 49, 9, 49, false, false, true},
  };
  ContextPtr one = make_context(1), two = make_context(2);
  uint32_t seed = 60;
  for (const cnn::SgemmKernel* kernel : runnable_kernels()) {
    for (const Case& t : cases) {
      std::mt19937 rng(++seed);
      const std::vector<float> a = random_vector(static_cast<size_t>(t.m * t.k), rng);
      const std::vector<float> b = random_vector(static_cast<size_t>(t.k * t.n), rng);
      const std::vector<float> rb = random_vector(static_cast<size_t>(t.m), rng);
      const std::vector<float> cb = random_vector(static_cast<size_t>(t.n), rng);
      // Reference: plain C = A * B, the epilogue, then laid out in segments.
      std::vector<float> plain(static_cast<size_t>(t.m * t.n));
      cnn::sgemm_ref(*one, false, false, t.m, t.n, t.k, 1.0f, a.data(), t.k, b.data(), t.n, 0.0f, plain.data(), t.n);
      std::vector<float> ref(plain.size());
      for (int64_t i = 0; i < t.m; ++i) {
        for (int64_t j = 0; j < t.n; ++j) {
          float v = plain[static_cast<size_t>(i * t.n + j)];
          if (t.row_bias || t.col_bias) v += (t.row_bias ? rb[static_cast<size_t>(i)] : 0.0f) +
                                             (t.col_bias ? cb[static_cast<size_t>(j)] : 0.0f);
          if (t.relu) v = v < 0.0f ? 0.0f : v;
          ref[at(t, i, j)] = v;
        }
      }
      std::vector<float> packed(static_cast<size_t>(cnn::sgemm_packed_a_floats(*kernel, t.m, t.k)));
      cnn::sgemm_pack_a(*kernel, t.m, t.k, cnn::strided_operand(a.data(), t.k, true), packed.data());
      const cnn::GemmEpilogue e{t.row_bias ? rb.data() : nullptr, t.col_bias ? cb.data() : nullptr, t.relu};
      std::vector<float> first;
      for (cnn_context* ctx : {one.get(), two.get()}) {
        std::vector<float> c(ref.size(), std::numeric_limits<float>::quiet_NaN());
        const int64_t ldc = t.segment == 0 ? t.n : t.segment;
        cnn::sgemm_prepacked_a(*kernel, *ctx, t.m, t.n, t.k, packed.data(), cnn::strided_operand(b.data(), t.n, false),
                               c.data(), ldc, t.segment, t.m * t.segment, e);
        const std::string what = std::string(kernel->name) + " seed " + std::to_string(seed) + " m " +
                                 std::to_string(t.m) + " n " + std::to_string(t.n) + " k " + std::to_string(t.k) +
                                 " segment " + std::to_string(t.segment) + ", " +
                                 std::to_string(ctx->threads.load()) + " threads";
        ASSERT_TRUE(all_close(c, ref, what));
        if (first.empty()) {
          first = c;
        } else {
          ASSERT_EQ(std::memcmp(c.data(), first.data(), c.size() * sizeof(float)), 0) << what;
        }
      }
    }
  }
}

}  // namespace
