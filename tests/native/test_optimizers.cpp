// Optimizer updates through the C ABI: SGD plain, with momentum, Nesterov and weight decay over a few steps
// against values worked by hand; Adam, Adam + L2 and AdamW against a double-precision re-implementation over
// 5 steps; Adam converging on a quadratic; the active kernel table against the reference. Bad arguments
// live in test_optimizers_args.cpp.
#include <cnn/cnn.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
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

// `steps` SGD updates with the same gradient each step; returns param (and velocity through `velocity_out`).
std::vector<float> sgd(const cnn_sgd_params& p, std::vector<float> param, const std::vector<float>& grad, int steps,
                       bool with_velocity, std::vector<float>* velocity_out = nullptr) {
  ContextPtr ctx = make_context();
  const std::vector<int64_t> shape = {static_cast<int64_t>(param.size())};
  TensorPtr w = make_tensor(ctx.get(), shape, param), g = make_tensor(ctx.get(), shape, grad);
  TensorPtr v = with_velocity ? make_tensor(ctx.get(), shape) : nullptr;
  for (int s = 0; s < steps; ++s)
    EXPECT_EQ(cnn_sgd_update(ctx.get(), &p, w.get(), g.get(), v.get()), CNN_OK) << cnn_last_error_message();
  if (velocity_out != nullptr && with_velocity) *velocity_out = read_tensor(v.get());
  return read_tensor(w.get());
}

TEST(Sgd, PlainStepsByHand) {
  // param -= 0.1 * grad, three times: 1 - 3*0.05 = 0.85, -2 - 3*0.025 = -2.075.
  const cnn_sgd_params p{0.1f, 0.0f, 0.0f, 0};
  EXPECT_TRUE(all_close(sgd(p, {1.0f, -2.0f}, {0.5f, 0.25f}, 1, false), {0.95f, -2.025f}, "one step", 1e-6f));
  EXPECT_TRUE(all_close(sgd(p, {1.0f, -2.0f}, {0.5f, 0.25f}, 3, false), {0.85f, -2.075f}, "three steps", 1e-6f));
  // Learning rate 0 leaves the parameter alone.
  const cnn_sgd_params frozen{0.0f, 0.0f, 0.0f, 0};
  EXPECT_TRUE(all_close(sgd(frozen, {1.0f, -2.0f}, {0.5f, 0.25f}, 3, false), {1.0f, -2.0f}, "lr 0", 0));
}

TEST(Sgd, MomentumStepsByHand) {
  // Constant g, momentum 0.9: v = g, 1.9g, 2.71g; param moves by 0.1 * (1 + 1.9 + 2.71) g = 0.561 g.
  const cnn_sgd_params p{0.1f, 0.9f, 0.0f, 0};
  std::vector<float> v;
  EXPECT_TRUE(
      all_close(sgd(p, {1.0f, -2.0f}, {0.5f, 0.25f}, 3, true, &v), {1.0f - 0.2805f, -2.0f - 0.14025f}, "param", 1e-6f));
  EXPECT_TRUE(all_close(v, {2.71f * 0.5f, 2.71f * 0.25f}, "velocity", 1e-6f));
}

TEST(Sgd, NesterovStepsByHand) {
  // Nesterov steps are g + 0.9 v_new: 1.9g, 2.71g, 3.439g; param moves by 0.1 * 8.049 g = 0.8049 g.
  // The velocity is the same as with plain momentum.
  const cnn_sgd_params p{0.1f, 0.9f, 0.0f, 1};
  std::vector<float> v;
  EXPECT_TRUE(all_close(sgd(p, {1.0f, -2.0f}, {0.5f, 0.25f}, 3, true, &v), {1.0f - 0.40245f, -2.0f - 0.201225f},
                        "param", 1e-6f));
  EXPECT_TRUE(all_close(v, {2.71f * 0.5f, 2.71f * 0.25f}, "velocity", 1e-6f));
  EXPECT_TRUE(all_close(sgd(p, {1.0f}, {0.5f}, 1, true), {1.0f - 0.095f}, "first Nesterov step", 1e-6f));
}

TEST(Sgd, WeightDecayStepsByHand) {
  // Zero gradient, weight decay 0.5, lr 0.1: g = 0.5 * param, so param shrinks by 0.95 each step: 2 * 0.95^3.
  EXPECT_TRUE(all_close(sgd({0.1f, 0.0f, 0.5f, 0}, {2.0f}, {0.0f}, 3, false), {1.71475f}, "decay only", 1e-6f));
  // With momentum 0.9: g1 = 1, v1 = 1, p1 = 1.9; g2 = 0.95, v2 = 1.85, p2 = 1.715;
  // g3 = 0.8575, v3 = 2.5225, p3 = 1.46275.
  std::vector<float> v;
  EXPECT_TRUE(
      all_close(sgd({0.1f, 0.9f, 0.5f, 0}, {2.0f}, {0.0f}, 3, true, &v), {1.46275f}, "decay + momentum", 1e-6f));
  EXPECT_TRUE(all_close(v, {2.5225f}, "velocity", 1e-6f));
  // Decay and gradient add: g = 1 + 0.5 * 2 = 2, param = 2 - 0.1 * 2 = 1.8.
  EXPECT_TRUE(all_close(sgd({0.1f, 0.0f, 0.5f, 0}, {2.0f}, {1.0f}, 1, false), {1.8f}, "decay + gradient", 1e-6f));
}

// ---- Adam ------------------------------------------------------------------------------------------------

// The update written out in double, element by element, straight from the formulas.
struct AdamReference {
  std::vector<double> param, m, v;
  void step(const cnn_adam_params& p, const std::vector<float>& grad) {
    const double b1 = p.beta1, b2 = p.beta2, lr = p.learning_rate, wd = p.weight_decay;
    for (size_t i = 0; i < param.size(); ++i) {
      double g = grad[i];
      if (p.decoupled_weight_decay == 1) {
        param[i] -= lr * wd * param[i];
      } else {
        g += wd * param[i];
      }
      m[i] = b1 * m[i] + (1 - b1) * g;
      v[i] = b2 * v[i] + (1 - b2) * g * g;
      const double mhat = m[i] / (1 - std::pow(b1, static_cast<double>(p.step)));
      const double vhat = v[i] / (1 - std::pow(b2, static_cast<double>(p.step)));
      param[i] -= lr * mhat / (std::sqrt(vhat) + p.epsilon);
    }
  }
};

std::vector<float> to_float(const std::vector<double>& d) { return std::vector<float>(d.begin(), d.end()); }

void check_adam_against_reference(float weight_decay, int32_t decoupled, unsigned seed) {
  ContextPtr ctx = make_context();
  std::mt19937 rng(seed);
  const std::vector<int64_t> shape = {3, 7};
  const std::vector<float> start = random_vector(21, rng, -2, 2);
  TensorPtr w = make_tensor(ctx.get(), shape, start), g = make_tensor(ctx.get(), shape);
  TensorPtr m = make_tensor(ctx.get(), shape), v = make_tensor(ctx.get(), shape);
  AdamReference ref{{start.begin(), start.end()}, std::vector<double>(21), std::vector<double>(21)};
  for (int64_t step = 1; step <= 5; ++step) {
    const std::vector<float> grad = random_vector(21, rng, -1, 1);
    ASSERT_EQ(cnn_tensor_write(g.get(), grad.data(), grad.size()), CNN_OK);
    const cnn_adam_params p{step, 0.01f, 0.9f, 0.999f, 1e-8f, weight_decay, decoupled};
    ASSERT_EQ(cnn_adam_update(ctx.get(), &p, w.get(), g.get(), m.get(), v.get()), CNN_OK) << cnn_last_error_message();
    ref.step(p, grad);
    const std::string what = "seed " + std::to_string(seed) + " wd " + std::to_string(weight_decay) + " decoupled " +
                             std::to_string(decoupled) + " step " + std::to_string(step);
    ASSERT_TRUE(all_close(read_tensor(w.get()), to_float(ref.param), what + " param", 1e-5f));
    ASSERT_TRUE(all_close(read_tensor(m.get()), to_float(ref.m), what + " m", 1e-5f));
    ASSERT_TRUE(all_close(read_tensor(v.get()), to_float(ref.v), what + " v", 1e-5f));
  }
}

TEST(Adam, MatchesDoublePrecisionReference) { check_adam_against_reference(0.0f, 0, 61); }
TEST(Adam, L2WeightDecayMatchesReference) { check_adam_against_reference(0.05f, 0, 67); }
TEST(AdamW, DecoupledWeightDecayMatchesReference) { check_adam_against_reference(0.1f, 1, 71); }

TEST(Adam, FirstStepByHand) {
  // At step 1 the bias corrections give mhat = g and vhat = g^2, so the move is lr * g / (|g| + eps), about
  // lr * sign(g) whatever the gradient's size.
  ContextPtr ctx = make_context();
  TensorPtr w = make_tensor(ctx.get(), {3}, {1.0f, 1.0f, 1.0f}), g = make_tensor(ctx.get(), {3}, {100.0f, -0.01f, 0});
  TensorPtr m = make_tensor(ctx.get(), {3}), v = make_tensor(ctx.get(), {3});
  const cnn_adam_params p{1, 0.1f, 0.9f, 0.999f, 1e-8f, 0.0f, 0};
  ASSERT_EQ(cnn_adam_update(ctx.get(), &p, w.get(), g.get(), m.get(), v.get()), CNN_OK) << cnn_last_error_message();
  EXPECT_TRUE(all_close(read_tensor(w.get()), {0.9f, 1.1f, 1.0f}, "param", 1e-6f));
  EXPECT_TRUE(all_close(read_tensor(m.get()), {10.0f, -0.001f, 0.0f}, "m = 0.1 g", 1e-6f));
  // 1 - beta2 is taken from the float 0.999f (0.999000013), so v is 10 * (1 - 1.3e-5), not exactly 10.
  const double one_minus_b2 = 1.0 - static_cast<double>(0.999f);
  EXPECT_TRUE(all_close(read_tensor(v.get()),
                        {static_cast<float>(one_minus_b2 * 1e4), static_cast<float>(one_minus_b2 * 1e-4), 0.0f},
                        "v = (1 - beta2) g^2", 1e-6f));
  // AdamW at step 1 first shrinks param by lr * wd * param = 0.1 * 0.5 * 1: 0.95, then the same move.
  TensorPtr w2 = make_tensor(ctx.get(), {3}, {1.0f, 1.0f, 1.0f});
  TensorPtr m2 = make_tensor(ctx.get(), {3}), v2 = make_tensor(ctx.get(), {3});
  const cnn_adam_params pw{1, 0.1f, 0.9f, 0.999f, 1e-8f, 0.5f, 1};
  ASSERT_EQ(cnn_adam_update(ctx.get(), &pw, w2.get(), g.get(), m2.get(), v2.get()), CNN_OK);
  EXPECT_TRUE(all_close(read_tensor(w2.get()), {0.85f, 1.05f, 0.95f}, "AdamW param", 1e-6f));
}

TEST(Adam, ConvergesOnAQuadratic) {
  // f(w) = sum_i a_i (w_i - t_i)^2 / 2 with curvatures 100x apart; grad = a (w - t).
  ContextPtr ctx = make_context();
  const std::vector<float> a = {0.1f, 1.0f, 10.0f, 3.0f}, t = {3.0f, -1.0f, 0.5f, 2.0f};
  TensorPtr w = make_tensor(ctx.get(), {4}, {0.0f, 0.0f, 0.0f, 0.0f}), g = make_tensor(ctx.get(), {4});
  TensorPtr m = make_tensor(ctx.get(), {4}), v = make_tensor(ctx.get(), {4});
  std::vector<float> grad(4);
  for (int64_t step = 1; step <= 3000; ++step) {
    std::vector<float> now = read_tensor(w.get());
    for (size_t i = 0; i < 4; ++i) grad[i] = a[i] * (now[i] - t[i]);
    ASSERT_EQ(cnn_tensor_write(g.get(), grad.data(), 4), CNN_OK);
    const float lr = step <= 2000 ? 0.02f : 0.002f;
    const cnn_adam_params p{step, lr, 0.9f, 0.999f, 1e-8f, 0.0f, 0};
    ASSERT_EQ(cnn_adam_update(ctx.get(), &p, w.get(), g.get(), m.get(), v.get()), CNN_OK) << cnn_last_error_message();
  }
  EXPECT_TRUE(all_close(read_tensor(w.get()), t, "minimum", 1e-2f));
}

// ---- active table ------------------------------------------------------------------------------------------

TEST(Optimizers, ActiveKernelsMatchReference) {
  ASSERT_STREQ(cnn_active_isa(), cnn::kernels().isa);
  const cnn::KernelTable& active = cnn::kernels();
  const cnn::KernelTable& ref = cnn::reference_kernels();
  const bool same = active.sgd_update == ref.sgd_update && active.adam_update == ref.adam_update;
  std::cout << "[   INFO   ] active ISA " << cnn_active_isa() << ": sgd/adam "
            << (same ? "use the reference kernels themselves (ref vs ref until a faster kernel exists)"
                     : "use faster kernels, compared with the reference")
            << "\n";
  ContextPtr ctx = make_context(2);
  const unsigned seed = 73;
  std::mt19937 rng(seed);
  for (int64_t count : {1, 3, 17, 127, 100003}) {
    const size_t n = static_cast<size_t>(count);
    const std::vector<float> w0 = random_vector(n, rng), g = random_vector(n, rng), s0 = random_vector(n, rng, 0, 1);
    std::vector<float> w[2] = {w0, w0}, s1[2] = {s0, s0}, s2[2] = {s0, s0};
    const cnn::KernelTable* tables[2] = {&active, &ref};
    const cnn_sgd_params sp{0.05f, 0.9f, 0.01f, 1};
    const cnn_adam_params ap{3, 0.01f, 0.9f, 0.99f, 1e-6f, 0.01f, 1};
    for (int t = 0; t < 2; ++t) {
      tables[t]->sgd_update(*ctx, sp, count, w[t].data(), g.data(), s1[t].data());
      tables[t]->adam_update(*ctx, ap, count, w[t].data(), g.data(), s1[t].data(), s2[t].data());
    }
    const std::string what = "seed " + std::to_string(seed) + " count " + std::to_string(count);
    ASSERT_TRUE(all_close(w[0], w[1], what + " param"));
    ASSERT_TRUE(all_close(s1[0], s1[1], what + " m"));
    ASSERT_TRUE(all_close(s2[0], s2[1], what + " v"));
  }
}

// Every SIMD tier's updates (float, kernels/simd/simd_kernels.inc) against the reference (double) over several
// steps: SGD plain, momentum, Nesterov, with and without weight decay, no velocity; Adam with L2 and AdamW, from
// step 1 (large bias corrections) on; counts around the vector widths and a large one split over threads; and the
// same bits on 1 and 2 threads.
TEST(Optimizers, SimdTiersMatchReference) {
  ContextPtr one = make_context(1), two = make_context(2);
  const cnn::KernelTable& ref = cnn::reference_kernels();
  int tiers = 0;
  for (const SimdTier& tier : simd_tiers()) {
    const char* isa = tier.isa;
    const cnn::KernelTable* table = tier.table;
    ++tiers;
    EXPECT_NE(table->sgd_update, ref.sgd_update) << isa;
    EXPECT_NE(table->adam_update, ref.adam_update) << isa;
    std::mt19937 rng(91);
    for (int64_t count : {1, 7, 8, 15, 16, 17, 33, 100003}) {
      const size_t n = static_cast<size_t>(count);
      const std::vector<float> w0 = random_vector(n, rng), s0 = random_vector(n, rng, 0, 1);
      const std::string what = std::string(isa) + " count " + std::to_string(count);
      for (const cnn_sgd_params& sp : {cnn_sgd_params{0.1f, 0.0f, 0.0f, 0}, cnn_sgd_params{0.05f, 0.9f, 0.0f, 0},
                                       cnn_sgd_params{0.05f, 0.9f, 0.01f, 1}, cnn_sgd_params{0.02f, 0.5f, 0.1f, 0}}) {
        for (bool with_velocity : {false, true}) {
          std::vector<float> w[3] = {w0, w0, w0}, vel[3] = {s0, s0, s0};
          for (int step = 0; step < 3; ++step) {
            const std::vector<float> g = random_vector(n, rng);
            ref.sgd_update(*one, sp, count, w[0].data(), g.data(), with_velocity ? vel[0].data() : nullptr);
            table->sgd_update(*one, sp, count, w[1].data(), g.data(), with_velocity ? vel[1].data() : nullptr);
            table->sgd_update(*two, sp, count, w[2].data(), g.data(), with_velocity ? vel[2].data() : nullptr);
          }
          const std::string sgd_what = what + " sgd momentum " + std::to_string(sp.momentum) + " nesterov " +
                                       std::to_string(sp.nesterov) + (with_velocity ? " velocity" : "");
          ASSERT_TRUE(all_close(w[1], w[0], sgd_what + " param", 1e-5f));
          ASSERT_TRUE(all_close(vel[1], vel[0], sgd_what + " velocity", 1e-5f));
          ASSERT_EQ(w[1], w[2]) << sgd_what << ": 1 vs 2 threads";
          ASSERT_EQ(vel[1], vel[2]) << sgd_what << ": 1 vs 2 threads";
        }
      }
      for (int32_t decoupled : {0, 1}) {
        for (float wd : {0.0f, 0.05f}) {
          std::vector<float> w[3] = {w0, w0, w0}, m[3], v[3];
          for (int t = 0; t < 3; ++t) {
            m[t].assign(n, 0.0f);
            v[t].assign(n, 0.0f);
          }
          for (int64_t step = 1; step <= 4; ++step) {
            const cnn_adam_params ap{step, 0.01f, 0.9f, 0.999f, 1e-8f, wd, decoupled};
            const std::vector<float> g = random_vector(n, rng);
            ref.adam_update(*one, ap, count, w[0].data(), g.data(), m[0].data(), v[0].data());
            table->adam_update(*one, ap, count, w[1].data(), g.data(), m[1].data(), v[1].data());
            table->adam_update(*two, ap, count, w[2].data(), g.data(), m[2].data(), v[2].data());
          }
          const std::string adam_what =
              what + (decoupled ? " adamw" : " adam") + " weight decay " + std::to_string(wd);
          ASSERT_TRUE(all_close(w[1], w[0], adam_what + " param", 1e-5f));
          ASSERT_TRUE(all_close(m[1], m[0], adam_what + " m", 1e-5f));
          ASSERT_TRUE(all_close(v[1], v[0], adam_what + " v", 1e-5f));
          ASSERT_EQ(w[1], w[2]) << adam_what << ": 1 vs 2 threads";
        }
      }
    }
  }
  std::cout << "[   INFO   ] " << tiers << " SIMD tier(s) checked\n";
}

}  // namespace
