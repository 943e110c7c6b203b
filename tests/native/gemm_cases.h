// SGEMM test cases shared by test_gemm.cpp (generic vs ref) and test_gemm_isa.cpp (every ISA tier vs ref):
// a case, its random operands with padded leading dimensions, and one run of a kernel on a copy of C.
#pragma once

#include <cstdint>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/context.h"
#include "kernels/kernels.h"
#include "test_util.h"

namespace cnn_test {

struct GemmCase {
  bool trans_a, trans_b;
  int64_t m, n, k;
  float alpha, beta;
  int64_t pad;  // extra columns in every leading dimension
};

inline std::string describe(const GemmCase& g, uint32_t seed) {
  std::ostringstream s;
  s << "seed " << seed << " m=" << g.m << " n=" << g.n << " k=" << g.k << " trans_a=" << g.trans_a
    << " trans_b=" << g.trans_b << " alpha=" << g.alpha << " beta=" << g.beta << " pad=" << g.pad;
  return s.str();
}

struct GemmData {
  std::vector<float> a, b, c;
  int64_t lda, ldb, ldc;
};

inline GemmData make_data(const GemmCase& g, std::mt19937& rng) {
  GemmData d;
  int64_t a_rows = g.trans_a ? g.k : g.m, a_cols = g.trans_a ? g.m : g.k;
  int64_t b_rows = g.trans_b ? g.n : g.k, b_cols = g.trans_b ? g.k : g.n;
  d.lda = a_cols + g.pad;
  d.ldb = b_cols + g.pad;
  d.ldc = g.n + g.pad;
  d.a = random_vector(static_cast<size_t>(a_rows * d.lda), rng);
  d.b = random_vector(static_cast<size_t>(b_rows * d.ldb), rng);
  d.c = random_vector(static_cast<size_t>(g.m * d.ldc), rng);
  for (int64_t i = 0; i < g.m; ++i) {
    for (int64_t j = 0; j < d.ldc; ++j) {
      float& v = d.c[static_cast<size_t>(i * d.ldc + j)];
      if (j >= g.n) v = 777.0f;  // past the row: must come back untouched
      else if (g.beta == 0.0f) v = std::numeric_limits<float>::quiet_NaN();  // beta == 0 ignores C, NaN included
    }
  }
  return d;
}

inline std::vector<float> run(cnn::SgemmFn fn, cnn_context& ctx, const GemmCase& g, const GemmData& d) {
  std::vector<float> c = d.c;
  fn(ctx, g.trans_a, g.trans_b, g.m, g.n, g.k, g.alpha, d.a.data(), d.lda, d.b.data(), d.ldb, g.beta, c.data(),
     d.ldc);
  return c;
}

}  // namespace cnn_test
