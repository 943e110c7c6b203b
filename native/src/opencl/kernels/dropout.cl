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

__kernel void dropout(const long count, const long chunk, const float rate, const float scale, const ulong seed,
                      __global const float* in, __global float* out) {
  const long blocks = (count + 3) / 4;
  const uint2 key = (uint2)((uint)seed, (uint)(seed >> 32));
  const long begin = get_global_id(0) * chunk, end = min(begin + chunk, blocks);
  for (long b = begin; b < end; ++b) {
    const uint4 words = philox4x32_10((uint4)((uint)b, (uint)((ulong)b >> 32), 0u, 0u), key);
    const uint lanes[4] = {words.x, words.y, words.z, words.w};
    for (int lane = 0; lane < 4 && b * 4 + lane < count; ++lane) {
      const long i = b * 4 + lane;
      out[i] = (float)(lanes[lane] >> 8) * (1.0f / 16777216.0f) >= rate ? in[i] * scale : 0.0f;
    }
  }
}
