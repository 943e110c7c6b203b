// C [m,n] = alpha * op(A) * op(B) + beta * C (+ bias[j] on every row when bias_mode is 1, + bias[i] on every
// column when it is 2), all row-major floats, for CPU devices: a register-blocked product with no local memory
// and no barriers, op(B) packed into NR-wide panels first when the host asks (PACK_B).
// Layout: op(A) is m x k (A stored k x m when TRANS_A), op(B) is k x n (B stored n x k when TRANS_B); packed
// b_panels are [ceil(n/NR)][k][NR], zero-padded past n.
// Reference: sgemm_ref in native/src/kernels/ref/ (the same contract; beta == 0 never reads C).
//
// The BLIS layering in OpenCL (see sgemm.cpp for the block sizes per device, set through -D): each work-item
// is one work-group and computes `tiles` MR x NR micro-tiles stacked along m for one NR-wide column panel,
// k in KC-deep slices, so that the B micro-panel (KC x NR) stays in L1 while the rows of A stream from L2.
// A CPU OpenCL driver (PoCL) runs work-groups as tasks on its threads; with one work-item per group and the
// accumulators in explicit floatVW vectors, the inner loop compiles to broadcast + FMA on MR x NV registers.

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define VEC CAT(float, VW)
#define VLOAD CAT(vload, VW)
#define VSTORE CAT(vstore, VW)
#define NR (VW * NV)

#if TRANS_B
#define B_AT(p, j) b[(long)(j) * ldb + (p)]
#else
#define B_AT(p, j) b[(long)(p) * ldb + (j)]
#endif

// b_panels[jp][p][c] = op(B)(p, jp*NR + c), 0 past n. Work-item (p, jp).
__kernel void sgemm_pack_b(const int n, const int k, __global const float* restrict b, const long b_offset,
                           const long ldb, __global float* restrict b_panels) {
  const int p = get_global_id(0), jp = get_global_id(1);
  if (p >= k) return;
  b += b_offset;
  __global float* out = b_panels + ((long)jp * k + p) * NR;
  for (int col = 0; col < NR; ++col) {
    const int j = jp * NR + col;
    out[col] = j < n ? B_AT(p, j) : 0.0f;
  }
}

// One micro-tile's k slice: acc += op(A)[i0.., k0..k0+depth) * op(B)[k0.., j0..], B vectors from LOAD_B(v).
#define MICRO_LOOP(LOAD_B, B_STEP)                                         \
  for (int p = 0; p < depth; ++p) {                                        \
    VEC bv[NV];                                                            \
    _Pragma("unroll") for (int v = 0; v < NV; ++v) bv[v] = LOAD_B(v);      \
    _Pragma("unroll") for (int r = 0; r < MR; ++r) {                       \
      const VEC av = (VEC)(pa[a_index[r]]);                                \
      _Pragma("unroll") for (int v = 0; v < NV; ++v)                       \
        acc[r][v] = fma(av, bv[v], acc[r][v]);                             \
    }                                                                      \
    pa += a_step;                                                          \
    pb += B_STEP;                                                          \
  }

#define LOAD_B_VECTOR(v) VLOAD(v, pb)
// The last column panel of an unpacked B: columns past n repeat column n-1 (their results are never stored).
#define LOAD_B_CLAMPED(v) gather_b(pb, (v) * VW, n - 1 - j0)

// Lanes first .. first+VW-1 of a row of B that starts at column j0, clamped to column `last` (relative to j0).
inline VEC gather_b(__global const float* row, int first, int last) {
  float lanes[VW];
  for (int e = 0; e < VW; ++e) lanes[e] = row[min(first + e, last)];
  return VLOAD(0, lanes);
}

// Work-item (jp, ib): column panel jp, micro-tiles ib*tiles .. ib*tiles + tiles-1 along m. The first k slice
// applies beta and the bias, later slices add to C; k == 0 still runs one (empty) slice, so C = beta*C + bias.
// op(A) is read where it is (rows past m repeat row m-1 and are never stored). PACK_B: b is b_panels (b_offset 0),
// else op(B) read where it is, columns past n repeating column n-1 in the last panel.
__kernel __attribute__((reqd_work_group_size(1, 1, 1)))
void sgemm_panels(const int m, const int n, const int k, const float alpha, __global const float* restrict a,
                  const long a_offset, const long lda, __global const float* restrict b, const long b_offset,
                  const long ldb, const float beta, __global float* c, const long c_offset, const long ldc,
                  __global const float* bias, const int bias_mode, const int tiles) {
  const int jp = get_global_id(0), ib = get_global_id(1);
  const int j0 = jp * NR;
  const int first_tile = ib * tiles;
  const int tile_count = min(tiles, (m + MR - 1) / MR - first_tile);
  a += a_offset;
  b += b_offset;
  c += c_offset;
  for (int k0 = 0; k0 == 0 || k0 < k; k0 += KC) {
    const int depth = min(KC, k - k0);
    const float c_scale = k0 == 0 ? beta : 1.0f;
    const bool add_bias = k0 == 0 && bias_mode != 0;
    for (int t = 0; t < tile_count; ++t) {
      const int ip = first_tile + t, i0 = ip * MR;
      long a_index[MR];  // where row r of the tile starts, from pa
#if TRANS_A
      __global const float* pa = a + (long)k0 * lda;
      const long a_step = lda;
#pragma unroll
      for (int r = 0; r < MR; ++r) a_index[r] = min(i0 + r, m - 1);
#else
      __global const float* pa = a + k0;
      const long a_step = 1;
#pragma unroll
      for (int r = 0; r < MR; ++r) a_index[r] = (long)min(i0 + r, m - 1) * lda;
#endif
      VEC acc[MR][NV];
#pragma unroll
      for (int r = 0; r < MR; ++r)
#pragma unroll
        for (int v = 0; v < NV; ++v) acc[r][v] = (VEC)(0.0f);
#if PACK_B
      __global const float* pb = b + ((long)jp * k + k0) * NR;
      MICRO_LOOP(LOAD_B_VECTOR, NR)
#else
      __global const float* pb = b + (long)k0 * ldb + j0;
      if (j0 + NR <= n) {
        MICRO_LOOP(LOAD_B_VECTOR, ldb)
      } else {
        MICRO_LOOP(LOAD_B_CLAMPED, ldb)
      }
#endif

      if (i0 + MR <= m && j0 + NR <= n) {  // whole tile: vector stores
#pragma unroll
        for (int r = 0; r < MR; ++r) {
          __global float* row = c + (long)(i0 + r) * ldc + j0;
#pragma unroll
          for (int v = 0; v < NV; ++v) {
            VEC value = alpha * acc[r][v];
            if (c_scale != 0.0f) value += c_scale * VLOAD(v, row);
            if (add_bias) value += bias_mode == 1 ? VLOAD(v, bias + j0) : (VEC)(bias[i0 + r]);
            VSTORE(value, v, row);
          }
        }
      } else {  // edge tile: element by element inside m x n
        for (int r = 0; r < MR && i0 + r < m; ++r) {
          __global float* row = c + (long)(i0 + r) * ldc + j0;
#pragma unroll
          for (int v = 0; v < NV; ++v) {
            float lanes[VW];
            VSTORE(acc[r][v], 0, lanes);
            for (int e = 0; e < VW && j0 + v * VW + e < n; ++e) {
              const int j = v * VW + e;
              float value = alpha * lanes[e];
              if (c_scale != 0.0f) value += c_scale * row[j];
              if (add_bias) value += bias_mode == 1 ? bias[j0 + j] : bias[i0 + r];
              row[j] = value;
            }
          }
        }
      }
    }
  }
}
