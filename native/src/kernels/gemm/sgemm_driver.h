// The BLIS-style SGEMM driver (portable packing, MC/KC/NC loops, threading) and the contract of the
// ISA-specific micro-kernels it calls. Layout: row-major C = alpha * op(A) * op(B) + beta * C.
// Reference kernel: sgemm_ref (kernels/ref/gemm_ref.cpp). Block sizes per ISA live in sgemm_tiers.cpp.
//
// This header is included by the ISA files (compiled with -mavx2 / -mavx512f ...): it must stay free of
// inline functions and templates, or the linker could pick an AVX copy of them for portable callers.
#pragma once

#include <cstdint>

struct cnn_context;

namespace cnn {

// One micro-tile: c[m x n] (row stride ldc) = alpha * A_panel * B_panel + beta * c, with 1 <= m <= MR and
// 1 <= n <= NR. beta == 0 ignores c's old contents (NaN included); elements outside m x n are never touched.
// a: the packed A micro-panel, kc x MR stored [p][MR]; b: the packed B micro-panel, kc x NR stored [p][NR],
// 64-byte aligned; both are zero-padded past the matrix edge, so the product itself is always a full tile.
// `epilogue` (null: none) is then applied in registers before the store: c[i][j] += row_bias[i] + col_bias[j]
// (each term only when its pointer is not null; the pointers are at the tile's first row and first column and
// only the m rows / n columns inside C are read), then max(c, 0) when relu (NaN and -0 pass through, as in
// activation_forward_ref).
struct UkrEpilogue {
  const float* row_bias;
  const float* col_bias;
  bool relu;
};
using SgemmUkrFn = void (*)(int64_t kc, const float* a, const float* b, float alpha, float beta, float* c,
                            int64_t ldc, int64_t m, int64_t n, const UkrEpilogue* epilogue);

// Cache blocking of one tier. MR x NR is the micro-tile; MR x KC floats of packed A (one micro-panel) are
// meant for L1, KC x NC of packed B for L2, MC x KC of packed A for L3. MC % MR == 0 and NC % NR == 0.
struct SgemmBlocking {
  int64_t mr, nr, mc, kc, nc;
};

// A tier's own packer for the transposing case of a strided operand (element (r, p) at src[r * ld + p]: rows of
// A, or B stored transposed, e.g. x and w of the dense forward): the same panels as the portable packer,
// ceil(count / width) panels of width x kc, dst[q * width * kc + p * width + r], 0 past `count`. Returns false,
// writing nothing, for a width it has no code for; the driver then packs portably.
using SgemmTransposePackFn = bool (*)(int64_t width, const float* src, int64_t ld, int64_t count, int64_t kc,
                                      float* dst);

// A tier's own packer for the copying case (element (r, p) at src[p * ld + r]: B as stored, or A stored
// transposed): the same panels as the portable packer, and false, writing nothing, for a width it has no code for.
using SgemmCopyPackFn = bool (*)(int64_t width, const float* src, int64_t ld, int64_t count, int64_t kc, float* dst);

struct SgemmKernel {
  const char* name;  // e.g. "sgemm_ukr_avx512_12x32": what a test or benchmark reports
  SgemmBlocking blocking;
  SgemmUkrFn ukr;  // the MR x NR micro-kernel; A is packed in MR-row panels, B in NR-column panels
  // Used by the driver for operands made by strided_operand(..., true) when not null (the ISA tiers); the
  // generic tier keeps the portable packer. Custom packers (conv_operands.cpp) still call pack_strided_rows.
  SgemmTransposePackFn pack_transposed;
  // Likewise for operands made by strided_operand(..., false).
  SgemmCopyPackFn pack_copy;
};

// An operand that packs itself, so the GEMM can read matrices that are never stored: convolution packs
// straight from the image (im2col inside the packing) and a filter gradient's depth runs across the images of
// a batch. `pack` writes the rows [first, first + count) of op(A) (for A) or the columns of op(B) (for B),
// over depths [depth_begin, depth_begin + depth), as ceil(count / width) panels of width x depth:
// dst[q * width * depth + p * width + r] = element (first + q * width + r, depth_begin + p), 0 past `count`.
struct GemmOperand;
using GemmPackFn = void (*)(const GemmOperand& self, int64_t width, int64_t first, int64_t count,
                            int64_t depth_begin, int64_t depth, float* dst);
struct GemmOperand {
  GemmPackFn pack;
  const float* data;  // the matrix (strided operands) or the image/gradient data a custom packer reads
  int64_t ld;         // its leading dimension (strided operands)
  const void* extra;  // a custom packer's description (e.g. the convolution geometry), else null
};

// A matrix in memory: element (row, depth) at data[row * ld + depth] when rows_are_contiguous_in_depth
// (rows of A, or B stored transposed), else at data[depth * ld + row].
GemmOperand strided_operand(const float* data, int64_t ld, bool rows_are_contiguous_in_depth);

// Packs `count` rows of a strided matrix as above (first = 0, depth_begin = 0 at `src`); custom packers use it
// for the pieces of their operand that are plain matrices.
void pack_strided_rows(const float* src, int64_t ld, bool rows_are_contiguous_in_depth, int64_t width, int64_t count,
                       int64_t depth, float* dst);

// Packs rows src[r * ld + p] (r < count, p < depth) into width-wide panels, zero past `count`: with `fast` (a
// tier's transposing packer, may be null) when it has code for the width, else with pack_strided_rows. The
// direct kernels lay out their weights, x^T and dy^T this way (conv_direct.cpp, dense_direct.cpp).
void pack_rows_transposed(SgemmTransposePackFn fast, int64_t width, const float* src, int64_t ld, int64_t count,
                          int64_t depth, float* dst);

// Part `part` of `parts` of pack_rows_transposed's output (the same bits): a run of depths (a multiple of 16, so
// the tiers' packers stay on whole 16 x 16 transposes) across every panel. Each thread of a team packs its part,
// then the team meets at a barrier before reading dst: a weight pack (200 KB for the reference network's second
// convolution, mostly read from L3) no longer runs on one thread while the others wait.
void pack_rows_transposed_part(SgemmTransposePackFn fast, int64_t width, const float* src, int64_t ld, int64_t count,
                               int64_t depth, float* dst, int part, int parts);

// Applied to each finished tile of C by the micro-kernel's write-back after its last depth block (UkrEpilogue):
// c[i][j] += row_bias[i] (when not null) + col_bias[j] (when not null), then max(c, 0) when relu.
struct GemmEpilogue {
  const float* row_bias;
  const float* col_bias;
  bool relu;
};

// C = alpha * op(A) * op(B) + beta * C, then the epilogue; op(A) is m x k, op(B) is k x n, both described by
// their packers. Threads as in sgemm_blocked.
void sgemm_operands(const SgemmKernel& kernel, cnn_context& ctx, int64_t m, int64_t n, int64_t k, float alpha,
                    const GemmOperand& a, const GemmOperand& b, float beta, float* c, int64_t ldc,
                    const GemmEpilogue& epilogue);

// A packed once for many GEMMs with the same op(A) (a convolution's weights, reused by every image): all of
// op(A)'s m x k in MR-row panels over the whole depth, panel i at dst + i * MR * k (element (i * MR + r, p) at
// [p * MR + r], 0 past row m). sgemm_packed_a_floats gives the size of dst: ceil(m / MR) * MR * k floats.
int64_t sgemm_packed_a_floats(const SgemmKernel& kernel, int64_t m, int64_t k);
void sgemm_pack_a(const SgemmKernel& kernel, int64_t m, int64_t k, const GemmOperand& a, float* dst);

// C = op(A) * op(B) (alpha 1, beta 0), then the epilogue, with A from sgemm_pack_a (same kernel, m and k), so
// it is never packed again. C's columns may come in segments, each its own matrix: column j of C lies at
// c + (j / segment) * segment_stride + j % segment (rows ldc apart), e.g. the images of a convolution's batch
// (segment = OH*OW, segment_stride = OC*OH*OW); segment == 0 means one plain matrix. A micro-tile across two
// segments is staged through a local tile and scattered. Threads as in sgemm_blocked.
void sgemm_prepacked_a(const SgemmKernel& kernel, cnn_context& ctx, int64_t m, int64_t n, int64_t k,
                       const float* packed_a, const GemmOperand& b, float* c, int64_t ldc, int64_t segment,
                       int64_t segment_stride, const GemmEpilogue& epilogue);

// The whole GEMM on one tier: splits M and N (never K) between ctx.threads, so every element of C is summed
// in the same order whatever the thread count. No allocation once the per-thread pack buffers have grown.
void sgemm_blocked(const SgemmKernel& kernel, cnn_context& ctx, bool trans_a, bool trans_b, int64_t m, int64_t n,
                   int64_t k, float alpha, const float* a, int64_t lda, const float* b, int64_t ldb, float beta,
                   float* c, int64_t ldc);

// The kernel description of each compiled tier (sgemm_tiers.cpp); tests and benchmarks print its name.
const SgemmKernel& sgemm_kernel_generic();
const SgemmKernel& sgemm_kernel_avx2();    // only when built with CNN_HAVE_AVX2
const SgemmKernel& sgemm_kernel_avx512();  // only when built with CNN_HAVE_AVX512

// ---- micro-kernels, one file each: kernels/<isa>/sgemm_ukr_<isa>_<MR>x<NR>.cpp --------------------------
void sgemm_ukr_generic_6x8(int64_t kc, const float* a, const float* b, float alpha, float beta, float* c,
                           int64_t ldc, int64_t m, int64_t n,
                           const UkrEpilogue* epilogue);
void sgemm_ukr_avx2_6x16(int64_t kc, const float* a, const float* b, float alpha, float beta, float* c,
                         int64_t ldc, int64_t m, int64_t n,
                         const UkrEpilogue* epilogue);
// ---- transposing packers, one file each: kernels/<isa>/sgemm_pack_<isa>.cpp ----------------------------
bool sgemm_pack_transposed_avx2(int64_t width, const float* src, int64_t ld, int64_t count, int64_t kc,
                                float* dst);  // widths 6 and 16
bool sgemm_pack_transposed_avx512(int64_t width, const float* src, int64_t ld, int64_t count, int64_t kc,
                                  float* dst);  // widths 12, 14, 16, 32 and 64
// ---- copying packers, in the same files ----------------------------------------------------------------
bool sgemm_pack_copy_avx2(int64_t width, const float* src, int64_t ld, int64_t count, int64_t kc,
                          float* dst);  // widths 6 and 16
bool sgemm_pack_copy_avx512(int64_t width, const float* src, int64_t ld, int64_t count, int64_t kc,
                            float* dst);  // widths 12, 14, 16, 32 and 64

void sgemm_ukr_avx512_12x32(int64_t kc, const float* a, const float* b, float alpha, float beta, float* c,
                            int64_t ldc, int64_t m, int64_t n,
                            const UkrEpilogue* epilogue);

}  // namespace cnn
