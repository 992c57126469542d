// Experts (spec §16, §17): the SwiGLU clamp, the routing weight applied before w2 (linearity),
// the shared expert's clamp (D2) with FP8 weights, and the golden expert_swiglu case, which
// must fail without the clamp (so it does exercise it).
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>
#include <vector>

#include "harness/generators.h"
#include "harness/golden.h"
#include "harness/ops/moe_inputs.h"
#include "reference/moe_expert.h"

namespace v4::reference {
namespace {

TEST(MoeExpert, SwigluClampsUpBothSidesAndGateAbove) {
  const float g[4] = {12.0f, -30.0f, 1.0f, 10.0f}, u[4] = {-25.0f, 3.0f, 11.0f, -10.0f};
  const float w[1] = {0.5f};
  float h[4];
  swiglu_clamp(h, g, u, w, 1, 4, 10.0f);
  auto silu = [](double x) { return float(x / (1 + std::exp(-x))); };
  EXPECT_EQ(h[0], 0.5f * (silu(10.0) * -10.0f)); // g capped at 10, u at -10
  EXPECT_EQ(h[1], 0.5f * (silu(-30.0) * 3.0f));  // no lower cap on g
  EXPECT_EQ(h[2], 0.5f * (silu(1.0) * 10.0f));   // u capped at +10
  EXPECT_EQ(h[3], 0.5f * (silu(10.0) * -10.0f));
  swiglu_clamp(h, g, u, nullptr, 1, 4, 0.0f); // limit 0: no clamp, no weight
  EXPECT_EQ(h[0], silu(12.0) * -25.0f);
}

harness::TensorMap expert(int64_t fmt, int64_t dim, int64_t inter, uint64_t seed) {
  harness::TensorMap in;
  harness::add_weight(in, "w1", fmt, 1, inter, dim, seed);
  harness::add_weight(in, "w2", fmt, 1, dim, inter, seed);
  harness::add_weight(in, "w3", fmt, 1, inter, dim, seed);
  return in;
}
ExpertWeights views(const harness::TensorMap& in, int64_t fmt, int64_t dim, int64_t inter) {
  return {harness::weight_view(in, "w1", fmt, 0, inter, dim),
          harness::weight_view(in, "w2", fmt, 0, dim, inter),
          harness::weight_view(in, "w3", fmt, 0, inter, dim)};
}

TEST(MoeExpert, OutputIsLinearInTheRoutingWeight) {
  // The weight multiplies h before w2: doubling it doubles bf16(h) exactly, shifts act_quant's
  // scale exponent by one and leaves its codes alone, so the FP4 expert's output doubles exactly.
  const int64_t rows = 6, dim = 256, inter = 256;
  const harness::TensorMap in = expert(harness::kExpertFp4, dim, inter, 4);
  const ExpertWeights w = views(in, harness::kExpertFp4, dim, inter);
  const harness::Tensor x = harness::random_bf16({rows, dim}, 4, "x", 8.0);
  std::vector<float> rw(rows), rw2(rows);
  for (int64_t r = 0; r < rows; ++r)
    rw[size_t(r)] = 0.1f + 0.2f * float(r), rw2[size_t(r)] = 2 * rw[size_t(r)];
  std::vector<bf16> y(static_cast<size_t>(rows * dim)), y2(static_cast<size_t>(rows * dim));
  moe_expert(y.data(), x.data<bf16>(), rw.data(), w, rows, kSwigluLimit);
  moe_expert(y2.data(), x.data<bf16>(), rw2.data(), w, rows, kSwigluLimit);
  int64_t nonzero = 0;
  for (size_t i = 0; i < y.size(); ++i) {
    ASSERT_EQ(bf16_decode(y2[i]), 2 * bf16_decode(y[i])) << i;
    nonzero += bf16_decode(y[i]) != 0;
  }
  EXPECT_GT(nonzero, int64_t(y.size() / 2));
}

TEST(MoeExpert, SharedExpertIsClampedWithFp8Weights) {
  // D2: the shared expert uses the clamp. Large inputs make the clamp bind, so the clamped and
  // unclamped outputs differ; the clamped one equals a routed-style expert with weight 1.
  const int64_t rows = 4, dim = 256, inter = 128;
  const harness::TensorMap in = expert(harness::kExpertFp8, dim, inter, 6);
  const ExpertWeights w = views(in, harness::kExpertFp8, dim, inter);
  const harness::Tensor x = harness::random_bf16({rows, dim}, 6, "x", 32.0);
  std::vector<bf16> clamped(static_cast<size_t>(rows * dim)), unclamped(clamped.size()),
      weighted(clamped.size());
  moe_expert(clamped.data(), x.data<bf16>(), nullptr, w, rows, kSwigluLimit);
  moe_expert(unclamped.data(), x.data<bf16>(), nullptr, w, rows, 0.0f);
  const std::vector<float> ones(rows, 1.0f);
  moe_expert(weighted.data(), x.data<bf16>(), ones.data(), w, rows, kSwigluLimit);
  int64_t differ = 0;
  for (size_t i = 0; i < clamped.size(); ++i) {
    differ += clamped[i].bits != unclamped[i].bits;
    ASSERT_EQ(clamped[i].bits, weighted[i].bits);
  }
  EXPECT_GT(differ, 0);
}

TEST(MoeExpert, GoldenExpertSwiglu) {
  std::ostringstream log;
  const harness::GoldenSummary s =
      harness::run_golden(harness::default_golden_dir(), {"expert_swiglu"}, log);
  EXPECT_EQ(s.cases, 1);
  EXPECT_EQ(s.failed, 0) << log.str();
}

TEST(MoeExpert, GoldenCaseExercisesTheClamp) {
  const std::string dir = harness::default_golden_dir();
  const harness::SafetensorsFile f =
      harness::SafetensorsFile::read(dir + "/expert_swiglu.safetensors");
  const harness::Tensor x = f.tensor("in.x"), w1 = f.tensor("w1.weight"),
                        w2 = f.tensor("w2.weight"), w3 = f.tensor("w3.weight"),
                        official = f.tensor("out.y");
  const int64_t dim = w1.dim(1), inter = w1.dim(0), rows = x.dim(0);
  const ExpertWeights w{LinearWeight::bf16_weight(w1.data<bf16>(), inter, dim),
                        LinearWeight::bf16_weight(w2.data<bf16>(), dim, inter),
                        LinearWeight::bf16_weight(w3.data<bf16>(), inter, dim)};
  std::vector<bf16> y(static_cast<size_t>(rows * dim));
  moe_expert(y.data(), x.data<bf16>(), nullptr, w, rows, 0.0f); // without the clamp
  int64_t far = 0;
  for (size_t i = 0; i < y.size(); ++i) {
    const double a = bf16_decode(y[i]), b = bf16_decode(official.data<bf16>()[i]);
    far += std::fabs(a - b) > 0.05 * std::fabs(b) + 1e-3;
  }
  EXPECT_GT(far, 100) << "the unclamped expert should be far from the official output";
}

} // namespace
} // namespace v4::reference
