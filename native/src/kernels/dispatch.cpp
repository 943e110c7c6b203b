// Chooses the kernel table once per process. Order: avx512 > avx2 > generic > ref, capped by the
// environment variable CNN_MAX_ISA=ref|generic|avx2|avx512 (modelled on oneDNN's ONEDNN_MAX_CPU_ISA).
// Only the ref and generic tiers exist so far; the ISA tiers join here with CPUID + XGETBV detection.
#include <cstdlib>
#include <cstring>

#include "kernels/kernels.h"

namespace cnn {

namespace {

constexpr KernelTable kReferenceTable{
    "ref",
    sgemm_ref,
    conv2d_forward_ref,
    dense_forward_ref,
    maxpool2d_forward_ref,
    avgpool2d_forward_ref,
    global_avgpool2d_forward_ref,
    activation_forward_ref,
    softmax_forward_ref,
};

constexpr KernelTable kGenericTable{
    "generic",
    sgemm_generic,
    conv2d_forward_im2col,
    dense_forward_gemm,
    maxpool2d_forward_ref,
    avgpool2d_forward_ref,
    global_avgpool2d_forward_ref,
    activation_forward_ref,
    softmax_forward_ref,
};

const KernelTable& choose() {
  const char* cap = std::getenv("CNN_MAX_ISA");
  if (cap != nullptr && std::strcmp(cap, "ref") == 0) return kReferenceTable;
  return kGenericTable;
}

}  // namespace

const KernelTable& kernels() {
  static const KernelTable& table = choose();
  return table;
}

const KernelTable& reference_kernels() { return kReferenceTable; }
const KernelTable& generic_kernels() { return kGenericTable; }

}  // namespace cnn
