// Convolution test cases shared by the conv tests (test_conv2d*.cpp): a case type, its geometry written out
// independently of the library, a printable description, a random-case generator and a case's random data.
#pragma once

#include <cnn/cnn.h>

#include <cstdint>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "kernels/kernels.h"
#include "test_util.h"

namespace cnn_test {

struct ConvCase {
  int64_t n, c, h, w, oc, kh, kw;
  cnn_conv2d_params p;
  bool bias;
};

// Written out independently of the library.
inline int64_t conv_out_size(int64_t in, int64_t k, int32_t stride, int32_t pad0, int32_t pad1, int32_t dilation) {
  return (in + pad0 + pad1 - dilation * (k - 1) - 1) / stride + 1;
}

inline cnn::Conv2dGeometry geometry(const ConvCase& s) {
  return {s.n,
          s.c,
          s.h,
          s.w,
          s.oc,
          s.kh,
          s.kw,
          conv_out_size(s.h, s.kh, s.p.stride_h, s.p.pad_top, s.p.pad_bottom, s.p.dilation_h),
          conv_out_size(s.w, s.kw, s.p.stride_w, s.p.pad_left, s.p.pad_right, s.p.dilation_w),
          s.p.stride_h,
          s.p.stride_w,
          s.p.pad_top,
          s.p.pad_left,
          s.p.dilation_h,
          s.p.dilation_w};
}

inline std::string describe(const ConvCase& s, uint32_t seed) {
  std::ostringstream t;
  t << "seed " << seed << " x [" << s.n << "," << s.c << "," << s.h << "," << s.w << "] w [" << s.oc << "," << s.c
    << "," << s.kh << "," << s.kw << "] stride " << s.p.stride_h << "x" << s.p.stride_w << " pad t/b/l/r "
    << s.p.pad_top << "/" << s.p.pad_bottom << "/" << s.p.pad_left << "/" << s.p.pad_right << " dilation "
    << s.p.dilation_h << "x" << s.p.dilation_w << (s.bias ? " with bias" : " no bias");
  return t.str();
}

// A random valid case: the padded input always holds at least one dilated window.
inline ConvCase random_case(std::mt19937& rng) {
  auto pick = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  auto pick32 = [&](int32_t lo, int32_t hi) { return std::uniform_int_distribution<int32_t>(lo, hi)(rng); };
  for (;;) {
    ConvCase s{};
    s.n = pick(0, 3) == 0 ? 1 : pick(1, 3);
    s.c = pick(1, 7);
    s.h = pick(1, 19);
    s.w = pick(1, 19);
    s.oc = pick(1, 9);
    s.kh = pick(1, 7);
    s.kw = pick(1, 7);
    s.p = {pick32(1, 3), pick32(1, 3), pick32(0, 3), pick32(0, 3), pick32(0, 3), pick32(0, 3), pick32(1, 2),
           pick32(1, 2)};
    s.bias = pick(0, 1) == 1;
    if (s.h + s.p.pad_top + s.p.pad_bottom >= s.p.dilation_h * (s.kh - 1) + 1 &&
        s.w + s.p.pad_left + s.p.pad_right >= s.p.dilation_w * (s.kw - 1) + 1)
      return s;
  }
}

// A forward case's random input, weights and (when the case has one) bias, in [-1, 1).
struct ConvData {
  std::vector<float> x, w, bias;
};

inline ConvData make_conv_data(const ConvCase& s, std::mt19937& rng) {
  ConvData d;
  d.x = random_vector(static_cast<size_t>(s.n * s.c * s.h * s.w), rng);
  d.w = random_vector(static_cast<size_t>(s.oc * s.c * s.kh * s.kw), rng);
  if (s.bias) d.bias = random_vector(static_cast<size_t>(s.oc), rng);
  return d;
}

// The reference forward pass of a case (conv2d_forward_ref, then ReLU when asked): the oracle of the fast kernels.
inline std::vector<float> run_conv_ref(cnn_context& ctx, const ConvCase& s, const ConvData& d, bool relu) {
  const cnn::Conv2dGeometry g = geometry(s);
  std::vector<float> y(static_cast<size_t>(g.n * g.oc * g.oh * g.ow));
  cnn::conv2d_forward_ref(ctx, g, d.x.data(), d.w.data(), s.bias ? d.bias.data() : nullptr, y.data());
  if (relu) cnn::activation_forward_ref(ctx, CNN_ACTIVATION_RELU, 0.0f, static_cast<int64_t>(y.size()), y.data(), y.data());
  return y;
}

}  // namespace cnn_test
