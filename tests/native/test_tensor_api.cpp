// Tensor and context handles through the C ABI: round trips, zero fill, alignment, shape queries,
// reshape views sharing storage, thread counts, the window-size helper and the library info calls.
#include <cnn/cnn.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "test_util.h"

namespace {

using namespace cnn_test;

TEST(TensorApi, WriteThenReadRoundTrips) {
  ContextPtr ctx = make_context(1);
  std::vector<float> values{1.5f, -2.0f, 3.25f, 0.0f, 5.0f, -6.5f};
  TensorPtr t = make_tensor(ctx.get(), {2, 3}, values);
  EXPECT_EQ(read_tensor(t.get()), values);
}

TEST(TensorApi, CreateGivesZeroFilledAlignedMemory) {
  ContextPtr ctx = make_context(1);
  TensorPtr t = make_tensor(ctx.get(), {3, 5, 7});
  EXPECT_EQ(read_tensor(t.get()), std::vector<float>(105, 0.0f));
  float* data = nullptr;
  ASSERT_EQ(cnn_tensor_data(t.get(), &data), CNN_OK);
  ASSERT_NE(data, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(data) % 64, 0u);
  data[104] = 7.0f;  // the pointer is the tensor's memory
  EXPECT_EQ(read_tensor(t.get())[104], 7.0f);
}

TEST(TensorApi, ReportsRankShapeAndCount) {
  ContextPtr ctx = make_context(1);
  TensorPtr t = make_tensor(ctx.get(), {2, 3, 4, 5});
  size_t rank = 0, count = 0;
  ASSERT_EQ(cnn_tensor_rank(t.get(), &rank), CNN_OK);
  ASSERT_EQ(cnn_tensor_element_count(t.get(), &count), CNN_OK);
  EXPECT_EQ(rank, 4u);
  EXPECT_EQ(count, 120u);
  int64_t shape[CNN_MAX_RANK] = {-1, -1, -1, -1, -1, -1, -1, -1};
  ASSERT_EQ(cnn_tensor_shape(t.get(), shape, CNN_MAX_RANK), CNN_OK);
  EXPECT_EQ(std::vector<int64_t>(shape, shape + 5), (std::vector<int64_t>{2, 3, 4, 5, -1}));
  // Capacity exactly the rank is enough.
  int64_t exact[4] = {};
  EXPECT_EQ(cnn_tensor_shape(t.get(), exact, 4), CNN_OK);
  EXPECT_EQ(exact[3], 5);
}

TEST(TensorApi, MaximumRankIsAccepted) {
  ContextPtr ctx = make_context(1);
  TensorPtr t = make_tensor(ctx.get(), {1, 2, 1, 2, 1, 2, 1, 2});
  size_t count = 0;
  ASSERT_EQ(cnn_tensor_element_count(t.get(), &count), CNN_OK);
  EXPECT_EQ(count, 16u);
}

TEST(TensorApi, ReshapeSharesStorageAndOutlivesTheOriginal) {
  ContextPtr ctx = make_context(1);
  std::vector<float> values{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  TensorPtr t = make_tensor(ctx.get(), {2, 3, 2}, values);
  const int64_t flat[] = {2, 6};
  cnn_tensor* view = nullptr;
  ASSERT_EQ(cnn_tensor_reshape(t.get(), flat, 2, &view), CNN_OK) << cnn_last_error_message();
  TensorPtr v(view);
  EXPECT_EQ(read_tensor(v.get()), values);
  int64_t shape[2] = {};
  ASSERT_EQ(cnn_tensor_shape(v.get(), shape, 2), CNN_OK);
  EXPECT_EQ(shape[1], 6);
  // A write through the view shows through the original, and the view survives the original's destroy.
  std::vector<float> other(12, 0.5f);
  ASSERT_EQ(cnn_tensor_write(v.get(), other.data(), other.size()), CNN_OK);
  EXPECT_EQ(read_tensor(t.get()), other);
  t.reset();
  EXPECT_EQ(read_tensor(v.get()), other);
}

TEST(TensorApi, DestroyNullIsANoOp) {
  cnn_tensor_destroy(nullptr);
  cnn_context_destroy(nullptr);
  SUCCEED();
}

TEST(ContextApi, ThreadCountsResolveAndChange) {
  ContextPtr ctx = make_context(3);
  int32_t threads = 0;
  ASSERT_EQ(cnn_context_threads(ctx.get(), &threads), CNN_OK);
  EXPECT_EQ(threads, 3);
  ASSERT_EQ(cnn_context_set_threads(ctx.get(), 1), CNN_OK);
  ASSERT_EQ(cnn_context_threads(ctx.get(), &threads), CNN_OK);
  EXPECT_EQ(threads, 1);
  ASSERT_EQ(cnn_context_set_threads(ctx.get(), 0), CNN_OK);  // one per logical core
  ASSERT_EQ(cnn_context_threads(ctx.get(), &threads), CNN_OK);
  EXPECT_GE(threads, 1);
  ContextPtr automatic = make_context(0);
  int32_t auto_threads = 0;
  ASSERT_EQ(cnn_context_threads(automatic.get(), &auto_threads), CNN_OK);
  EXPECT_EQ(auto_threads, threads);
}

TEST(LibraryApi, WindowOutputSize) {
  int64_t out = -1;
  ASSERT_EQ(cnn_window_output_size(28, 5, 1, 2, 2, 1, &out), CNN_OK);
  EXPECT_EQ(out, 28);
  ASSERT_EQ(cnn_window_output_size(28, 2, 2, 0, 0, 1, &out), CNN_OK);
  EXPECT_EQ(out, 14);
  ASSERT_EQ(cnn_window_output_size(7, 3, 2, 1, 0, 2, &out), CNN_OK);  // (7 + 1 - 4 - 1) / 2 + 1
  EXPECT_EQ(out, 2);
  ASSERT_EQ(cnn_window_output_size(3, 5, 3, 1, 1, 1, &out), CNN_OK);  // window exactly the padded input
  EXPECT_EQ(out, 1);
}

TEST(LibraryApi, VersionAndIsa) {
  EXPECT_EQ(cnn_abi_version(), static_cast<uint32_t>(CNN_ABI_VERSION));
  // The exact choice per CPU and cap is checked in test_gemm_isa.cpp (GemmIsa.MaxIsaCapsTheChoice).
  const std::string cap = std::getenv("CNN_MAX_ISA") != nullptr ? std::getenv("CNN_MAX_ISA") : "";
  const std::string active = cnn_active_isa();
  if (cap == "ref" || cap == "generic") {
    EXPECT_EQ(active, cap);
  } else {
    EXPECT_TRUE(active == "generic" || active == "avx2" || active == "avx512") << active;
  }
}

}  // namespace
