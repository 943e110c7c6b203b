// The SGEMM tiers: one block-size table and one micro-kernel per ISA, joined to the portable driver.
// Layout and semantics as SgemmFn in kernels/kernels.h (row-major, op(X) = X or X^T, beta == 0 ignores C).
// Reference kernel: sgemm_ref (kernels/ref/gemm_ref.cpp); tests/native/test_gemm_isa.cpp checks every tier.
//
// Block sizes, and where they come from (the 2-core Sapphire Rapids VM: 48 KiB L1d, 2 MiB L2 per core,
// large shared L3; see sgemm_driver.h for which block is meant for which cache). The driver splits each
// dimension into equal blocks no larger than these. MC is large on purpose: packed A only needs L3, and a
// large MC packs B fewer times.
#include "kernels/gemm/sgemm_driver.h"
#include "kernels/kernels.h"

namespace cnn {

namespace {

// Portable C++ (baseline x86-64, 16 SSE registers). A micro-panel 6 KiB in L1; B block KC x NC 256 KiB, sized
// for the small L2 of older CPUs, the ones this tier is for.
constexpr SgemmBlocking kGenericBlocking{6, 8, 2016, 256, 256};
constexpr SgemmKernel kGenericKernel{"sgemm_ukr_generic_6x8", kGenericBlocking, sgemm_ukr_generic_6x8, nullptr,
                                     nullptr};

#if defined(CNN_HAVE_AVX2)
// The BLIS haswell tile (6x16, 12 ymm accumulators). A micro-panel 6 KiB in L1, B block 1 MiB in L2.
constexpr SgemmBlocking kAvx2Blocking{6, 16, 2016, 256, 1024};
constexpr SgemmKernel kAvx2Kernel{"sgemm_ukr_avx2_6x16", kAvx2Blocking, sgemm_ukr_avx2_6x16,
                                  sgemm_pack_transposed_avx2, sgemm_pack_copy_avx2};
#endif

#if defined(CNN_HAVE_AVX512)
// 12x32 with row pairs broadcast together (24 zmm accumulators, 10 loads per 24 FMAs): 1.04-1.08x the 14x32 tile
// with a broadcast per row, which had been the fastest of 14x32, 12x32, 6x64, 8x48, 16x16 and 28x16 measured here
// (bench/README.md). A micro-panel 12 KiB in L1, B block 1 MiB in L2, A block up to 4 MiB in L3: MC 4092 rather
// than 2016 packs B once, not twice, at 2048 rows (2048^3: 1.013x on 1 thread, 0.99-1.02x on 2; same bits).
constexpr SgemmBlocking kAvx512Blocking{12, 32, 4092, 256, 1024};
constexpr SgemmKernel kAvx512Kernel{"sgemm_ukr_avx512_12x32", kAvx512Blocking, sgemm_ukr_avx512_12x32,
                                    sgemm_pack_transposed_avx512, sgemm_pack_copy_avx512};
#endif

template <const SgemmBlocking& B>
constexpr bool valid_blocking() {
  return B.mr > 0 && B.nr > 0 && B.kc > 0 && B.mc % B.mr == 0 && B.nc % B.nr == 0 &&
         B.mr * B.nr <= 64 * 64 && B.nr <= 64;  // the driver's staged tile; conv packing's kMaxConvPanelWidth
}
static_assert(valid_blocking<kGenericBlocking>(), "MC and NC must be multiples of MR and NR, MR x NR at most 64 x 64");
#if defined(CNN_HAVE_AVX2)
static_assert(valid_blocking<kAvx2Blocking>(), "MC and NC must be multiples of MR and NR, MR x NR at most 64 x 64");
#endif
#if defined(CNN_HAVE_AVX512)
static_assert(valid_blocking<kAvx512Blocking>(), "MC and NC must be multiples of MR and NR, MR x NR at most 64 x 64");
#endif

}  // namespace

const SgemmKernel& sgemm_kernel_generic() { return kGenericKernel; }

void sgemm_generic(cnn_context& ctx, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                   const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  sgemm_blocked(kGenericKernel, ctx, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

#if defined(CNN_HAVE_AVX2)
const SgemmKernel& sgemm_kernel_avx2() { return kAvx2Kernel; }

void sgemm_avx2(cnn_context& ctx, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  sgemm_blocked(kAvx2Kernel, ctx, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
#endif

#if defined(CNN_HAVE_AVX512)
const SgemmKernel& sgemm_kernel_avx512() { return kAvx512Kernel; }

void sgemm_avx512(cnn_context& ctx, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                  const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  sgemm_blocked(kAvx512Kernel, ctx, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
#endif

}  // namespace cnn
