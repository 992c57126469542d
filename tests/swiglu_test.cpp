// The clamped SwiGLU on bf16 Linear outputs (spec §16, §17, D2): swiglu_clamp_bf16 is the
// expert's own activation (moe_expert_hidden's h), rounds once to bf16, and the swiglu op's
// registered checks (determinism, invariance, the clamp bound) pass on its smoke cases.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "harness/generators.h"
#include "harness/ops/moe_inputs.h"
#include "reference/moe_expert.h"
#include "reference/swiglu.h"
#include "tests/attention_test_util.h"

namespace v4::reference {
namespace {

TEST(Swiglu, Bf16FormIsTheExpertsHidden) {
  const int64_t rows = 5, dim = 64, inter = 32;
  harness::TensorMap in;
  harness::add_weight(in, "w1", harness::kExpertBf16, 1, inter, dim, 7);
  harness::add_weight(in, "w2", harness::kExpertBf16, 1, dim, inter, 7);
  harness::add_weight(in, "w3", harness::kExpertBf16, 1, inter, dim, 7);
  const ExpertWeights w{harness::weight_view(in, "w1", harness::kExpertBf16, 0, inter, dim),
                        harness::weight_view(in, "w2", harness::kExpertBf16, 0, dim, inter),
                        harness::weight_view(in, "w3", harness::kExpertBf16, 0, inter, dim)};
  const harness::Tensor x = harness::random_bf16({rows, dim}, 7, "x", 16);
  const harness::Tensor route = harness::uniform_f32({rows}, 7, "route", 0.05, 1.5);
  std::vector<bf16> h(size_t(rows * inter)), g(h.size()), u(h.size()), h2(h.size());
  moe_expert_hidden(h.data(), x.data<bf16>(), route.data<float>(), w, rows, kSwigluLimit);
  linear(g.data(), x.data<bf16>(), w.w1, rows);
  linear(u.data(), x.data<bf16>(), w.w3, rows);
  swiglu_clamp_bf16(h2.data(), g.data(), u.data(), route.data<float>(), rows, inter, kSwigluLimit);
  for (size_t i = 0; i < h.size(); ++i)
    ASSERT_EQ(h[i].bits, h2[i].bits) << i;
}

TEST(Swiglu, Bf16FormClampsAndRoundsOnce) {
  const bf16 g[3] = {bf16_encode(10.0625f), bf16_encode(-200.0f), bf16_encode(1.0f)};
  const bf16 u[3] = {bf16_encode(-10.0625f), bf16_encode(5.0f), bf16_encode(11.0f)};
  const float w[1] = {0.75f};
  bf16 h[3];
  swiglu_clamp_bf16(h, g, u, w, 1, 3, kSwigluLimit);
  auto silu = [](double x) { return float(x / (1 + std::exp(-x))); };
  EXPECT_EQ(h[0].bits, bf16_encode(0.75f * (silu(10.0) * -10.0f)).bits); // both clamps
  EXPECT_EQ(h[1].bits, bf16_encode(0.75f * (silu(-200.0) * 5.0f)).bits); // no lower gate clamp
  EXPECT_EQ(h[2].bits, bf16_encode(0.75f * (silu(1.0) * 10.0f)).bits);
}

TEST(Swiglu, RegisteredChecks) {
  harness::testing::expect_smoke_checks_pass("swiglu");
}

} // namespace
} // namespace v4::reference
