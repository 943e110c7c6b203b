// Shared by the direct-kernel tests (test_conv2d_direct.cpp, test_dense_direct.cpp): of a test's list of tiers
// (AVX2, AVX-512: each with its kernel table, direct kernels, choice and entry functions), the ones this build has
// and this CPU runs, saying out loud which are skipped; and all their kernels, so every test runs each of them.
#pragma once

#include <iostream>
#include <vector>

namespace cnn_test {

// Tier: a struct with `const char* name` ("AVX2"), `const cnn::KernelTable* table` (null when the CPU lacks the
// tier) and `std::vector<const Kernel*> kernels`.
template <class Tier>
std::vector<Tier> runnable(const std::vector<Tier>& tiers) {
  std::vector<Tier> out;
  for (const Tier& t : tiers) {
    if (t.table != nullptr) {
      out.push_back(t);
    } else {
      std::cout << "skipped: CPU lacks " << t.name << '\n';
    }
  }
  return out;
}

template <class Tier>
auto runnable_kernels(const std::vector<Tier>& tiers) {
  decltype(tiers.front().kernels) kernels;
  for (const Tier& t : runnable(tiers)) kernels.insert(kernels.end(), t.kernels.begin(), t.kernels.end());
  return kernels;
}

}  // namespace cnn_test
