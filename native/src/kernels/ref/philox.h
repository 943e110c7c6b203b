// Philox-4x32-10 (Salmon, Moraes, Dror, Shaw, "Parallel random numbers: as easy as 1, 2, 3", SC 2011;
// Random123's philox4x32 with 10 rounds): a counter-based generator, four 32-bit words per (counter, key).
// Layout: counter ctr[4], key key[2], output out[4]. Reference: Random123 kat_vectors (tests/native/test_dropout.cpp).
#pragma once

#include <array>
#include <cstdint>

namespace cnn {

using Philox4x32 = std::array<uint32_t, 4>;

// Ten rounds; the key is bumped by the Weyl constants before rounds 2..10, as in Random123.
inline Philox4x32 philox4x32_10(Philox4x32 ctr, std::array<uint32_t, 2> key) {
  constexpr uint64_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;
  constexpr uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      key[0] += kW0;
      key[1] += kW1;
    }
    const uint64_t p0 = kM0 * ctr[0];
    const uint64_t p1 = kM1 * ctr[2];
    ctr = {static_cast<uint32_t>(p1 >> 32) ^ ctr[1] ^ key[0], static_cast<uint32_t>(p1),
           static_cast<uint32_t>(p0 >> 32) ^ ctr[3] ^ key[1], static_cast<uint32_t>(p0)};
  }
  return ctr;
}

// The dropout stream: element `index` uses lane index % 4 of the block with counter {index / 4 (low and
// high words), 0, 0} under the key {seed (low and high words)}, turned into a uniform in [0, 1) from
// its top 24 bits (exact in float). Every dropout kernel (CPU tiers, OpenCL) must produce these values.
inline Philox4x32 dropout_block(uint64_t seed, uint64_t block) {
  return philox4x32_10({static_cast<uint32_t>(block), static_cast<uint32_t>(block >> 32), 0u, 0u},
                       {static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)});
}

inline float uniform24(uint32_t word) { return static_cast<float>(word >> 8) * 0x1p-24f; }

}  // namespace cnn
