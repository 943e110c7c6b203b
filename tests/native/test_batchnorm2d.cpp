// Batch normalisation through the C ABI: the training forward, running-stat update and inference worked
// by hand on tiny inputs, a one-element channel, central finite differences for dx, dgamma and dbeta on
// random shapes (batch 1, odd sizes), the active kernel table and every SIMD tier against the reference, and
// thread counts 1 and 2 giving identical bits. Bad arguments live in test_batchnorm2d_args.cpp.
#include <cnn/cnn.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "core/context.h"
#include "kernels/kernels.h"
#include "simd_tiers.h"
#include "test_util.h"

namespace {

using namespace cnn_test;

constexpr float kEps = 1e-5f;

size_t count_of(const std::vector<int64_t>& shape) {
  size_t n = 1;
  for (int64_t d : shape) n *= static_cast<size_t>(d);
  return n;
}

struct TrainingResult {
  std::vector<float> y, running_mean, running_var, saved_mean, saved_inv_std;
};

// One training-mode forward through the C ABI; x is [N,C,H,W], the per-channel vectors have C values.
TrainingResult forward_training(cnn_context* ctx, const std::vector<int64_t>& shape, const std::vector<float>& x,
                                const std::vector<float>& gamma, const std::vector<float>& beta,
                                const std::vector<float>& running_mean, const std::vector<float>& running_var,
                                float momentum, float epsilon = kEps) {
  const std::vector<int64_t> c = {shape[1]};
  TensorPtr tx = make_tensor(ctx, shape, x), ty = make_tensor(ctx, shape);
  TensorPtr tg = make_tensor(ctx, c, gamma), tb = make_tensor(ctx, c, beta);
  TensorPtr rm = make_tensor(ctx, c, running_mean), rv = make_tensor(ctx, c, running_var);
  TensorPtr sm = make_tensor(ctx, c), si = make_tensor(ctx, c);
  EXPECT_EQ(cnn_batchnorm2d_forward_training(ctx, tx.get(), tg.get(), tb.get(), momentum, epsilon, rm.get(), rv.get(),
                                             sm.get(), si.get(), ty.get()),
            CNN_OK)
      << cnn_last_error_message();
  return {read_tensor(ty.get()), read_tensor(rm.get()), read_tensor(rv.get()), read_tensor(sm.get()),
          read_tensor(si.get())};
}

// ---- worked by hand ----------------------------------------------------------------------------------

// x [2,2,1,2]. Channel 0 holds {1,2} (image 0) and {3,6} (image 1): mean 3, deviations -2,-1,0,3, squares
// sum 14, biased variance 14/4 = 3.5, unbiased 14/3. Channel 1 holds {-1,-1} and {-1,3}: mean 0, squares
// 1+1+1+9 = 12, biased 3, unbiased 4.
const std::vector<int64_t> kShape = {2, 2, 1, 2};
const std::vector<float> kX = {1, 2, -1, -1, 3, 6, -1, 3};
const std::vector<float> kGamma = {2.0f, 0.5f}, kBeta = {1.0f, -1.0f};

TEST(BatchNorm2d, TrainingForwardByHand) {
  ContextPtr ctx = make_context();
  TrainingResult r = forward_training(ctx.get(), kShape, kX, kGamma, kBeta, {0, 0}, {1, 1}, 0.1f);
  const double inv0 = 1.0 / std::sqrt(3.5 + kEps), inv1 = 1.0 / std::sqrt(3.0 + kEps);
  auto y0 = [&](double v) { return static_cast<float>(2.0 * (v - 3.0) * inv0 + 1.0); };
  auto y1 = [&](double v) { return static_cast<float>(0.5 * (v - 0.0) * inv1 - 1.0); };
  EXPECT_TRUE(all_close(r.y, {y0(1), y0(2), y1(-1), y1(-1), y0(3), y0(6), y1(-1), y1(3)}, "y", 1e-6f));
  // Spot values: xhat of 6 in channel 0 is 3/sqrt(3.5) = 1.6035675, so y = 2*1.6035675 + 1.
  EXPECT_NEAR(r.y[5], 4.2071350f, 1e-5f);
  EXPECT_TRUE(all_close(r.saved_mean, {3.0f, 0.0f}, "saved_mean", 1e-7f));
  EXPECT_TRUE(all_close(r.saved_inv_std, {static_cast<float>(inv0), static_cast<float>(inv1)}, "saved_inv_std", 1e-7f));
  // The normalised output of each channel has mean beta and (biased) variance gamma^2, up to epsilon.
  for (int c = 0; c < 2; ++c) {
    double sum = 0, squares = 0;
    for (int n = 0; n < 2; ++n) {
      for (int i = 0; i < 2; ++i) sum += r.y[static_cast<size_t>((n * 2 + c) * 2 + i)];
    }
    const double mean = sum / 4;
    for (int n = 0; n < 2; ++n) {
      for (int i = 0; i < 2; ++i) squares += std::pow(r.y[static_cast<size_t>((n * 2 + c) * 2 + i)] - mean, 2);
    }
    EXPECT_NEAR(mean, kBeta[static_cast<size_t>(c)], 1e-6) << "channel " << c;
    EXPECT_NEAR(squares / 4, kGamma[static_cast<size_t>(c)] * kGamma[static_cast<size_t>(c)], 1e-4) << "channel " << c;
  }
}

TEST(BatchNorm2d, RunningStatisticsByHand) {
  ContextPtr ctx = make_context();
  // r = (1 - m) * r + m * batch with m = 0.1; the variance taken is the unbiased one (14/3 and 4).
  TrainingResult r = forward_training(ctx.get(), kShape, kX, kGamma, kBeta, {0.5f, -0.5f}, {1.0f, 2.0f}, 0.1f);
  EXPECT_TRUE(
      all_close(r.running_mean, {0.9f * 0.5f + 0.1f * 3.0f, 0.9f * -0.5f + 0.1f * 0.0f}, "running_mean", 1e-6f));
  EXPECT_TRUE(
      all_close(r.running_var, {0.9f * 1.0f + 0.1f * 14.0f / 3.0f, 0.9f * 2.0f + 0.1f * 4.0f}, "running_var", 1e-6f));
  EXPECT_TRUE(all_close(r.running_mean, {0.75f, -0.45f}, "running_mean, numbers", 1e-6f));
  EXPECT_TRUE(all_close(r.running_var, {1.3666667f, 2.2f}, "running_var, numbers", 1e-6f));
  // momentum 0 keeps the running statistics, momentum 1 replaces them with the batch's.
  TrainingResult keep = forward_training(ctx.get(), kShape, kX, kGamma, kBeta, {0.5f, -0.5f}, {1.0f, 2.0f}, 0.0f);
  EXPECT_TRUE(all_close(keep.running_mean, {0.5f, -0.5f}, "momentum 0 mean", 0));
  EXPECT_TRUE(all_close(keep.running_var, {1.0f, 2.0f}, "momentum 0 var", 0));
  TrainingResult replace = forward_training(ctx.get(), kShape, kX, kGamma, kBeta, {0.5f, -0.5f}, {1.0f, 2.0f}, 1.0f);
  EXPECT_TRUE(all_close(replace.running_mean, {3.0f, 0.0f}, "momentum 1 mean", 1e-7f));
  EXPECT_TRUE(all_close(replace.running_var, {14.0f / 3.0f, 4.0f}, "momentum 1 var", 1e-6f));
}

TEST(BatchNorm2d, OneElementChannelKeepsTheBiasedVariance) {
  ContextPtr ctx = make_context();
  // x [1,2,1,1]: each channel has one element, so the biased variance is 0, y = beta, and the running
  // variance moves towards 0 (count - 1 = 0 has no unbiased estimate).
  TrainingResult r = forward_training(ctx.get(), {1, 2, 1, 1}, {5.0f, -7.0f}, kGamma, kBeta, {0, 0}, {1, 1}, 0.5f);
  EXPECT_TRUE(all_close(r.y, kBeta, "y", 0));
  EXPECT_TRUE(all_close(r.running_mean, {2.5f, -3.5f}, "running_mean", 1e-7f));
  EXPECT_TRUE(all_close(r.running_var, {0.5f, 0.5f}, "running_var", 1e-7f));
  EXPECT_TRUE(all_close(r.saved_inv_std, {1.0f / std::sqrt(kEps), 1.0f / std::sqrt(kEps)}, "saved_inv_std", 1e-6f));
}

TEST(BatchNorm2d, InferenceByHand) {
  ContextPtr ctx = make_context();
  const std::vector<float> rm = {1.0f, -2.0f}, rv = {4.0f, 0.25f};
  TensorPtr tx = make_tensor(ctx.get(), kShape, kX), ty = make_tensor(ctx.get(), kShape);
  TensorPtr tg = make_tensor(ctx.get(), {2}, kGamma), tb = make_tensor(ctx.get(), {2}, kBeta);
  TensorPtr trm = make_tensor(ctx.get(), {2}, rm), trv = make_tensor(ctx.get(), {2}, rv);
  const float epsilon = 1e-3f;
  ASSERT_EQ(cnn_batchnorm2d_forward_inference(ctx.get(), tx.get(), tg.get(), tb.get(), trm.get(), trv.get(), epsilon,
                                              ty.get()),
            CNN_OK)
      << cnn_last_error_message();
  // y = gamma * (x - rm) / sqrt(rv + eps) + beta: channel 0 divides by sqrt(4.001), channel 1 by sqrt(0.251).
  const double s0 = std::sqrt(4.0 + 1e-3), s1 = std::sqrt(0.25 + 1e-3);
  auto y0 = [&](double v) { return static_cast<float>(2.0 * (v - 1.0) / s0 + 1.0); };
  auto y1 = [&](double v) { return static_cast<float>(0.5 * (v + 2.0) / s1 - 1.0); };
  EXPECT_TRUE(
      all_close(read_tensor(ty.get()), {y0(1), y0(2), y1(-1), y1(-1), y0(3), y0(6), y1(-1), y1(3)}, "y", 1e-6f));
  EXPECT_NEAR(read_tensor(ty.get())[5], 2.0f * 5.0f / 2.0002500f + 1.0f, 1e-5f);
}

// ---- finite differences ------------------------------------------------------------------------------

std::string describe(const std::vector<int64_t>& shape, unsigned seed) {
  return "x " + shape_text(shape) + " seed " + std::to_string(seed);
}

TEST(BatchNorm2d, BackwardMatchesFiniteDifferences) {
  ContextPtr ctx = make_context();
  const unsigned seed = 41;
  std::mt19937 rng(seed);
  const std::vector<std::vector<int64_t>> shapes = {{1, 3, 2, 5}, {3, 2, 3, 3}, {2, 5, 1, 7}, {5, 1, 1, 1},
                                                    {1, 1, 3, 1}, {4, 3, 2, 1}, {7, 2, 1, 3}};
  for (const std::vector<int64_t>& shape : shapes) {
    const std::vector<int64_t> cshape = {shape[1]};
    const size_t channels = static_cast<size_t>(shape[1]);
    const std::vector<float> x = random_vector(count_of(shape), rng, -2, 2);
    const std::vector<float> gamma = random_vector(channels, rng, 0.5f, 1.5f);
    const std::vector<float> beta = random_vector(channels, rng);
    const std::vector<float> r = random_vector(count_of(shape), rng);  // dL/dy
    const std::vector<float> zeros(channels, 0.0f), ones(channels, 1.0f);

    // The analytic gradients from one training forward (for saved_mean, saved_inv_std) and the backward.
    TensorPtr tx = make_tensor(ctx.get(), shape, x), ty = make_tensor(ctx.get(), shape);
    TensorPtr tg = make_tensor(ctx.get(), cshape, gamma), tb = make_tensor(ctx.get(), cshape, beta);
    TensorPtr rm = make_tensor(ctx.get(), cshape), rv = make_tensor(ctx.get(), cshape, ones);
    TensorPtr sm = make_tensor(ctx.get(), cshape), si = make_tensor(ctx.get(), cshape);
    ASSERT_EQ(cnn_batchnorm2d_forward_training(ctx.get(), tx.get(), tg.get(), tb.get(), 0.1f, kEps, rm.get(), rv.get(),
                                               sm.get(), si.get(), ty.get()),
              CNN_OK)
        << cnn_last_error_message();
    TensorPtr tdy = make_tensor(ctx.get(), shape, r), tdx = make_tensor(ctx.get(), shape);
    TensorPtr tdg = make_tensor(ctx.get(), cshape), tdb = make_tensor(ctx.get(), cshape);
    ASSERT_EQ(cnn_batchnorm2d_backward(ctx.get(), tx.get(), tg.get(), sm.get(), si.get(), tdy.get(), tdx.get(),
                                       tdg.get(), tdb.get()),
              CNN_OK)
        << cnn_last_error_message();

    // Each loss is computed from a fresh training-mode forward (batch statistics of the perturbed input).
    auto y_of = [&](const std::vector<float>& xs, const std::vector<float>& gs, const std::vector<float>& bs) {
      return forward_training(ctx.get(), shape, xs, gs, bs, zeros, ones, 0.1f).y;
    };
    const std::string what = describe(shape, seed);
    EXPECT_TRUE(check_gradient(
        "dx " + what, x, r, read_tensor(tdx.get()), [&](const std::vector<float>& at) { return y_of(at, gamma, beta); },
        rng, 100));
    EXPECT_TRUE(check_gradient(
        "dgamma " + what, gamma, r, read_tensor(tdg.get()),
        [&](const std::vector<float>& at) { return y_of(x, at, beta); }, rng, static_cast<int>(channels)));
    EXPECT_TRUE(check_gradient(
        "dbeta " + what, beta, r, read_tensor(tdb.get()),
        [&](const std::vector<float>& at) { return y_of(x, gamma, at); }, rng, static_cast<int>(channels)));
  }
}

TEST(BatchNorm2d, BackwardWithoutParameterGradients) {
  ContextPtr ctx = make_context();
  std::mt19937 rng(43);
  const std::vector<int64_t> shape = {3, 2, 2, 3};
  const std::vector<float> x = random_vector(count_of(shape), rng), dy = random_vector(count_of(shape), rng);
  const std::vector<float> gamma = {1.5f, -0.5f}, mean = {0.1f, -0.2f}, inv_std = {1.3f, 0.7f};
  TensorPtr tx = make_tensor(ctx.get(), shape, x), tdy = make_tensor(ctx.get(), shape, dy);
  TensorPtr tg = make_tensor(ctx.get(), {2}, gamma), sm = make_tensor(ctx.get(), {2}, mean);
  TensorPtr si = make_tensor(ctx.get(), {2}, inv_std);
  TensorPtr dx_all = make_tensor(ctx.get(), shape), dx_only = make_tensor(ctx.get(), shape);
  TensorPtr dg = make_tensor(ctx.get(), {2}), db = make_tensor(ctx.get(), {2});
  ASSERT_EQ(cnn_batchnorm2d_backward(ctx.get(), tx.get(), tg.get(), sm.get(), si.get(), tdy.get(), dx_all.get(),
                                     dg.get(), db.get()),
            CNN_OK);
  ASSERT_EQ(cnn_batchnorm2d_backward(ctx.get(), tx.get(), tg.get(), sm.get(), si.get(), tdy.get(), dx_only.get(),
                                     nullptr, nullptr),
            CNN_OK)
      << cnn_last_error_message();
  EXPECT_TRUE(all_close(read_tensor(dx_only.get()), read_tensor(dx_all.get()), "dx without dgamma, dbeta", 0));
  // dbeta is the plain sum of dy per channel.
  std::vector<float> sums(2, 0.0f);
  for (size_t j = 0; j < dy.size(); ++j) sums[(j / 6) % 2] += dy[j];
  EXPECT_TRUE(all_close(read_tensor(db.get()), sums, "dbeta", 1e-5f));
}

// ---- active table, threads ----------------------------------------------------------------------------

// Everything one table writes for one case; running statistics start at 0.2 and 1.5.
struct Outputs {
  Outputs(size_t n, size_t c) : y(n), yi(n), dx(n), rm(c, 0.2f), rv(c, 1.5f), sm(c), si(c), dg(c), db(c) {}
  std::vector<float> y, yi, dx, rm, rv, sm, si, dg, db;
};

TEST(BatchNorm2d, ActiveKernelsMatchReference) {
  ASSERT_STREQ(cnn_active_isa(), cnn::kernels().isa);
  const cnn::KernelTable& active = cnn::kernels();
  const cnn::KernelTable& ref = cnn::reference_kernels();
  const bool same = active.batchnorm2d_forward_training == ref.batchnorm2d_forward_training &&
                    active.batchnorm2d_forward_inference == ref.batchnorm2d_forward_inference &&
                    active.batchnorm2d_backward == ref.batchnorm2d_backward;
  std::cout << "[   INFO   ] active ISA " << cnn_active_isa() << ": batchnorm2d "
            << (same ? "uses the reference kernels themselves (ref vs ref until a faster kernel exists)"
                     : "uses faster kernels, compared with the reference")
            << "\n";
  ContextPtr ctx = make_context(2);
  const unsigned seed = 47;
  std::mt19937 rng(seed);
  const int64_t sizes[] = {1, 2, 3, 7, 17};
  auto size = [&] { return sizes[std::uniform_int_distribution<int>(0, 4)(rng)]; };
  for (int k = 0; k < 30; ++k) {
    const cnn::BatchNormShape s{size(), size(), size() * size()};
    const size_t n = static_cast<size_t>(s.n * s.c * s.plane), c = static_cast<size_t>(s.c);
    const std::vector<float> x = random_vector(n, rng, -3, 5), dy = random_vector(n, rng);
    const std::vector<float> g = random_vector(c, rng), b = random_vector(c, rng);
    Outputs o[2] = {Outputs(n, c), Outputs(n, c)};
    const cnn::KernelTable* tables[2] = {&active, &ref};
    for (int t = 0; t < 2; ++t) {
      tables[t]->batchnorm2d_forward_training(*ctx, s, x.data(), g.data(), b.data(), 0.3f, kEps, o[t].rm.data(),
                                              o[t].rv.data(), o[t].sm.data(), o[t].si.data(), o[t].y.data());
      tables[t]->batchnorm2d_forward_inference(*ctx, s, x.data(), g.data(), b.data(), o[t].rm.data(), o[t].rv.data(),
                                               kEps, o[t].yi.data());
      tables[t]->batchnorm2d_backward(*ctx, s, x.data(), g.data(), o[t].sm.data(), o[t].si.data(), dy.data(),
                                      o[t].dx.data(), o[t].dg.data(), o[t].db.data());
    }
    const std::string what = "seed " + std::to_string(seed) + " case " + std::to_string(k) + " [n,c,plane] [" +
                             std::to_string(s.n) + "," + std::to_string(s.c) + "," + std::to_string(s.plane) + "] ";
    ASSERT_TRUE(all_close(o[0].y, o[1].y, what + "y"));
    ASSERT_TRUE(all_close(o[0].rm, o[1].rm, what + "running_mean"));
    ASSERT_TRUE(all_close(o[0].rv, o[1].rv, what + "running_var"));
    ASSERT_TRUE(all_close(o[0].sm, o[1].sm, what + "saved_mean"));
    ASSERT_TRUE(all_close(o[0].si, o[1].si, what + "saved_inv_std"));
    ASSERT_TRUE(all_close(o[0].yi, o[1].yi, what + "inference y"));
    ASSERT_TRUE(all_close(o[0].dx, o[1].dx, what + "dx"));
    ASSERT_TRUE(all_close(o[0].dg, o[1].dg, what + "dgamma"));
    ASSERT_TRUE(all_close(o[0].db, o[1].db, what + "dbeta"));
  }
}

// Each SIMD tier's kernels (kernels/simd/simd_kernels.inc through kernels/generic/simd_drivers.cpp: planes in float
// vectors, their sums in double) against the reference (double throughout), on planes around the vector widths
// (1 .. 33, and 784 = 28 x 28), and on data whose mean is large next to its spread (mean 1000, spread 1), where a
// float deviation x - mean would lose the digits the reference keeps.
TEST(BatchNorm2d, EveryTierMatchesReference) {
  const cnn::KernelTable& ref = cnn::reference_kernels();
  ContextPtr ctx = make_context(2);
  std::mt19937 rng(59);
  int tiers = 0;
  for (const SimdTier& tier : simd_tiers()) {
    const char* isa = tier.isa;
    const cnn::KernelTable* table = tier.table;
    ASSERT_NE(table->batchnorm2d_forward_training, ref.batchnorm2d_forward_training) << isa;
    ASSERT_NE(table->batchnorm2d_forward_inference, ref.batchnorm2d_forward_inference) << isa;
    ASSERT_NE(table->batchnorm2d_backward, ref.batchnorm2d_backward) << isa;
    ++tiers;
    const cnn::BatchNormShape shapes[] = {{1, 1, 1},  {2, 3, 1},  {3, 2, 7},  {2, 3, 8},  {2, 2, 15}, {3, 2, 16},
                                          {2, 3, 17}, {1, 4, 31}, {2, 2, 33}, {4, 3, 64}, {3, 5, 784}};
    for (const cnn::BatchNormShape& s : shapes) {
      for (const float center : {0.0f, 1000.0f}) {
        const size_t n = static_cast<size_t>(s.n * s.c * s.plane), c = static_cast<size_t>(s.c);
        const std::vector<float> x = random_vector(n, rng, center - 1.0f, center + 1.0f), dy = random_vector(n, rng);
        const std::vector<float> g = random_vector(c, rng), b = random_vector(c, rng);
        Outputs o[2] = {Outputs(n, c), Outputs(n, c)};
        const cnn::KernelTable* tables[2] = {table, &ref};
        for (int t = 0; t < 2; ++t) {
          tables[t]->batchnorm2d_forward_training(*ctx, s, x.data(), g.data(), b.data(), 0.3f, kEps, o[t].rm.data(),
                                                  o[t].rv.data(), o[t].sm.data(), o[t].si.data(), o[t].y.data());
          tables[t]->batchnorm2d_forward_inference(*ctx, s, x.data(), g.data(), b.data(), o[t].rm.data(),
                                                   o[t].rv.data(), kEps, o[t].yi.data());
          tables[t]->batchnorm2d_backward(*ctx, s, x.data(), g.data(), o[t].sm.data(), o[t].si.data(), dy.data(),
                                          o[t].dx.data(), o[t].dg.data(), o[t].db.data());
        }
        const std::string what = std::string(isa) + " [n,c,plane] [" + std::to_string(s.n) + "," +
                                 std::to_string(s.c) + "," + std::to_string(s.plane) + "] mean " +
                                 std::to_string(center) + " ";
        ASSERT_TRUE(all_close(o[0].y, o[1].y, what + "y", 2e-5f));
        ASSERT_TRUE(all_close(o[0].rm, o[1].rm, what + "running_mean", 1e-6f));
        ASSERT_TRUE(all_close(o[0].rv, o[1].rv, what + "running_var", 1e-5f));
        ASSERT_TRUE(all_close(o[0].sm, o[1].sm, what + "saved_mean", 1e-6f));
        ASSERT_TRUE(all_close(o[0].si, o[1].si, what + "saved_inv_std", 1e-5f));
        ASSERT_TRUE(all_close(o[0].yi, o[1].yi, what + "inference y", 2e-5f));
        ASSERT_TRUE(all_close(o[0].dx, o[1].dx, what + "dx", 2e-5f));
        ASSERT_TRUE(all_close(o[0].dg, o[1].dg, what + "dgamma", 2e-5f));
        ASSERT_TRUE(all_close(o[0].db, o[1].db, what + "dbeta", 2e-5f));
      }
    }
  }
  std::cout << "[   INFO   ] " << tiers << " tier(s) compared\n";
}

TEST(BatchNorm2d, OneAndTwoThreadsGiveIdenticalResults) {
  ContextPtr one = make_context(1), two = make_context(2);
  std::mt19937 rng(53);
  const std::vector<int64_t> shape = {8, 16, 32, 32};  // large enough to be split over threads
  const std::vector<float> x = random_vector(count_of(shape), rng, -4, 4);
  const std::vector<float> g = random_vector(16, rng), b = random_vector(16, rng), rm(16, 0.0f), rv(16, 1.0f);
  TrainingResult r1 = forward_training(one.get(), shape, x, g, b, rm, rv, 0.1f);
  TrainingResult r2 = forward_training(two.get(), shape, x, g, b, rm, rv, 0.1f);
  EXPECT_EQ(std::memcmp(r1.y.data(), r2.y.data(), r1.y.size() * sizeof(float)), 0);
  EXPECT_EQ(std::memcmp(r1.running_var.data(), r2.running_var.data(), 16 * sizeof(float)), 0);
  EXPECT_EQ(std::memcmp(r1.saved_inv_std.data(), r2.saved_inv_std.data(), 16 * sizeof(float)), 0);
}

}  // namespace
