// Shared by the tests that compare each vector tier's table with the reference kernels (test_simd_kernels.cpp,
// test_optimizers.cpp, test_conv2d_backward.cpp, test_pool2d_backward.cpp, test_dropout.cpp,
// test_batchnorm2d.cpp): the AVX2 and AVX-512 tables this
// build has and this CPU runs, saying out loud which are skipped.
#pragma once

#include <iostream>
#include <vector>

#include "kernels/kernels.h"

namespace cnn_test {

struct SimdTier {
  const char* isa;
  const cnn::KernelTable* table;
};

inline std::vector<SimdTier> simd_tiers() {
  std::vector<SimdTier> out;
  for (const char* isa : {"avx2", "avx512"}) {
    const cnn::KernelTable* table = cnn::kernel_table(isa);
    if (table != nullptr) {
      out.push_back({isa, table});
    } else {
      std::cout << "[   INFO   ] " << isa << " tier not available in this build or on this CPU\n";
    }
  }
  return out;
}

}  // namespace cnn_test
