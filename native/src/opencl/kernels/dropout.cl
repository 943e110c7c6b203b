// Inverted dropout: out[i] = keep(seed, i) ? in[i] * scale : 0 with scale = 1 / (1 - rate) from the host.
// Layout: flat arrays of count floats; in == out allowed. Reference: dropout_ref and cnn::dropout_keep
// (kernels/ref/dropout_ref.cpp, kernels/ref/philox.h): the mask must be the CPU's bit for bit.
//
// keep(seed, i) = uniform24(lane i % 4 of Philox-4x32-10 with counter {i / 4 low, i / 4 high, 0, 0} and key
// {seed low, seed high}) >= rate, uniform24(word) = (word >> 8) * 2^-24 (exact in float). Blocks of four
// elements, as the reference assigns them; work-item g owns blocks [g*chunk, min((g+1)*chunk, blocks)) (launch.h,
// elementwise_launch): a contiguous run on CPU devices, chunk 1 on GPUs.

uint4 philox4x32_10(uint4 ctr, uint2 key) {
  for (int round = 0; round < 10; ++round) {
    if (round > 0) key += (uint2)(0x9E3779B9u, 0xBB67AE85u);  // Weyl constants before rounds 2..10
    const uint hi0 = mul_hi(0xD2511F53u, ctr.x), lo0 = 0xD2511F53u * ctr.x;
    const uint hi1 = mul_hi(0xCD9E8D57u, ctr.z), lo1 = 0xCD9E8D57u * ctr.z;
    ctr = (uint4)(hi1 ^ ctr.y ^ key.x, lo1, hi0 ^ ctr.w ^ key.y, lo0);
  }
  return ctr;
}

// philox4x32_10 of four consecutive counters {b..b+3 low, high, 0, 0} at once, the four words of each block in
// one vector per word (lane k = block b + k): the same arithmetic lane for lane, in vector registers.
void philox4x32_10_x4(const ulong b, const uint2 key_in, uint4* w0, uint4* w1, uint4* w2, uint4* w3) {
  const ulong4 blocks = (ulong4)(b) + (ulong4)(0, 1, 2, 3);
  uint4 c0 = convert_uint4(blocks), c1 = convert_uint4(blocks >> 32), c2 = (uint4)(0u), c3 = (uint4)(0u);
  uint2 key = key_in;
  for (int round = 0; round < 10; ++round) {
    if (round > 0) key += (uint2)(0x9E3779B9u, 0xBB67AE85u);
    const uint4 hi0 = mul_hi((uint4)(0xD2511F53u), c0), lo0 = (uint4)(0xD2511F53u) * c0;
    const uint4 hi1 = mul_hi((uint4)(0xCD9E8D57u), c2), lo1 = (uint4)(0xCD9E8D57u) * c2;
    c0 = hi1 ^ c1 ^ (uint4)(key.x);
    c1 = lo1;
    c2 = hi0 ^ c3 ^ (uint4)(key.y);
    c3 = lo0;
  }
  *w0 = c0;
  *w1 = c1;
  *w2 = c2;
  *w3 = c3;
}

__kernel void dropout(const long count, const long chunk, const float rate, const float scale, const ulong seed,
                      __global const float* in, __global float* out) {
  const long blocks = (count + 3) / 4;
  const uint2 key = (uint2)((uint)seed, (uint)(seed >> 32));
  const long begin = get_global_id(0) * chunk, end = min(begin + chunk, blocks);
  const float4 threshold = (float4)(rate), scaled = (float4)(scale);
  long b = begin;
  // Sixteen elements (four blocks) per step while they are all inside the array.
  for (; b + 4 <= end && (b + 4) * 4 <= count; b += 4) {
    uint4 w0, w1, w2, w3;
    philox4x32_10_x4((ulong)b, key, &w0, &w1, &w2, &w3);
    const float16 uniform =
        convert_float16((uint16)(w0.s0, w1.s0, w2.s0, w3.s0, w0.s1, w1.s1, w2.s1, w3.s1, w0.s2, w1.s2, w2.s2, w3.s2,
                                 w0.s3, w1.s3, w2.s3, w3.s3) >> 8) * (1.0f / 16777216.0f);
    const int16 keep = isgreaterequal(uniform, (float16)(rate));
    vstore16(select((float16)(0.0f), vload16(0, in + b * 4) * (float16)(scale), keep), 0, out + b * 4);
  }
  for (; b < end; ++b) {
    const uint4 words = philox4x32_10((uint4)((uint)b, (uint)((ulong)b >> 32), 0u, 0u), key);
    const float4 uniform = convert_float4(words >> 8) * (1.0f / 16777216.0f);  // exact: words >> 8 < 2^24
    const int4 keep = isgreaterequal(uniform, threshold);
    const long i = b * 4;
    if (i + 4 <= count) {
      vstore4(select((float4)(0.0f), vload4(0, in + i) * scaled, keep), 0, out + i);
    } else {
      const int keeps[4] = {keep.x, keep.y, keep.z, keep.w};
      for (int lane = 0; i + lane < count; ++lane) out[i + lane] = keeps[lane] ? in[i + lane] * scale : 0.0f;
    }
  }
}
