// The AVX-512 build of the element-wise inner loops (kernels/simd/simd_kernels.inc): 16 floats per vector.
#define CNN_SIMD_TABLE simd_kernels_avx512
#include "kernels/simd/simd_kernels.inc"
