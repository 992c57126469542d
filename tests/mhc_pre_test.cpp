// mHC hc_pre (spec §14): the mixes by hand, zero and identical streams, the composition of
// hc_mixes, hc_split_sinkhorn and hc_weighted_sum, bad shapes, and the registered domain
// properties (passing on the reference, failing on broken outputs).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "harness/registry.h"
#include "reference/mhc_pre.h"
#include "reference/mhc_sinkhorn.h"
#include "reference/rms_norm.h"

namespace v4::reference {
namespace {

constexpr float kEps = 1e-6f;
constexpr int kIters = 20;

std::vector<bf16> to_bf16(const std::vector<float>& v) {
  std::vector<bf16> out;
  for (float f : v)
    out.push_back(bf16_encode(f));
  return out;
}

// dim = 1, streams [1, 1, 1, 1]: mean(x̂²) = 1, so μ_m = fl(Σ_i fn_mi)·rsqrt(1 + eps), with the
// rsqrt factor the shared correctly rounded one; fn rows [1, 2, 3, 4] and [-1, 0.5, 0, 2].
TEST(MhcPre, MixesByHand) {
  const auto x = to_bf16({1, 1, 1, 1});
  const float fn[8] = {1, 2, 3, 4, -1, 0.5f, 0, 2};
  float mixes[2];
  hc_mixes(mixes, x.data(), fn, 1, 1, 2, kEps);
  const float rho = rms_rsqrt(4.0, 4, kEps);
  EXPECT_EQ(mixes[0], 10.0f * rho);
  EXPECT_EQ(mixes[1], 1.5f * rho);
  EXPECT_NEAR(rho, 1 - 0.5e-6, 1e-7);
}

// Zero streams: μ = 0·rsqrt(eps) = 0, so pre, post and comb come from base alone, and y = +0.
TEST(MhcPre, ZeroStreamsUseBaseAlone) {
  const int64_t dim = 8;
  const std::vector<bf16> x(size_t(4 * dim), bf16{0});
  std::vector<float> fn(size_t(24 * 4 * dim), 0.3f), base(24), scale = {0.6f, 0.8f, 0.7f};
  for (int i = 0; i < 24; ++i)
    base[size_t(i)] = 0.1f * float(i % 7) - 0.3f;
  std::vector<bf16> y(static_cast<size_t>(dim));
  float post[4], comb[16], pre_want[4], post_want[4], comb_want[16];
  const float zero_mixes[24] = {};
  hc_pre(y.data(), post, comb, x.data(), fn.data(), base.data(), scale.data(), 1, dim, kIters, kEps,
         kEps);
  hc_split_sinkhorn(pre_want, post_want, comb_want, zero_mixes, base.data(), scale.data(), 1,
                    kIters, kEps);
  for (int j = 0; j < 4; ++j)
    EXPECT_EQ(post[j], post_want[j]);
  for (int i = 0; i < 16; ++i)
    EXPECT_EQ(comb[i], comb_want[i]);
  for (bf16 v : y)
    EXPECT_EQ(v.bits, 0x0000);
}

// Four identical streams (the embedding's X⁰): y = bf16(fl32((Σ_j pre_j)·x)); the sum of the
// four exact products pre_j·x is exact in double here (x has 8 significant bits).
TEST(MhcPre, IdenticalStreamsScaleByPreSum) {
  const int64_t dim = 6;
  const std::vector<float> row = {1.5f, -2.25f, 0.125f, 3.0f, -0.75f, 7.0f};
  std::vector<float> xs;
  for (int j = 0; j < 4; ++j)
    xs.insert(xs.end(), row.begin(), row.end());
  const auto x = to_bf16(xs);
  std::vector<float> fn(size_t(24 * 4 * dim));
  for (size_t i = 0; i < fn.size(); ++i)
    fn[i] = 0.05f * float(int(i % 11) - 5);
  std::vector<float> base(24, 0.2f), scale = {0.9f, 0.5f, 0.6f};
  std::vector<bf16> y(static_cast<size_t>(dim));
  float post[4], comb[16], mixes[24], pre[4], post2[4], comb2[16];
  hc_pre(y.data(), post, comb, x.data(), fn.data(), base.data(), scale.data(), 1, dim, kIters, kEps,
         kEps);
  hc_mixes(mixes, x.data(), fn.data(), 1, dim, 24, kEps);
  hc_split_sinkhorn(pre, post2, comb2, mixes, base.data(), scale.data(), 1, kIters, kEps);
  const double pre_sum = double(pre[0]) + pre[1] + pre[2] + pre[3];
  for (int64_t i = 0; i < dim; ++i)
    EXPECT_EQ(y[size_t(i)].bits, bf16_encode(float(pre_sum * row[size_t(i)])).bits) << i;
}

// hc_pre is exactly the composition of its three parts.
TEST(MhcPre, IsTheCompositionOfItsParts) {
  const int64_t tokens = 3, dim = 16;
  std::vector<float> xs(size_t(tokens * 4 * dim));
  for (size_t i = 0; i < xs.size(); ++i)
    xs[i] = std::sin(0.37f * float(i)) * 2.0f;
  const auto x = to_bf16(xs);
  std::vector<float> fn(size_t(24 * 4 * dim));
  for (size_t i = 0; i < fn.size(); ++i)
    fn[i] = 0.125f * std::cos(0.11f * float(i));
  std::vector<float> base(24), scale = {0.55f, 0.95f, 0.65f};
  for (int i = 0; i < 24; ++i)
    base[size_t(i)] = std::sin(float(i));
  std::vector<bf16> y(size_t(tokens * dim)), y2(size_t(tokens * dim));
  std::vector<float> post(size_t(tokens * 4)), comb(size_t(tokens * 16)),
      mixes(size_t(tokens * 24)), pre(size_t(tokens * 4)), post2(size_t(tokens * 4)),
      comb2(size_t(tokens * 16));
  hc_pre(y.data(), post.data(), comb.data(), x.data(), fn.data(), base.data(), scale.data(), tokens,
         dim, kIters, kEps, kEps);
  hc_mixes(mixes.data(), x.data(), fn.data(), tokens, dim, 24, kEps);
  hc_split_sinkhorn(pre.data(), post2.data(), comb2.data(), mixes.data(), base.data(), scale.data(),
                    tokens, kIters, kEps);
  hc_weighted_sum(y2.data(), pre.data(), x.data(), tokens, dim);
  EXPECT_EQ(post, post2);
  EXPECT_EQ(comb, comb2);
  for (size_t i = 0; i < y.size(); ++i)
    EXPECT_EQ(y[i].bits, y2[i].bits) << i;
}

// Weighted sum by hand: weights [0.5, 0.25, 2, 1] over streams [2, 4, -1, 3] give
// 1 + 1 - 2 + 3 = 3.
TEST(MhcPre, WeightedSumByHand) {
  const auto x = to_bf16({2, 4, -1, 3});
  const float w[4] = {0.5f, 0.25f, 2, 1};
  bf16 y;
  hc_weighted_sum(&y, w, x.data(), 1, 1);
  EXPECT_EQ(bf16_decode(y), 3.0f);
}

TEST(MhcPre, BadShapesThrow) {
  std::vector<bf16> x(64), y(16);
  std::vector<float> fn(24 * 64), base(24), scale(3), post(4), comb(16), mixes(24);
  EXPECT_THROW(hc_pre(y.data(), post.data(), comb.data(), x.data(), fn.data(), base.data(),
                      scale.data(), 1, 0, kIters, kEps, kEps),
               std::invalid_argument);
  EXPECT_THROW(hc_pre(y.data(), post.data(), comb.data(), x.data(), fn.data(), base.data(),
                      scale.data(), -1, 16, kIters, kEps, kEps),
               std::invalid_argument);
  EXPECT_THROW(hc_pre(y.data(), post.data(), comb.data(), x.data(), fn.data(), base.data(),
                      scale.data(), 1, 16, 0, kEps, kEps),
               std::invalid_argument);
  EXPECT_THROW(hc_mixes(mixes.data(), x.data(), fn.data(), 1, 16, 0, kEps), std::invalid_argument);
  EXPECT_THROW(hc_weighted_sum(y.data(), post.data(), x.data(), 1, 0), std::invalid_argument);
}

} // namespace
} // namespace v4::reference

namespace v4::harness {
namespace {

TEST(MhcPreProperties, ReferencePassesAndBrokenOutputsFail) {
  const OpSpec& op = Registry::instance().get("mhc_pre");
  const Case c = op.cases(Suite::smoke).at(0);
  const TensorMap in = op.make_inputs(c), out = op.reference().run(c, in);
  for (const DomainProperty& p : op.properties) {
    const PropertyOutcome o = p.check(c, in, out);
    EXPECT_TRUE(o.passed) << p.name << ": " << o.detail;
  }
  auto check = [&](const std::string& name, const TensorMap& o) {
    for (const DomainProperty& p : op.properties)
      if (p.name == name)
        return p.check(c, in, o).passed;
    ADD_FAILURE() << name;
    return true;
  };
  // post as pre (weights up to 2): y leaves the box of pre ∈ [eps, 1 + eps] somewhere.
  TensorMap wrong = out;
  const int64_t dim = c.i64("dim");
  const Tensor& x = in.at("x");
  for (int64_t t = 0; t < c.i64("tokens"); ++t) {
    for (int64_t i = 0; i < dim; ++i) {
      double s = 0;
      for (int64_t j = 0; j < 4; ++j)
        s += 2.0 * reference::bf16_decode(x.data<bf16>()[(t * 4 + j) * dim + i]);
      wrong.at("y").data<bf16>()[t * dim + i] = reference::bf16_encode(float(s));
    }
  }
  EXPECT_FALSE(check("y_in_pre_box", wrong));
  wrong = out;
  wrong.at("post").data<float>()[3] = 2.5f;
  EXPECT_FALSE(check("post_range", wrong));
  wrong = out;
  wrong.at("comb").data<float>()[7] = -1e-3f;
  EXPECT_FALSE(check("comb_positive", wrong));
  wrong = out;
  for (int k = 0; k < 4; ++k)
    wrong.at("comb").data<float>()[k] *= 1.01f; // row 0 of token 0
  EXPECT_FALSE(check("colsum_near_one", wrong));
}

} // namespace
} // namespace v4::harness
