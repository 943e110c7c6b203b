// Chooses the kernel table once per process. Order: avx512 > avx2 > generic > ref, capped by the
// environment variable CNN_MAX_ISA=ref|generic|avx2|avx512 (modelled on oneDNN's ONEDNN_MAX_CPU_ISA and
// ONNX Runtime MLAS platform.cpp). A tier counts only when it was compiled in (CNN_HAVE_AVX2/AVX512), CPUID
// lists its instructions and XGETBV shows the OS saves its register state (YMM; opmask + ZMM for AVX-512).
// CNN_MAX_ISA is matched without regard to case; an unset, empty or unknown value means no cap (the best
// tier), never an abort.
#include <cstdlib>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "kernels/gemm/conv_direct.h"
#include "kernels/gemm/dense_direct.h"
#include "kernels/gemm/sgemm_driver.h"
#include "kernels/kernels.h"

namespace cnn {

namespace {

constexpr KernelTable kReferenceTable{
    "ref",
    sgemm_ref,
    nullptr,
    conv2d_forward_ref,
    dense_forward_ref,
    nullptr,
    nullptr,
    maxpool2d_forward_ref,
    avgpool2d_forward_ref,
    global_avgpool2d_forward_ref,
    activation_forward_ref,
    softmax_forward_ref,
    // training
    conv2d_backward_data_ref,
    conv2d_backward_filter_ref,
    bias_backward_ref,
    dense_backward_ref,
    maxpool2d_backward_ref,
    avgpool2d_backward_ref,
    global_avgpool2d_backward_ref,
    activation_backward_ref,
    softmax_backward_ref,
    softmax_cross_entropy_ref,
    dropout_ref,
    batchnorm2d_forward_training_ref,
    batchnorm2d_forward_inference_ref,
    batchnorm2d_backward_ref,
    sgd_update_ref,
    adam_update_ref,
    fill_ref,
    scale_ref,
    sum_squares_ref,
};

constexpr KernelTable kGenericTable{
    "generic",
    sgemm_generic,
    sgemm_kernel_generic,
    conv2d_forward_gemm,
    dense_forward_gemm,
    conv2d_forward_gemm_relu,
    dense_forward_gemm_relu,
    maxpool2d_forward_ref,
    avgpool2d_forward_ref,
    global_avgpool2d_forward_ref,
    activation_forward_ref,
    softmax_forward_ref,
    // training
    conv2d_backward_data_gemm,
    conv2d_backward_filter_gemm,
    bias_backward_ref,
    dense_backward_gemm,
    maxpool2d_backward_ref,
    avgpool2d_backward_ref,
    global_avgpool2d_backward_ref,
    activation_backward_ref,
    softmax_backward_ref,
    softmax_cross_entropy_ref,
    dropout_ref,
    batchnorm2d_forward_training_ref,
    batchnorm2d_forward_inference_ref,
    batchnorm2d_backward_ref,
    sgd_update_ref,
    adam_update_ref,
    fill_ref,
    scale_ref,
    sum_squares_ref,
};

// The ISA tiers are the generic table with their own SGEMM (which conv and dense reach through
// kernels().sgemm), their own vectorised pooling, activation, softmax, optimizer and dropout kernels, and the
// direct convolution (kernels/gemm/conv_direct.h: forward and both gradients, for the shapes the tier's choice
// functions give it; Winograd F(2x2, 5x5) and F(4x4, 3x3) for the stride-1 shapes kernels/gemm/conv_winograd.h
// picks; else im2col + GEMM) and dense forward pass that reads the weights in place (kernels/gemm/dense_direct.h).
#define CNN_ISA_TABLE(tier)                                                    \
  [] {                                                                        \
    KernelTable table = kGenericTable;                                        \
    table.isa = #tier;                                                         \
    table.sgemm = sgemm_##tier;                                                \
    table.sgemm_kernel = sgemm_kernel_##tier;                                  \
    table.maxpool2d_forward = maxpool2d_forward_##tier;                        \
    table.avgpool2d_forward = avgpool2d_forward_##tier;                        \
    table.global_avgpool2d_forward = global_avgpool2d_forward_##tier;          \
    table.activation_forward = activation_forward_##tier;                      \
    table.softmax_forward = softmax_forward_##tier;                            \
    table.maxpool2d_backward = maxpool2d_backward_##tier;                      \
    table.avgpool2d_backward = avgpool2d_backward_##tier;                      \
    table.global_avgpool2d_backward = global_avgpool2d_backward_##tier;        \
    table.activation_backward = activation_backward_##tier;                    \
    table.softmax_backward = softmax_backward_##tier;                          \
    table.dense_forward = dense_forward_direct_##tier;                         \
    table.dense_forward_relu = dense_forward_relu_direct_##tier;               \
    table.conv2d_forward = conv2d_forward_##tier;                              \
    table.conv2d_forward_relu = conv2d_forward_relu_##tier;                    \
    table.conv2d_backward_data = conv2d_backward_data_##tier;                  \
    table.conv2d_backward_filter = conv2d_backward_filter_##tier;              \
    table.bias_backward = bias_backward_##tier;                                \
    table.sum_squares = sum_squares_##tier;                                    \
    table.sgd_update = sgd_update_##tier;                                      \
    table.adam_update = adam_update_##tier;                                    \
    table.dropout = dropout_##tier;                                            \
    table.batchnorm2d_forward_training = batchnorm2d_forward_training_##tier;  \
    table.batchnorm2d_forward_inference = batchnorm2d_forward_inference_##tier; \
    table.batchnorm2d_backward = batchnorm2d_backward_##tier;                  \
    return table;                                                             \
  }()
#if defined(CNN_HAVE_AVX2)
constexpr KernelTable kAvx2Table = CNN_ISA_TABLE(avx2);
#endif
#if defined(CNN_HAVE_AVX512)
constexpr KernelTable kAvx512Table = CNN_ISA_TABLE(avx512);
#endif
#undef CNN_ISA_TABLE

// Tiers by rank; null where the tier was not compiled in.
constexpr int kTierCount = 4;
constexpr const char* kTierNames[kTierCount] = {"ref", "generic", "avx2", "avx512"};
constexpr const KernelTable* kTiers[kTierCount] = {
    &kReferenceTable,
    &kGenericTable,
#if defined(CNN_HAVE_AVX2)
    &kAvx2Table,
#else
    nullptr,
#endif
#if defined(CNN_HAVE_AVX512)
    &kAvx512Table,
#else
    nullptr,
#endif
};

struct CpuFeatures {
  bool avx2 = false;    // AVX2 + FMA, YMM state enabled by the OS
  bool avx512 = false;  // AVX-512 F, DQ, BW, VL, opmask and ZMM state enabled by the OS
};

#if defined(__x86_64__) || defined(__i386__)
uint64_t read_xcr0() {  // XGETBV(0), as inline asm so this file needs no -mxsave
  uint32_t lo = 0, hi = 0;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0u));
  return (static_cast<uint64_t>(hi) << 32) | lo;
}

CpuFeatures detect_cpu() {
  CpuFeatures f;
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid(1, &eax, &ebx, &ecx, &edx) == 0) return f;
  const bool osxsave = (ecx & (1u << 27)) != 0;  // XGETBV usable
  const bool avx = (ecx & (1u << 28)) != 0;
  const bool fma = (ecx & (1u << 12)) != 0;
  if (!osxsave || !avx) return f;
  const uint64_t xcr0 = read_xcr0();
  const bool ymm_state = (xcr0 & 0x6u) == 0x6u;     // XMM (bit 1) and YMM (bit 2)
  const bool zmm_state = (xcr0 & 0xE6u) == 0xE6u;   // plus opmask (5), ZMM_Hi256 (6), Hi16_ZMM (7)
  if (__get_cpuid_max(0, nullptr) < 7) return f;
  __cpuid_count(7, 0, eax, ebx, ecx, edx);
  const bool avx2 = (ebx & (1u << 5)) != 0;
  const bool avx512 = (ebx & (1u << 16)) != 0 && (ebx & (1u << 17)) != 0 &&  // F, DQ
                      (ebx & (1u << 30)) != 0 && (ebx & (1u << 31)) != 0;    // BW, VL
  f.avx2 = ymm_state && fma && avx2;
  f.avx512 = f.avx2 && zmm_state && avx512;
  return f;
}
#else
CpuFeatures detect_cpu() { return {}; }
#endif

bool tier_supported(int rank) {
  static const CpuFeatures cpu = detect_cpu();
  if (rank < 0 || rank >= kTierCount || kTiers[rank] == nullptr) return false;
  if (rank == 2) return cpu.avx2;
  if (rank == 3) return cpu.avx512;
  return true;
}

bool same_name(const char* a, const char* b) {  // ASCII, case-insensitive
  for (; *a != '\0' && *b != '\0'; ++a, ++b) {
    const char x = *a >= 'A' && *a <= 'Z' ? static_cast<char>(*a - 'A' + 'a') : *a;
    if (x != *b) return false;
  }
  return *a == *b;
}

int tier_rank(const char* name) {  // -1 when null or unknown
  if (name == nullptr) return -1;
  for (int rank = 0; rank < kTierCount; ++rank) {
    if (same_name(name, kTierNames[rank])) return rank;
  }
  return -1;
}

}  // namespace

const KernelTable* kernel_table(const char* isa) {
  const int rank = tier_rank(isa);
  return tier_supported(rank) ? kTiers[rank] : nullptr;
}

const KernelTable& choose_kernels(const char* max_isa) {
  int rank = tier_rank(max_isa);
  if (rank < 0) rank = kTierCount - 1;  // unset, empty or unknown: no cap
  for (; rank > 0; --rank) {
    if (tier_supported(rank)) return *kTiers[rank];
  }
  return kReferenceTable;
}

const KernelTable& kernels() {
  static const KernelTable& table = choose_kernels(std::getenv("CNN_MAX_ISA"));
  return table;
}

const KernelTable& reference_kernels() { return kReferenceTable; }

const SgemmKernel& blocked_gemm_kernel() {
  const KernelTable& active = kernels();
  return active.sgemm_kernel != nullptr ? active.sgemm_kernel() : sgemm_kernel_generic();
}
const KernelTable& generic_kernels() { return kGenericTable; }

}  // namespace cnn
