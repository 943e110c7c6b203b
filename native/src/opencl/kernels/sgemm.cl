// C [m,n] = alpha * op(A) * op(B) + beta * C (+ bias[j] on every row when bias_mode is 1, + bias[i] on every
// column when it is 2), all row-major floats.
// Layout: op(A) is m x k (A stored k x m when TRANS_A), op(B) is k x n (B stored n x k when TRANS_B).
// Reference: sgemm_ref in native/src/kernels/ref/ (the same contract; beta == 0 never reads C).
//
// Tiling, set per device by the host through -D: a work-group computes a TM x TN block of C, staging TK-deep
// slices of op(A) and op(B) in local memory; each of its (TM/WM) x (TN/WN) work-items keeps WM x WN
// accumulators in registers. Its rows are ly + i*(TM/WM) and its columns lx + j*(TN/WN), so neighbouring
// work-items touch neighbouring columns: coalesced stores and conflict-free local reads on GPUs. Edges of
// any size are handled by zero-filling out-of-range tile elements and skipping out-of-range stores.

#define RM (TM / WM)  // work-items along m (local id 1)
#define RN (TN / WN)  // work-items along n (local id 0)
#define THREADS (RM * RN)

#if TRANS_A
#define A_AT(i, p) a[(long)(p) * lda + (i)]
#else
#define A_AT(i, p) a[(long)(i) * lda + (p)]
#endif
#if TRANS_B
#define B_AT(p, j) b[(long)(j) * ldb + (p)]
#else
#define B_AT(p, j) b[(long)(p) * ldb + (j)]
#endif

__kernel __attribute__((reqd_work_group_size(RN, RM, 1)))
void sgemm(const int m, const int n, const int k, const float alpha,
           __global const float* restrict a, const long a_offset, const long lda,
           __global const float* restrict b, const long b_offset, const long ldb,
           const float beta, __global float* c, const long c_offset, const long ldc,
           __global const float* bias, const int bias_mode) {
  __local float a_tile[TK][TM];
  __local float b_tile[TK][TN];

  const int lx = get_local_id(0), ly = get_local_id(1);
  const int tid = ly * RN + lx;
  const int m0 = get_group_id(1) * TM, n0 = get_group_id(0) * TN;
  a += a_offset;
  b += b_offset;
  c += c_offset;

  float acc[WM][WN];
  for (int i = 0; i < WM; ++i)
    for (int j = 0; j < WN; ++j) acc[i][j] = 0.0f;

  for (int k0 = 0; k0 < k; k0 += TK) {
    // Consecutive work-items read consecutive addresses of whichever layout A and B have.
    for (int e = tid; e < TM * TK; e += THREADS) {
#if TRANS_A
      const int i = e % TM, p = e / TM;
#else
      const int i = e / TK, p = e % TK;
#endif
      const int gi = m0 + i, gp = k0 + p;
      a_tile[p][i] = (gi < m && gp < k) ? A_AT(gi, gp) : 0.0f;
    }
    for (int e = tid; e < TN * TK; e += THREADS) {
#if TRANS_B
      const int j = e / TK, p = e % TK;
#else
      const int j = e % TN, p = e / TN;
#endif
      const int gj = n0 + j, gp = k0 + p;
      b_tile[p][j] = (gj < n && gp < k) ? B_AT(gp, gj) : 0.0f;
    }
    barrier(CLK_LOCAL_MEM_FENCE);

    for (int p = 0; p < TK; ++p) {
      float a_reg[WM], b_reg[WN];
      for (int i = 0; i < WM; ++i) a_reg[i] = a_tile[p][ly + i * RM];
      for (int j = 0; j < WN; ++j) b_reg[j] = b_tile[p][lx + j * RN];
      for (int i = 0; i < WM; ++i)
        for (int j = 0; j < WN; ++j) acc[i][j] += a_reg[i] * b_reg[j];
    }
    barrier(CLK_LOCAL_MEM_FENCE);
  }

  for (int i = 0; i < WM; ++i) {
    const int gi = m0 + ly + i * RM;
    if (gi >= m) break;
    for (int j = 0; j < WN; ++j) {
      const int gj = n0 + lx + j * RN;
      if (gj >= n) break;
      __global float* out = c + (long)gi * ldc + gj;
      float value = alpha * acc[i][j];
      if (beta != 0.0f) value += beta * *out;
      if (bias_mode == 1) value += bias[gj];
      else if (bias_mode == 2) value += bias[gi];
      *out = value;
    }
  }
}
