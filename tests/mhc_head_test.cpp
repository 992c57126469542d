// mHC hc_head (spec §14): the final 4-stream reduction. Zero streams, hand-computed gates with
// identical streams, saturated gates, the composition of its parts, bad shapes, and the
// registered box property.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "harness/registry.h"
#include "reference/mhc_head.h"
#include "reference/mhc_pre.h"
#include "reference/mhc_sinkhorn.h"

namespace v4::reference {
namespace {

constexpr float kEps = 1e-6f;

std::vector<bf16> repeat4(const std::vector<float>& row) {
  std::vector<bf16> out;
  for (int j = 0; j < 4; ++j)
    for (float v : row)
      out.push_back(bf16_encode(v));
  return out;
}

TEST(MhcHead, ZeroStreamsGiveZero) {
  const std::vector<bf16> x(4 * 5, bf16{0});
  std::vector<float> fn(4 * 4 * 5, 0.5f);
  const float base[4] = {0.3f, -1, 0, 2}, scale[1] = {0.8f};
  std::vector<bf16> y(5);
  hc_head(y.data(), x.data(), fn.data(), base, scale, 1, 5, kEps, kEps);
  for (bf16 v : y)
    EXPECT_EQ(v.bits, 0x0000);
}

// fn = 0: μ = 0, pre_j = σ(base_j) + eps. base = 0: pre = fl(0.5 + 1e-6) each, y = bf16(4·pre·x)
// = bf16(2.000004·x): 2, 6 and -1 for x = 1, 3, -0.5 (2.000004 is far from a bf16 boundary).
TEST(MhcHead, HandComputedGates) {
  const auto x = repeat4({1, 3, -0.5f});
  const std::vector<float> fn(4 * 4 * 3, 0.0f);
  const float base[4] = {0, 0, 0, 0}, scale[1] = {0.9f};
  std::vector<bf16> y(3);
  hc_head(y.data(), x.data(), fn.data(), base, scale, 1, 3, kEps, kEps);
  EXPECT_EQ(bf16_decode(y[0]), 2.0f);
  EXPECT_EQ(bf16_decode(y[1]), 6.0f);
  EXPECT_EQ(bf16_decode(y[2]), -1.0f);
}

// Saturated gates: base -200 gives σ = 0 and pre = eps, so y = bf16(4e-6·x) (only eps passes);
// base +40 gives pre = fl(1 + eps) and y = bf16(4·1.00000095·x) = 4x.
TEST(MhcHead, SaturatedGates) {
  const auto x = repeat4({1, -8});
  const std::vector<float> fn(4 * 4 * 2, 0.0f);
  const float scale[1] = {1};
  std::vector<bf16> y(2);
  const float low[4] = {-200, -200, -200, -200}, high[4] = {40, 40, 40, 40};
  hc_head(y.data(), x.data(), fn.data(), low, scale, 1, 2, kEps, kEps);
  EXPECT_EQ(y[0].bits, bf16_encode(4 * kEps).bits);
  EXPECT_EQ(y[1].bits, bf16_encode(-32 * kEps).bits);
  hc_head(y.data(), x.data(), fn.data(), high, scale, 1, 2, kEps, kEps);
  EXPECT_EQ(bf16_decode(y[0]), 4.0f);
  EXPECT_EQ(bf16_decode(y[1]), -32.0f);
}

TEST(MhcHead, IsTheCompositionOfItsParts) {
  const int64_t tokens = 2, dim = 8;
  std::vector<bf16> x;
  for (int i = 0; i < tokens * 4 * dim; ++i)
    x.push_back(bf16_encode(std::cos(0.7f * float(i)) * 3));
  std::vector<float> fn(size_t(4 * 4 * dim));
  for (size_t i = 0; i < fn.size(); ++i)
    fn[i] = 0.1f * std::sin(0.3f * float(i));
  const float base[4] = {-1.2f, 0.2f, -0.3f, -1.0f}, scale[1] = {0.75f};
  std::vector<bf16> y(size_t(tokens * dim)), y2(size_t(tokens * dim));
  hc_head(y.data(), x.data(), fn.data(), base, scale, tokens, dim, kEps, kEps);
  std::vector<float> pre(size_t(tokens * 4));
  hc_mixes(pre.data(), x.data(), fn.data(), tokens, dim, 4, kEps);
  for (int64_t i = 0; i < tokens * 4; ++i)
    pre[size_t(i)] = sigmoid_fp32(pre[size_t(i)] * scale[0] + base[i % 4]) + kEps;
  hc_weighted_sum(y2.data(), pre.data(), x.data(), tokens, dim);
  for (size_t i = 0; i < y.size(); ++i)
    EXPECT_EQ(y[i].bits, y2[i].bits) << i;
}

TEST(MhcHead, BadShapesThrow) {
  std::vector<bf16> x(16), y(4);
  std::vector<float> fn(64);
  const float base[4] = {}, scale[1] = {1};
  EXPECT_THROW(hc_head(y.data(), x.data(), fn.data(), base, scale, 1, 0, kEps, kEps),
               std::invalid_argument);
  EXPECT_THROW(hc_head(y.data(), x.data(), fn.data(), base, scale, -1, 4, kEps, kEps),
               std::invalid_argument);
}

} // namespace
} // namespace v4::reference

namespace v4::harness {
namespace {

TEST(MhcHeadProperties, ReferencePassesAndUngatedSumFails) {
  const OpSpec& op = Registry::instance().get("mhc_head");
  const Case c = op.cases(Suite::smoke).at(0);
  const TensorMap in = op.make_inputs(c), out = op.reference().run(c, in);
  ASSERT_EQ(op.properties.size(), 1u);
  const PropertyOutcome ok = op.properties[0].check(c, in, out);
  EXPECT_TRUE(ok.passed) << ok.detail;
  // Weights outside [eps, 1 + eps] (here -1 on stream 0, +1 on the others) leave the box.
  TensorMap wrong = out;
  const int64_t dim = c.i64("dim");
  const Tensor& x = in.at("x");
  for (int64_t t = 0; t < c.i64("tokens"); ++t)
    for (int64_t i = 0; i < dim; ++i) {
      double s = 0;
      for (int64_t j = 0; j < 4; ++j)
        s += (j == 0 ? -1.0 : 1.0) * reference::bf16_decode(x.data<bf16>()[(t * 4 + j) * dim + i]);
      wrong.at("y").data<bf16>()[t * dim + i] = reference::bf16_encode(float(s));
    }
  EXPECT_FALSE(op.properties[0].check(c, in, wrong).passed);
}

} // namespace
} // namespace v4::harness
