// Computes one 6x8 SGEMM micro-tile, c = alpha * A_panel * B_panel + beta * c, in portable C++ (any CPU).
// Layout: packed A [kc][6], packed B [kc][8] (zero-padded), c row-major with stride ldc, clipped to m x n.
// Reference kernel: sgemm_ref (kernels/ref/gemm_ref.cpp), through the driver in kernels/gemm/.
//
// 6x8 fits the 16 SSE registers of baseline x86-64: 12 accumulators, 2 B vectors, one broadcast of A.
// The accumulators are 4-float vectors (GCC/Clang vector extension), so the tile stays in registers.
#include "kernels/gemm/sgemm_driver.h"

namespace cnn {

namespace {
constexpr int kMR = 6;
constexpr int kNR = 8;
// Four floats as one SSE register: GCC/Clang vector extension, portable C++ code (no intrinsics header).
typedef float Float4 __attribute__((vector_size(16)));
}  // namespace

void sgemm_ukr_generic_6x8(int64_t kc, const float* __restrict a, const float* __restrict b, float alpha, float beta,
                           float* c, int64_t ldc, int64_t m, int64_t n, const UkrEpilogue* epilogue) {
  Float4 acc[kMR][2] = {};
  for (int64_t p = 0; p < kc; ++p) {
    Float4 b0, b1;
    __builtin_memcpy(&b0, b, sizeof b0);
    __builtin_memcpy(&b1, b + 4, sizeof b1);
#pragma GCC unroll 6
    for (int i = 0; i < kMR; ++i) {
      const Float4 ai = {a[i], a[i], a[i], a[i]};
      acc[i][0] += ai * b0;
      acc[i][1] += ai * b1;
    }
    a += kMR;
    b += kNR;
  }
  float tile[kMR][kNR];
  __builtin_memcpy(tile, acc, sizeof tile);
  const float* row_bias = epilogue != nullptr ? epilogue->row_bias : nullptr;
  const float* col_bias = epilogue != nullptr ? epilogue->col_bias : nullptr;
  const bool relu = epilogue != nullptr && epilogue->relu;
  for (int64_t i = 0; i < m; ++i) {
    float* c_row = c + i * ldc;
    if (beta == 0.0f) {  // C's old contents are ignored, even NaN
      for (int64_t j = 0; j < n; ++j) c_row[j] = alpha * tile[i][j];
    } else {
      for (int64_t j = 0; j < n; ++j) c_row[j] = alpha * tile[i][j] + beta * c_row[j];
    }
    // The epilogue (sgemm_driver.h): bias only when given (adding 0 would turn -0 into +0), ReLU keeps NaN.
    if (row_bias != nullptr || col_bias != nullptr) {
      const float rb = row_bias != nullptr ? row_bias[i] : 0.0f;
      for (int64_t j = 0; j < n; ++j) c_row[j] += rb + (col_bias != nullptr ? col_bias[j] : 0.0f);
    }
    if (relu) {
      for (int64_t j = 0; j < n; ++j) c_row[j] = c_row[j] < 0.0f ? 0.0f : c_row[j];
    }
  }
}

}  // namespace cnn
