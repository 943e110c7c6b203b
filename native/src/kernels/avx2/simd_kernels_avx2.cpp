// The AVX2+FMA build of the element-wise inner loops (kernels/simd/simd_kernels.inc): 8 floats per vector.
#define CNN_SIMD_TABLE simd_kernels_avx2
#include "kernels/simd/simd_kernels.inc"
