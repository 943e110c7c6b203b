// The ISA tiers' transposing and copying packers (SgemmKernel::pack_transposed and pack_copy,
// kernels/<isa>/sgemm_pack_<isa>.cpp) against the portable ones (pack_strided_rows, kernels/gemm/sgemm_driver.cpp):
// bit for bit, over counts of 1, primes, multiples and non-multiples of the width, depths around the 16-float
// step, leading dimensions larger than the rows and offset sources; nothing written past the panels. Then the
// GEMMs that use them (dense forward and backward through each tier's table, transposed SGEMM operands) against
// the reference kernels.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <iostream>
#include <limits>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "core/context.h"
#include "kernels/gemm/sgemm_driver.h"
#include "kernels/kernels.h"
#include "test_util.h"

namespace {

using namespace cnn_test;

struct PackTier {
  const char* isa;
  cnn::SgemmTransposePackFn pack;
  cnn::SgemmCopyPackFn copy;
  std::vector<int64_t> widths;  // the widths the tier has code for (both packers)
};

// The tiers with a transposing packer that this CPU runs; says out loud which ones are skipped.
std::vector<PackTier> pack_tiers() {
  std::vector<PackTier> out;
#if defined(CNN_HAVE_AVX2)
  if (cnn::kernel_table("avx2") != nullptr) {
    out.push_back({"avx2", cnn::sgemm_pack_transposed_avx2, cnn::sgemm_pack_copy_avx2, {6, 16}});
  } else {
    std::cout << "skipped: CPU lacks AVX2\n";
  }
#else
  std::cout << "skipped: build lacks AVX2\n";
#endif
#if defined(CNN_HAVE_AVX512)
  if (cnn::kernel_table("avx512") != nullptr) {
    out.push_back({"avx512", cnn::sgemm_pack_transposed_avx512, cnn::sgemm_pack_copy_avx512, {12, 14, 16, 32, 64}});
  } else {
    std::cout << "skipped: CPU lacks AVX-512\n";
  }
#else
  std::cout << "skipped: build lacks AVX-512\n";
#endif
  return out;
}

// Random floats with a few special values (NaN, infinities, -0, denormals), so "bit-exact" means it.
std::vector<float> source(size_t count, std::mt19937& rng) {
  std::vector<float> v = random_vector(count, rng);
  const float special[] = {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                           -std::numeric_limits<float>::infinity(), -0.0f, std::numeric_limits<float>::denorm_min()};
  for (size_t i = 0; i < v.size(); i += 37) v[i] = special[(i / 37) % 5];
  return v;
}

TEST(GemmPack, TiersUseTheirTransposingPacker) {
  EXPECT_EQ(cnn::sgemm_kernel_generic().pack_transposed, nullptr) << "the generic tier packs portably";
#if defined(CNN_HAVE_AVX2)
  EXPECT_EQ(cnn::sgemm_kernel_avx2().pack_transposed, &cnn::sgemm_pack_transposed_avx2);
#endif
#if defined(CNN_HAVE_AVX512)
  EXPECT_EQ(cnn::sgemm_kernel_avx512().pack_transposed, &cnn::sgemm_pack_transposed_avx512);
#endif
  EXPECT_EQ(cnn::sgemm_kernel_generic().pack_copy, nullptr) << "the generic tier copies portably";
#if defined(CNN_HAVE_AVX2)
  EXPECT_EQ(cnn::sgemm_kernel_avx2().pack_copy, &cnn::sgemm_pack_copy_avx2);
#endif
#if defined(CNN_HAVE_AVX512)
  EXPECT_EQ(cnn::sgemm_kernel_avx512().pack_copy, &cnn::sgemm_pack_copy_avx512);
#endif
  for (const PackTier& t : pack_tiers()) {
    float dst[4] = {1, 2, 3, 4};
    const float src[4] = {5, 6, 7, 8};
    EXPECT_FALSE(t.pack(7, src, 2, 2, 2, dst)) << t.isa << " has no width-7 code and must say so";
    EXPECT_FALSE(t.copy(7, src, 2, 2, 2, dst)) << t.isa << " has no width-7 copy and must say so";
    EXPECT_EQ(dst[0], 1.0f) << t.isa << " wrote for a width it refused";
  }
}

TEST(GemmPack, CopyingPackersMatchThePortableOneBitForBit) {
  const int64_t counts[] = {1, 2, 3, 5, 6, 7, 13, 14, 15, 16, 17, 28, 31, 32, 33, 47, 64, 97, 100, 130};
  const int64_t depths[] = {1, 2, 3, 16, 17, 100, 257};
  constexpr int64_t kGuard = 64;  // floats after the panels that must stay untouched
  for (const PackTier& t : pack_tiers()) {
    std::mt19937 rng(778);
    int cases = 0;
    for (int64_t width : t.widths) {
      for (int64_t count : counts) {
        for (int64_t depth : depths) {
          const int64_t ld = count + static_cast<int64_t>(rng() % 3) * 7;  // == count or larger
          const int64_t offset = static_cast<int64_t>(rng() % 4);       // unaligned starts too
          const std::vector<float> src = source(static_cast<size_t>(offset + depth * ld), rng);
          const int64_t panels = (count + width - 1) / width;
          const size_t size = static_cast<size_t>(panels * width * depth + kGuard);
          std::vector<float> fast(size, 12345.0f), portable(size, 12345.0f);
          ASSERT_TRUE(t.copy(width, src.data() + offset, ld, count, depth, fast.data()));
          cnn::pack_strided_rows(src.data() + offset, ld, false, width, count, depth, portable.data());
          ASSERT_EQ(std::memcmp(fast.data(), portable.data(), size * sizeof(float)), 0)
              << t.isa << " width " << width << " count " << count << " depth " << depth << " ld " << ld
              << " offset " << offset;
          ++cases;
        }
      }
    }
    std::cout << t.isa << ": " << cases << " copies bit-identical to the portable packer\n";
  }
}

TEST(GemmPack, TransposingPackersMatchThePortableOneBitForBit) {
  const int64_t counts[] = {1, 2, 3, 5, 7, 13, 14, 15, 16, 17, 28, 31, 32, 33, 47, 64, 97, 100};
  const int64_t depths[] = {1, 2, 15, 16, 17, 31, 33, 100, 257};
  constexpr int64_t kGuard = 64;  // floats after the panels that must stay untouched
  for (const PackTier& t : pack_tiers()) {
    std::mt19937 rng(777);
    int cases = 0;
    for (int64_t width : t.widths) {
      for (int64_t count : counts) {
        for (int64_t depth : depths) {
          const int64_t ld = depth + static_cast<int64_t>(rng() % 3) * 5;  // == depth or larger
          const int64_t offset = static_cast<int64_t>(rng() % 4);       // unaligned starts too
          const std::vector<float> src = source(static_cast<size_t>(offset + count * ld), rng);
          const int64_t panels = (count + width - 1) / width;
          const size_t size = static_cast<size_t>(panels * width * depth + kGuard);
          std::vector<float> fast(size, 12345.0f), portable(size, 12345.0f);
          ASSERT_TRUE(t.pack(width, src.data() + offset, ld, count, depth, fast.data()));
          cnn::pack_strided_rows(src.data() + offset, ld, true, width, count, depth, portable.data());
          ASSERT_EQ(std::memcmp(fast.data(), portable.data(), size * sizeof(float)), 0)
              << t.isa << " width " << width << " count " << count << " depth " << depth << " ld " << ld
              << " offset " << offset;
          ++cases;
        }
      }
    }
    std::cout << t.isa << ": " << cases << " packs bit-identical to the portable packer\n";
  }
}

// pack_rows_transposed_part: the parts of 1-5 threads together write what one pack_rows_transposed call writes,
// bit for bit, each part its own depths (the other cells keep their old value), with a tier's packer and without.
TEST(GemmPack, PartsTogetherMatchOnePack) {
  std::vector<std::pair<const char*, cnn::SgemmTransposePackFn>> packers = {{"portable", nullptr}};
  for (const PackTier& t : pack_tiers()) packers.emplace_back(t.isa, t.pack);
  const int64_t counts[] = {1, 13, 16, 33, 70};
  const int64_t depths[] = {1, 15, 17, 40, 100, 257};
  const int64_t widths[] = {6, 14, 16, 32, 64};
  std::mt19937 rng(4321);
  for (const auto& [name, pack] : packers) {
    for (int64_t width : widths) {
      for (int64_t count : counts) {
        for (int64_t depth : depths) {
          const int64_t ld = depth + static_cast<int64_t>(rng() % 3);
          const std::vector<float> src = source(static_cast<size_t>(count * ld), rng);
          const size_t size = static_cast<size_t>((count + width - 1) / width * width * depth + 16);
          std::vector<float> whole(size, 12345.0f);
          cnn::pack_rows_transposed(pack, width, src.data(), ld, count, depth, whole.data());
          for (int parts = 1; parts <= 5; ++parts) {
            std::vector<float> joined(size, 12345.0f);
            for (int part = parts - 1; part >= 0; --part) {
              cnn::pack_rows_transposed_part(pack, width, src.data(), ld, count, depth, joined.data(), part, parts);
            }
            ASSERT_EQ(std::memcmp(whole.data(), joined.data(), size * sizeof(float)), 0)
                << name << " width " << width << " count " << count << " depth " << depth << " parts " << parts;
          }
        }
      }
    }
  }
}

// Dense forward and backward of every runnable tier's table against the reference, on random shapes whose
// sizes cross the packers' widths and depth steps.
TEST(GemmPack, DenseThroughEveryTierMatchesReference) {
  ContextPtr ctx = make_context(2);
  std::mt19937 rng(4321);
  std::uniform_int_distribution<int64_t> size(1, 90);
  for (const char* isa : {"generic", "avx2", "avx512"}) {
    const cnn::KernelTable* table = cnn::kernel_table(isa);
    if (table == nullptr) {
      std::cout << "skipped: CPU lacks " << isa << '\n';
      continue;
    }
    for (int i = 0; i < 25; ++i) {
      const int64_t n = size(rng), in = size(rng) * 3 + 1, out = size(rng);
      const std::vector<float> x = random_vector(static_cast<size_t>(n * in), rng);
      const std::vector<float> w = random_vector(static_cast<size_t>(out * in), rng);
      const std::vector<float> b = random_vector(static_cast<size_t>(out), rng);
      const std::vector<float> dy = random_vector(static_cast<size_t>(n * out), rng);
      const std::string what = std::string(isa) + " n " + std::to_string(n) + " in " + std::to_string(in) + " out " +
                               std::to_string(out);
      std::vector<float> y(static_cast<size_t>(n * out)), y_ref(y.size());
      table->dense_forward(*ctx, n, in, out, x.data(), w.data(), b.data(), y.data());
      cnn::dense_forward_ref(*ctx, n, in, out, x.data(), w.data(), b.data(), y_ref.data());
      ASSERT_TRUE(all_close(y, y_ref, "dense forward " + what));
      std::vector<float> dx(x.size()), dw(w.size()), dx_ref(x.size()), dw_ref(w.size());
      table->dense_backward(*ctx, n, in, out, x.data(), w.data(), dy.data(), dx.data(), dw.data());
      cnn::dense_backward_ref(*ctx, n, in, out, x.data(), w.data(), dy.data(), dx_ref.data(), dw_ref.data());
      ASSERT_TRUE(all_close(dx, dx_ref, "dense backward dx " + what));
      ASSERT_TRUE(all_close(dw, dw_ref, "dense backward dw " + what));
    }
  }
}

// op(A) = A and op(B) = B^T are the transposing cases; leading dimensions larger than the depth.
TEST(GemmPack, TransposedOperandsThroughEveryTierMatchReference) {
  ContextPtr ctx = make_context(1);
  std::mt19937 rng(99);
  std::uniform_int_distribution<int64_t> size(1, 120);
  for (const char* isa : {"generic", "avx2", "avx512"}) {
    const cnn::KernelTable* table = cnn::kernel_table(isa);
    if (table == nullptr) {
      std::cout << "skipped: CPU lacks " << isa << '\n';
      continue;
    }
    for (int i = 0; i < 30; ++i) {
      const bool trans_a = i % 2 == 1, trans_b = i % 3 != 0;
      const int64_t m = size(rng), n = size(rng), k = size(rng) * 2 + 1;
      const int64_t lda = (trans_a ? m : k) + static_cast<int64_t>(rng() % 9);
      const int64_t ldb = (trans_b ? k : n) + static_cast<int64_t>(rng() % 9);
      const std::vector<float> a = random_vector(static_cast<size_t>((trans_a ? k : m) * lda), rng);
      const std::vector<float> b = random_vector(static_cast<size_t>((trans_b ? n : k) * ldb), rng);
      std::vector<float> c(static_cast<size_t>(m * n)), c_ref(c.size());
      table->sgemm(*ctx, trans_a, trans_b, m, n, k, 1.0f, a.data(), lda, b.data(), ldb, 0.0f, c.data(), n);
      cnn::sgemm_ref(*ctx, trans_a, trans_b, m, n, k, 1.0f, a.data(), lda, b.data(), ldb, 0.0f, c_ref.data(), n);
      ASSERT_TRUE(all_close(c, c_ref,
                            std::string(isa) + " sgemm trans " + std::to_string(trans_a) + std::to_string(trans_b) +
                                " m " + std::to_string(m) + " n " + std::to_string(n) + " k " + std::to_string(k)));
    }
  }
}

}  // namespace
