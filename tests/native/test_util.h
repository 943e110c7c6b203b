// Helpers shared by the native tests: RAII handles over the C ABI, seeded random data and the
// tolerance check |fast - ref| <= tol * (1 + |ref|) used for every kernel comparison.
#pragma once

#include <cnn/cnn.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace cnn_test {

struct ContextDeleter {
  void operator()(cnn_context* c) const { cnn_context_destroy(c); }
};
struct TensorDeleter {
  void operator()(cnn_tensor* t) const { cnn_tensor_destroy(t); }
};
using ContextPtr = std::unique_ptr<cnn_context, ContextDeleter>;
using TensorPtr = std::unique_ptr<cnn_tensor, TensorDeleter>;

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

}  // namespace cnn_test
