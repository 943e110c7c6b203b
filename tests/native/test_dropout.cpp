// Dropout through the C ABI: the Philox-4x32-10 generator against Random123's known answers, the mask as
// a pure function of (seed, index), the keep fraction within 5 sigma of 1 - rate on 1e6 elements, kept
// values scaled by 1 / (1 - rate), forward and backward dropping the same elements, in place, finite
// differences, the active kernel table against the reference, thread counts 1 and 2 giving identical bits,
// and every bad-argument path with its status and message.
#include <cnn/cnn.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <limits>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"
#include "kernels/kernels.h"
#include "kernels/ref/philox.h"
#include "kernels/simd/simd_kernels.h"
#include "simd_tiers.h"
#include "test_util.h"

namespace {

using namespace cnn_test;

using DropoutFn = cnn_status (*)(cnn_context*, const cnn_tensor*, float, uint64_t, cnn_tensor*);

std::vector<float> run(DropoutFn fn, cnn_context* ctx, const std::vector<float>& in, float rate, uint64_t seed) {
  const std::vector<int64_t> shape = {static_cast<int64_t>(in.size())};
  TensorPtr tin = make_tensor(ctx, shape, in);
  TensorPtr tout = make_tensor(ctx, shape, std::vector<float>(in.size(), std::nanf("")));
  EXPECT_EQ(fn(ctx, tin.get(), rate, seed, tout.get()), CNN_OK) << cnn_last_error_message();
  return read_tensor(tout.get());
}

size_t count_nonzero(const std::vector<float>& v) {
  size_t n = 0;
  for (float x : v) n += x != 0.0f;
  return n;
}

// ---- the generator ----------------------------------------------------------------------------

TEST(DropoutTest, PhiloxMatchesRandom123KnownAnswers) {
  // Random123 tests/kat_vectors, the three "philox4x32 10" lines: counter, key -> output.
  EXPECT_EQ(cnn::philox4x32_10({0, 0, 0, 0}, {0, 0}),
            (cnn::Philox4x32{0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u}));
  EXPECT_EQ(cnn::philox4x32_10({0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu}, {0xffffffffu, 0xffffffffu}),
            (cnn::Philox4x32{0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu}));
  EXPECT_EQ(cnn::philox4x32_10({0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u}, {0xa4093822u, 0x299f31d0u}),
            (cnn::Philox4x32{0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u}));
}

TEST(DropoutTest, KeepDecisionIsTheTop24BitsOfThePhiloxLane) {
  // Seed 0, elements 0..3: lanes of the all-zero block above. Element 0's uniform is 0x6627e8 / 2^24 =
  // 0.3990...: kept at exactly that rate, dropped at the next float up.
  const uint32_t zero_block[] = {0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u};
  for (uint64_t i = 0; i < 4; ++i) {
    const float u = static_cast<float>(zero_block[i] >> 8) / 16777216.0f;
    EXPECT_TRUE(cnn::dropout_keep(0, i, u)) << "element " << i << " u " << u;
    EXPECT_FALSE(cnn::dropout_keep(0, i, std::nextafter(u, 1.0f))) << "element " << i << " u " << u;
  }
  EXPECT_FLOAT_EQ(static_cast<float>(0x6627e8u) / 16777216.0f, 0.39904642f);
  // Element 4 * b + j uses lane j of counter b (low word, high word), the seed as the key (low, high).
  const uint64_t seed = 0x0123456789abcdefULL, index = 0x0000000500000007ULL * 4 + 2;
  const cnn::Philox4x32 block = cnn::philox4x32_10({7, 5, 0, 0}, {0x89abcdefu, 0x01234567u});
  const float u = static_cast<float>(block[2] >> 8) / 16777216.0f;
  EXPECT_TRUE(cnn::dropout_keep(seed, index, u));
  EXPECT_FALSE(cnn::dropout_keep(seed, index, std::nextafter(u, 1.0f)));
  EXPECT_TRUE(cnn::dropout_keep(seed, index, 0.0f));  // rate 0 keeps everything
}

// ---- the mask through the C ABI --------------------------------------------------------------------

TEST(DropoutTest, SameSeedSameMaskAndDifferentSeedsDiffer) {
  ContextPtr ctx = make_context();
  const std::vector<float> ones(100000, 1.0f);
  const std::vector<float> a = run(cnn_dropout_forward, ctx.get(), ones, 0.5f, 1);
  EXPECT_EQ(a, run(cnn_dropout_forward, ctx.get(), ones, 0.5f, 1));
  // Two independent masks at rate 0.5 disagree on half the elements: 50000 +- 158 (sigma).
  const std::vector<float> b = run(cnn_dropout_forward, ctx.get(), ones, 0.5f, 2);
  size_t differ = 0;
  for (size_t i = 0; i < a.size(); ++i) differ += a[i] != b[i];
  EXPECT_NEAR(static_cast<double>(differ), 50000.0, 5 * 158.0);
}

TEST(DropoutTest, KeepFractionIsWithinFiveSigmaOfOneMinusRate) {
  ContextPtr ctx = make_context(2);
  const double n = 1e6;
  const std::vector<float> ones(static_cast<size_t>(n), 1.0f);
  for (float rate : {0.1f, 0.5f, 0.9f}) {
    for (uint64_t seed : {uint64_t{0}, uint64_t{12345}, ~uint64_t{0}}) {
      const double kept = static_cast<double>(count_nonzero(run(cnn_dropout_forward, ctx.get(), ones, rate, seed)));
      const double sigma = std::sqrt(n * rate * (1.0 - rate));
      EXPECT_NEAR(kept, n * (1.0 - rate), 5 * sigma) << "rate " << rate << " seed " << seed;
    }
  }
}

TEST(DropoutTest, ForwardScalesKeptValuesAndZeroesTheRest) {
  ContextPtr ctx = make_context();
  std::mt19937 rng(1);
  const std::vector<float> x = random_vector(10007, rng, 0.5f, 2.0f);  // never 0, so a 0 means dropped
  for (float rate : {0.2f, 0.75f}) {
    const std::vector<float> y = run(cnn_dropout_forward, ctx.get(), x, rate, 77);
    for (size_t i = 0; i < x.size(); ++i) {
      if (cnn::dropout_keep(77, i, rate)) {
        ASSERT_NEAR(y[i], x[i] / (1.0f - rate), 1e-6f * y[i]) << "element " << i << " rate " << rate;
      } else {
        ASSERT_EQ(y[i], 0.0f) << "element " << i << " rate " << rate;
      }
    }
  }
  // rate 0 keeps every element unchanged.
  EXPECT_EQ(run(cnn_dropout_forward, ctx.get(), x, 0.0f, 77), x);
}

TEST(DropoutTest, BackwardDropsTheForwardElementsWithTheSameScale) {
  ContextPtr ctx = make_context();
  std::mt19937 rng(2);
  const std::vector<float> x = random_vector(5000, rng, 0.5f, 2.0f);
  const std::vector<float> dy = random_vector(5000, rng, 0.5f, 2.0f);
  const float rate = 0.3f;
  const std::vector<float> y = run(cnn_dropout_forward, ctx.get(), x, rate, 9);
  const std::vector<float> dx = run(cnn_dropout_backward, ctx.get(), dy, rate, 9);
  for (size_t i = 0; i < x.size(); ++i) {
    ASSERT_EQ(y[i] == 0.0f, dx[i] == 0.0f) << "element " << i;
    if (dx[i] != 0.0f) {
      ASSERT_NEAR(dx[i], dy[i] / (1.0f - rate), 1e-6f * dx[i]) << "element " << i;
    }
  }
  // The same call on the same data gives the same bits, forward or backward.
  EXPECT_EQ(run(cnn_dropout_backward, ctx.get(), x, rate, 9), y);
}

TEST(DropoutTest, GradientMatchesFiniteDifferences) {
  ContextPtr ctx = make_context();
  std::mt19937 rng(3);
  for (float rate : {0.0f, 0.4f}) {
    const std::vector<float> x = random_vector(301, rng);
    const std::vector<float> r = random_vector(301, rng);
    auto fwd = [&](const std::vector<float>& at) { return run(cnn_dropout_forward, ctx.get(), at, rate, 5); };
    EXPECT_TRUE(check_gradient("rate " + std::to_string(rate), x, r, run(cnn_dropout_backward, ctx.get(), r, rate, 5),
                               fwd, rng, 301));
  }
}

TEST(DropoutTest, InPlaceMatchesOutOfPlace) {
  ContextPtr ctx = make_context();
  std::mt19937 rng(4);
  const std::vector<float> x = random_vector(999, rng);
  for (DropoutFn fn : {cnn_dropout_forward, cnn_dropout_backward}) {
    TensorPtr t = make_tensor(ctx.get(), {999}, x);
    ASSERT_EQ(fn(ctx.get(), t.get(), 0.5f, 3, t.get()), CNN_OK) << cnn_last_error_message();
    EXPECT_EQ(read_tensor(t.get()), run(fn, ctx.get(), x, 0.5f, 3));
  }
}

// ---- the active table against the reference, and thread counts ------------------------------------

TEST(DropoutTest, ActiveKernelMatchesReference) {
  ASSERT_STREQ(cnn_active_isa(), cnn::kernels().isa);
  const bool same = cnn::kernels().dropout == cnn::reference_kernels().dropout;
  std::cout << "[   INFO   ] active ISA " << cnn_active_isa() << ": dropout "
            << (same ? "uses the reference kernel itself (ref vs ref until a faster kernel exists)"
                     : "uses a faster kernel, compared with the reference")
            << "\n";
  ContextPtr ctx = make_context();
  std::mt19937 rng(14);
  for (int64_t count : {1, 3, 4, 5, 7, 17, 33, 127, 70001}) {
    const std::vector<float> x = random_vector(static_cast<size_t>(count), rng);
    std::vector<float> ref(x.size());
    cnn::dropout_ref(*ctx, count, 0.35f, 42, x.data(), ref.data());
    ASSERT_TRUE(all_close(run(cnn_dropout_forward, ctx.get(), x, 0.35f, 42), ref, "count " + std::to_string(count)));
  }
}

// Every SIMD tier's dropout (kernels/simd/simd_kernels.inc, Philox on kWidth blocks at once) is the reference bit
// for bit: through each tier's table on counts around the 4 x kWidth step, rates from 0 to 1 and seeds using both
// key words, in place too; and its chunk function from element indices whose block counter carries into the
// high word inside one vector (blocks 2^32 - 3 ...), against dropout_keep.
TEST(DropoutTest, EveryTierMatchesReferenceBitForBit) {
  ContextPtr ctx = make_context(2);
  std::mt19937 rng(61);
  int tiers = 0;
  for (const SimdTier& tier : simd_tiers()) {
    const char* isa = tier.isa;
    const cnn::KernelTable* table = tier.table;
    ASSERT_NE(table->dropout, cnn::reference_kernels().dropout) << isa << " has its own dropout";
    ++tiers;
    for (int64_t count : {1, 2, 3, 4, 5, 31, 32, 33, 63, 64, 65, 100, 129, 1000, 70001}) {
      for (float rate : {0.0f, 0.1f, 0.5f, 0.9f, 1.0f}) {
        for (uint64_t seed : {uint64_t{0}, uint64_t{42}, uint64_t{0x123456789ABCDEF0}}) {
          const std::vector<float> x = random_vector(static_cast<size_t>(count), rng);
          std::vector<float> got(x.size(), std::nanf("")), ref(x.size(), std::nanf(""));
          table->dropout(*ctx, count, rate, seed, x.data(), got.data());
          cnn::dropout_ref(*ctx, count, rate, seed, x.data(), ref.data());
          ASSERT_EQ(std::memcmp(got.data(), ref.data(), got.size() * sizeof(float)), 0)
              << isa << " count " << count << " rate " << rate << " seed " << seed;
          std::vector<float> in_place = x;
          table->dropout(*ctx, count, rate, seed, in_place.data(), in_place.data());
          ASSERT_EQ(std::memcmp(in_place.data(), ref.data(), ref.size() * sizeof(float)), 0) << isa << " in place";
        }
      }
    }
  }
  const std::vector<std::pair<const char*, const cnn::SimdKernels* (*)()>> simd = {
#if defined(CNN_HAVE_AVX2)
      {"avx2", [] { return &cnn::simd_kernels_avx2(); }},
#endif
#if defined(CNN_HAVE_AVX512)
      {"avx512", [] { return &cnn::simd_kernels_avx512(); }},
#endif
  };
  for (const auto& [isa, get] : simd) {
    if (cnn::kernel_table(isa) == nullptr) continue;
    const int64_t first = 4 * ((int64_t{1} << 32) - 3);  // block counters 2^32 - 3, ..., 2^32 + ...
    const int64_t count = 4 * 40 + 3;
    const std::vector<float> x = random_vector(static_cast<size_t>(count), rng);
    std::vector<float> got(x.size());
    get()->dropout(0.5f, 99, first, count, x.data(), got.data());
    for (int64_t i = 0; i < count; ++i) {
      const float expected = cnn::dropout_keep(99, static_cast<uint64_t>(first + i), 0.5f) ? x[i] * 2.0f : 0.0f;
      ASSERT_EQ(got[i], expected) << isa << " element " << first + i;
    }
  }
  std::cout << "[   INFO   ] " << tiers << " tier(s) compared\n";
}

TEST(DropoutTest, OneAndTwoThreadsGiveIdenticalResults) {
  ContextPtr one = make_context(1);
  ContextPtr two = make_context(2);
  std::mt19937 rng(5);
  const std::vector<float> x = random_vector(1000003, rng);  // large enough to be split, not a multiple of 4
  for (DropoutFn fn : {cnn_dropout_forward, cnn_dropout_backward}) {
    const std::vector<float> a = run(fn, one.get(), x, 0.5f, 123), b = run(fn, two.get(), x, 0.5f, 123);
    ASSERT_EQ(a.size(), b.size());
    EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)), 0);
  }
}

// ---- bad arguments: the status and the message ---------------------------------------------------

class DropoutArgsTest : public ::testing::Test {
 protected:
  ContextPtr ctx = make_context();
  TensorPtr in = make_tensor(ctx.get(), {2, 3});
  TensorPtr out = make_tensor(ctx.get(), {2, 3});
  struct Op {
    DropoutFn fn;
    std::string prefix;  // "<function>: "
    const char* in_name;
    const char* out_name;
  };
  const Op ops[2] = {{cnn_dropout_forward, "cnn_dropout_forward: ", "x", "y"},
                     {cnn_dropout_backward, "cnn_dropout_backward: ", "dy", "dx"}};
};

TEST_F(DropoutArgsTest, NullArgumentsAreRejected) {
  for (const Op& op : ops) {
    ASSERT_EQ(op.fn(ctx.get(), in.get(), 0.5f, 1, out.get()), CNN_OK) << cnn_last_error_message();
    EXPECT_STREQ(cnn_last_error_message(), "");
    EXPECT_TRUE(
        fails_with(op.fn(nullptr, in.get(), 0.5f, 1, out.get()), CNN_INVALID_ARGUMENT, op.prefix + "context is null"));
    EXPECT_TRUE(fails_with(op.fn(ctx.get(), nullptr, 0.5f, 1, out.get()), CNN_INVALID_ARGUMENT,
                           op.prefix + op.in_name + " is null"));
    EXPECT_TRUE(fails_with(op.fn(ctx.get(), in.get(), 0.5f, 1, nullptr), CNN_INVALID_ARGUMENT,
                           op.prefix + op.out_name + " is null"));
  }
}

TEST_F(DropoutArgsTest, RateMustBeFiniteInZeroToOne) {
  for (const Op& op : ops) {
    auto call = [&](float rate) { return op.fn(ctx.get(), in.get(), rate, 1, out.get()); };
    EXPECT_TRUE(fails_with(call(-0.1f), CNN_INVALID_ARGUMENT, op.prefix + "rate -0.100000 must be in [0, 1)"));
    EXPECT_TRUE(fails_with(call(1.0f), CNN_INVALID_ARGUMENT, op.prefix + "rate 1.000000 must be in [0, 1)"));
    EXPECT_TRUE(fails_with(call(std::numeric_limits<float>::quiet_NaN()), CNN_INVALID_ARGUMENT,
                           op.prefix + "rate nan must be in [0, 1)"));
    EXPECT_TRUE(fails_with(call(std::numeric_limits<float>::infinity()), CNN_INVALID_ARGUMENT,
                           op.prefix + "rate inf must be in [0, 1)"));
    EXPECT_EQ(call(0.0f), CNN_OK) << cnn_last_error_message();
  }
}

TEST_F(DropoutArgsTest, ShapesMustMatchEvenWithTheSameElementCount) {
  out = make_tensor(ctx.get(), {3, 2});
  for (const Op& op : ops)
    EXPECT_TRUE(fails_with(op.fn(ctx.get(), in.get(), 0.5f, 1, out.get()), CNN_SHAPE_MISMATCH,
                           op.prefix + op.in_name + " is [2,3] but " + op.out_name + " is [3,2]: " + op.out_name +
                               " must have the shape of " + op.in_name));
}

// No second device exists yet, so the test marks a tensor's storage as foreign by hand.
TEST_F(DropoutArgsTest, TensorsOnAnotherDeviceAreRejected) {
  for (const Op& op : ops) {
    in->storage->device = static_cast<cnn::DeviceType>(7);
    EXPECT_TRUE(fails_with(op.fn(ctx.get(), in.get(), 0.5f, 1, out.get()), CNN_INVALID_ARGUMENT,
                           op.prefix + op.in_name + " [2,3] is on device 7 but the context is on device 0"));
    in->storage->device = cnn::DeviceType::Cpu;
    out->storage->device = static_cast<cnn::DeviceType>(7);
    EXPECT_TRUE(fails_with(op.fn(ctx.get(), in.get(), 0.5f, 1, out.get()), CNN_INVALID_ARGUMENT,
                           op.prefix + op.out_name + " [2,3] is on device 7 but the context is on device 0"));
    out->storage->device = cnn::DeviceType::Cpu;
  }
}

}  // namespace
