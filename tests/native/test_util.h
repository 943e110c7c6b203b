// Helpers shared by the native tests: RAII handles over the C ABI, seeded random data and the
// tolerance check |fast - ref| <= tol * (1 + |ref|) used for every kernel comparison.
#pragma once

#include <cnn/cnn.h>
#include <cnn/cnn_handles.hpp>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace cnn_test {

using cnn_cpp::ContextPtr;
using cnn_cpp::TensorPtr;

inline ContextPtr make_context(int32_t threads = 1) {
  cnn_context* c = nullptr;
  EXPECT_EQ(cnn_context_create(threads, &c), CNN_OK) << cnn_last_error_message();
  return ContextPtr(c);
}

inline TensorPtr make_tensor(cnn_context* ctx, std::vector<int64_t> shape) {
  cnn_tensor* t = nullptr;
  EXPECT_EQ(cnn_tensor_create(ctx, shape.data(), shape.size(), &t), CNN_OK) << cnn_last_error_message();
  return TensorPtr(t);
}

inline TensorPtr make_tensor(cnn_context* ctx, std::vector<int64_t> shape, const std::vector<float>& values) {
  TensorPtr t = make_tensor(ctx, std::move(shape));
  EXPECT_EQ(cnn_tensor_write(t.get(), values.data(), values.size()), CNN_OK) << cnn_last_error_message();
  return t;
}

inline std::vector<float> read_tensor(const cnn_tensor* t) {
  size_t count = 0;
  EXPECT_EQ(cnn_tensor_element_count(t, &count), CNN_OK);
  std::vector<float> out(count);
  EXPECT_EQ(cnn_tensor_read(t, out.data(), out.size()), CNN_OK) << cnn_last_error_message();
  return out;
}

inline std::vector<float> random_vector(size_t count, std::mt19937& rng, float lo = -1.0f, float hi = 1.0f) {
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(count);
  for (float& x : v) x = dist(rng);
  return v;
}

inline std::string shape_text(const std::vector<int64_t>& shape) {
  std::ostringstream s;
  s << '[';
  for (size_t i = 0; i < shape.size(); ++i) s << (i ? "," : "") << shape[i];
  s << ']';
  return s.str();
}

// Every element within tol * (1 + |ref|); the failure names the first bad index, both values and `what`.
inline ::testing::AssertionResult all_close(const std::vector<float>& fast, const std::vector<float>& ref,
                                            const std::string& what, float tol = 1e-4f) {
  if (fast.size() != ref.size())
    return ::testing::AssertionFailure() << what << ": sizes " << fast.size() << " != " << ref.size();
  for (size_t i = 0; i < ref.size(); ++i) {
    float diff = std::fabs(fast[i] - ref[i]);
    if (!(diff <= tol * (1.0f + std::fabs(ref[i]))))
      return ::testing::AssertionFailure() << what << ": element " << i << " is " << fast[i] << ", reference "
                                           << ref[i] << " (diff " << diff << ")";
  }
  return ::testing::AssertionSuccess();
}

// The status and that the thread's message contains `needle`.
inline ::testing::AssertionResult fails_with(cnn_status got, cnn_status expected, const std::string& needle) {
  std::string message = cnn_last_error_message();
  if (got != expected)
    return ::testing::AssertionFailure() << "status " << got << " != " << expected << " (message: " << message << ")";
  if (message.find(needle) == std::string::npos)
    return ::testing::AssertionFailure() << "message \"" << message << "\" lacks \"" << needle << "\"";
  return ::testing::AssertionSuccess();
}

// Central finite differences for backward passes. The scalar probed is L(x) = sum_i r_i * f(x)_i for a
// fixed random r (so dL/dy = r): `forward` maps x to f(x), `analytic` is the backward pass's dL/dx for
// dy = r. Checks `samples` random coordinates of x; `skip(x, i)` may exclude coordinates near a kink
// (ReLU at 0, max-pool ties). Passes when |numeric - analytic| <= tol * (1 + |analytic|).
template <class Forward, class Skip>
::testing::AssertionResult check_gradient(const std::string& what, std::vector<float> x, const std::vector<float>& r,
                                          const std::vector<float>& analytic, Forward forward, Skip skip,
                                          std::mt19937& rng, int samples = 200, float eps = 1e-3f,
                                          float tol = 1e-2f) {
  if (analytic.size() != x.size())
    return ::testing::AssertionFailure() << what << ": gradient has " << analytic.size() << " values, x has "
                                         << x.size();
  auto loss = [&](const std::vector<float>& at) {
    std::vector<float> y = forward(at);
    double sum = 0.0;
    for (size_t i = 0; i < y.size(); ++i) sum += static_cast<double>(r[i]) * y[i];
    return sum;
  };
  std::uniform_int_distribution<size_t> pick(0, x.size() - 1);
  int checked = 0;
  for (int s = 0; s < samples; ++s) {
    size_t i = samples >= static_cast<int>(x.size()) ? static_cast<size_t>(s) % x.size() : pick(rng);
    if (skip(x, i)) continue;
    const float saved = x[i];
    x[i] = saved + eps;
    double plus = loss(x);
    x[i] = saved - eps;
    double minus = loss(x);
    x[i] = saved;
    double numeric = (plus - minus) / (2.0 * eps);
    double diff = std::fabs(numeric - analytic[i]);
    if (!(diff <= tol * (1.0 + std::fabs(analytic[i]))))
      return ::testing::AssertionFailure() << what << ": d/dx[" << i << "] analytic " << analytic[i] << ", numeric "
                                           << numeric << " (diff " << diff << ")";
    ++checked;
  }
  if (checked < samples / 2)
    return ::testing::AssertionFailure() << what << ": only " << checked << " of " << samples
                                         << " coordinates were checked (too many skipped)";
  return ::testing::AssertionSuccess();
}

template <class Forward>
::testing::AssertionResult check_gradient(const std::string& what, std::vector<float> x, const std::vector<float>& r,
                                          const std::vector<float>& analytic, Forward forward, std::mt19937& rng,
                                          int samples = 200, float eps = 1e-3f, float tol = 1e-2f) {
  return check_gradient(
      what, std::move(x), r, analytic, forward, [](const std::vector<float>&, size_t) { return false; }, rng, samples,
      eps, tol);
}

}  // namespace cnn_test
