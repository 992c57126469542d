// mHC Sinkhorn projection and split (spec §14, D11): hand-derived small cases (uniform logits,
// a circulant matrix, a doubly-stochastic input, the final column step), the [pre, post, comb]
// order of the 24 mixes, the gate endpoints, bad inputs, and the registered domain properties
// (each passing on the reference and failing on a broken output).
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <limits>
#include <vector>

#include "harness/ops/mhc_budgets.h"
#include "harness/registry.h"
#include "harness/rng.h"
#include "properties/mhc_comb_invariants.h"
#include "properties/mhc_sinkhorn_invariants.h"
#include "reference/mhc_sinkhorn.h"

namespace v4::reference {
namespace {

constexpr float kEps = 1e-6f;
constexpr int kIters = 20;
constexpr double kU = 0x1p-24;

std::array<float, 16> run(const std::array<float, 16>& a, int iters = kIters) {
  std::array<float, 16> c{};
  sinkhorn(c.data(), a.data(), 1, iters, kEps);
  return c;
}

// Equal logits: the softmax is exactly 1/4, and every step treats the 16 entries alike, so they
// stay bitwise equal; the column sums S/(S + eps) with S near 1 leave each entry within eps/4 (+
// rounding) of 1/4. The constant does not matter, even at 1e30 (exp(a - max) = exp(0)).
TEST(MhcSinkhorn, UniformLogitsGiveQuarter) {
  for (float v : {0.0f, -7.5f, 1e30f}) {
    std::array<float, 16> a;
    a.fill(v);
    const auto c = run(a);
    for (float x : c)
      EXPECT_EQ(x, c[0]);
    EXPECT_NEAR(c[0], 0.25, kEps / 4 + 3 * kU) << v;
    EXPECT_LT(c[0], 0.25f); // S/(S + eps) < 1
  }
}

// A circulant with logit ln 2 on the diagonal: softmax rows [2, 1, 1, 1]/5 = [0.4, 0.2, 0.2, 0.2].
// Every row and column holds the same multiset, so all diagonal entries stay bitwise equal, all
// off-diagonal ones too, and both stay within 6eps (+ rounding) of the softmax values, which are
// already doubly stochastic.
TEST(MhcSinkhorn, CirculantStaysCirculant) {
  std::array<float, 16> a{};
  for (int j = 0; j < 4; ++j)
    a[size_t(j * 5)] = std::log(2.0f);
  const auto c = run(a);
  for (int j = 0; j < 4; ++j) {
    for (int k = 0; k < 4; ++k)
      EXPECT_EQ(c[size_t(j * 4 + k)], j == k ? c[0] : c[1]) << j << "," << k;
  }
  EXPECT_NEAR(c[0], 0.4, 6 * kEps + 100 * kU);
  EXPECT_NEAR(c[1], 0.2, 6 * kEps + 100 * kU);
}

// A = log P for a doubly-stochastic P (a convex combination of permutation matrices) is a fixed
// point up to eps: softmax(log P) = P, then P + eps·J has all row and column sums 1 + 4eps, and
// each step only rescales it, so |comb - P| <= eps + 5eps·P + rounding (120u over 40 steps).
TEST(MhcSinkhorn, DoublyStochasticInputIsNearlyFixed) {
  double p[16] = {};
  for (int j = 0; j < 4; ++j) {
    p[j * 4 + j] += 0.5;
    p[j * 4 + (j + 1) % 4] += 0.3;
    p[j * 4 + (j + 3) % 4] += 0.2;
  }
  std::array<float, 16> a;
  for (int i = 0; i < 16; ++i)
    a[size_t(i)] = p[i] > 0 ? float(std::log(p[i])) : -30.0f; // e^-30 ~ 1e-13
  const auto c = run(a);
  for (int i = 0; i < 16; ++i)
    EXPECT_NEAR(c[size_t(i)], p[i], 6 * kEps + 120 * kU) << i;
}

// D11: the loop ends on a column step. For a non-symmetric input after one iteration (softmax,
// then a column step) the column sums are S/(S + eps) while the row sums are visibly off; an
// implementation ending on a row step would show the opposite.
TEST(MhcSinkhorn, EndsOnColumnStep) {
  const std::array<float, 16> a = {3, 0, 0, 0, 2, 1, 0, 0, 1, 1, 1, 0, 0, 0, 0, 2};
  for (int iters : {1, 2, 20}) {
    const auto s = v4::properties::comb_stats(run(a, iters).data());
    EXPECT_LE(s.col_residual(), iters == 1 ? 0.2 : v4::properties::colsum_slack(kEps)) << iters;
  }
  EXPECT_GT(v4::properties::comb_stats(run(a, 1).data()).row_residual(), 0.05);
}

// One iteration by hand: softmax rows of a diagonal-dominant A, + eps, then one column step.
TEST(MhcSinkhorn, OneIterationByHand) {
  std::array<float, 16> a{};
  a[0] = 1; // row 0: e, 1, 1, 1; other rows uniform
  const auto c = run(a, 1);
  const double e = std::exp(1.0), s0 = e + 3;
  double m[16];
  for (int k = 0; k < 4; ++k) {
    m[k] = (k == 0 ? e : 1.0) / s0 + kEps;
    for (int j = 1; j < 4; ++j)
      m[j * 4 + k] = 0.25 + kEps;
  }
  for (int k = 0; k < 4; ++k) {
    const double col = m[k] + m[4 + k] + m[8 + k] + m[12 + k];
    for (int j = 0; j < 4; ++j)
      EXPECT_NEAR(c[size_t(j * 4 + k)], m[j * 4 + k] / (col + kEps), 8 * kU) << j << "," << k;
  }
}

TEST(MhcSinkhorn, WideLogitsLeaveRowSumsVisiblyOff) {
  // The golden hc_sinkhorn regime (logits ×100): columns are pinned, rows are not, and the
  // residual stays within the derived bound.
  const std::array<float, 16> a = {120, -80, 35,   0,   -150, 90,  60, -20,
                                   10,  10,  -200, 180, 0,    -60, 75, 140};
  const auto c = run(a);
  const auto s = v4::properties::comb_stats(c.data());
  const auto t = v4::properties::sinkhorn_trajectory(a.data(), kIters, kEps);
  EXPECT_LE(s.col_residual(), v4::properties::colsum_slack(kEps));
  EXPECT_GT(s.row_residual(), 1e-3);
  EXPECT_LE(s.row_residual(), v4::properties::chain_rowsum_bound(t, kIters, kEps));
  EXPECT_GT(s.min_entry, 0);
}

TEST(MhcSinkhorn, BadInputsThrow) {
  std::array<float, 16> a{}, c{};
  EXPECT_THROW(sinkhorn(c.data(), a.data(), 1, 0, kEps), std::invalid_argument);
  EXPECT_THROW(sinkhorn(c.data(), a.data(), -1, kIters, kEps), std::invalid_argument);
  a[5] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_THROW(sinkhorn(c.data(), a.data(), 1, kIters, kEps), std::invalid_argument);
  a[5] = std::numeric_limits<float>::infinity();
  EXPECT_THROW(sinkhorn(c.data(), a.data(), 1, kIters, kEps), std::invalid_argument);
  float mixes[24] = {}, base[24] = {}, scale[3] = {1, 1, 1}, pre[4], post[4], comb[16];
  EXPECT_THROW(hc_split_sinkhorn(pre, post, comb, mixes, base, scale, 1, 0, kEps),
               std::invalid_argument);
  EXPECT_THROW(hc_split_sinkhorn(pre, post, comb, mixes, base, scale, -1, kIters, kEps),
               std::invalid_argument);
}

// Zero mixes and base: pre = σ(0) + eps = fl(0.5 + 1e-6), post = 2σ(0) = 1 exactly, comb from
// uniform logits.
TEST(MhcSplitSinkhorn, ZeroMixesByHand) {
  float mixes[24] = {}, base[24] = {}, scale[3] = {0.7f, 0.9f, 0.6f}, pre[4], post[4], comb[16];
  hc_split_sinkhorn(pre, post, comb, mixes, base, scale, 1, kIters, kEps);
  for (int j = 0; j < 4; ++j) {
    EXPECT_EQ(pre[j], 0.5f + kEps);
    EXPECT_EQ(post[j], 1.0f);
  }
  const auto uniform = run(std::array<float, 16>{});
  EXPECT_EQ(std::vector<float>(comb, comb + 16),
            std::vector<float>(uniform.begin(), uniform.end()));
}

// The 24 mixes are [pre 0:4, post 4:8, comb 8:24 row-major (j, k)] - getting this order wrong is
// a known porting bug. One large mix at a time must move only its own output.
TEST(MhcSplitSinkhorn, MixOrderIsPrePostCombRowMajor) {
  float base[24] = {}, scale[3] = {1, 1, 1}, pre[4], post[4], comb[16];
  float mixes[24] = {};
  mixes[2] = 30;            // pre_2 -> σ = 1
  mixes[4 + 1] = -30;       // post_1 -> 2σ(-30) ~ 1.9e-13
  mixes[8 + 4 * 1 + 3] = 5; // A[1][3]: the largest entry of comb row 1
  hc_split_sinkhorn(pre, post, comb, mixes, base, scale, 1, kIters, kEps);
  EXPECT_EQ(pre[2], 1.0f + kEps);
  for (int j : {0, 1, 3})
    EXPECT_EQ(pre[j], 0.5f + kEps);
  EXPECT_LT(post[1], 1e-12f);
  for (int j : {0, 2, 3})
    EXPECT_EQ(post[j], 1.0f);
  for (int k = 0; k < 3; ++k)
    EXPECT_GT(comb[4 + 3], 3 * comb[4 + k]);
  for (int j : {0, 2, 3})
    EXPECT_LT(comb[j * 4 + 3], comb[4 + 3] / 3);
}

// Saturated gates reach the closed ends of their fp32 ranges: pre = fl(eps) when σ underflows
// and fl(1 + eps) when σ rounds to 1; post = 0 and 2.
TEST(MhcSplitSinkhorn, GateEndpoints) {
  float mixes[24] = {}, base[24] = {}, scale[3] = {1, 1, 1}, pre[4], post[4], comb[16];
  base[0] = -200;
  base[1] = 40;
  base[4] = -200;
  base[5] = 40;
  hc_split_sinkhorn(pre, post, comb, mixes, base, scale, 1, kIters, kEps);
  EXPECT_EQ(pre[0], kEps);
  EXPECT_EQ(pre[1], 1.0f + kEps);
  EXPECT_EQ(post[0], 0.0f);
  EXPECT_EQ(post[1], 2.0f);
}

} // namespace
} // namespace v4::reference

namespace v4::harness {
namespace {

PropertyOutcome property(const OpSpec& op, const std::string& name, const Case& c,
                         const TensorMap& in, const TensorMap& out) {
  for (const DomainProperty& p : op.properties) {
    if (p.name == name)
      return p.check(c, in, out);
  }
  ADD_FAILURE() << "no property " << name;
  return {};
}

TEST(MhcSinkhornProperties, ReferencePassesEveryProperty) {
  for (const char* name : {"mhc_sinkhorn", "mhc_split_sinkhorn"}) {
    const OpSpec& op = Registry::instance().get(name);
    for (const Case& c : op.cases(Suite::smoke)) {
      const TensorMap in = op.make_inputs(c), out = op.reference().run(c, in);
      for (const DomainProperty& p : op.properties) {
        const PropertyOutcome o = p.check(c, in, out);
        EXPECT_TRUE(o.passed) << c.key() << " " << p.name << ": " << o.detail;
      }
    }
  }
}

TEST(MhcSinkhornProperties, BrokenCombsAreCaught) {
  const OpSpec& op = Registry::instance().get("mhc_sinkhorn");
  // Wide logits: row residuals far above the column slack, so moving them into the columns shows.
  const Case w = op.cases(Suite::smoke).at(1);
  const TensorMap win = op.make_inputs(w), wout = op.reference().run(w, win);
  // Ending on a row step instead of a column step: columns no longer pinned.
  TensorMap rows_last = wout;
  float* m = rows_last.at("comb").data<float>();
  for (int64_t t = 0; t < w.i64("tokens"); ++t) {
    for (int j = 0; j < 4; ++j) {
      double s = 0;
      for (int k = 0; k < 4; ++k)
        s += m[t * 16 + j * 4 + k];
      for (int k = 0; k < 4; ++k)
        m[t * 16 + j * 4 + k] = float(m[t * 16 + j * 4 + k] / (s + 1e-6));
    }
  }
  EXPECT_FALSE(property(op, "colsum_near_one", w, win, rows_last).passed);
  EXPECT_FALSE(property(op, "colsum_is_presum_ratio", w, win, rows_last).passed);
  // A transposed comb moves the row residuals into the column sums.
  TensorMap transposed = wout;
  float* tr = transposed.at("comb").data<float>();
  for (int64_t t = 0; t < w.i64("tokens"); ++t)
    for (int j = 0; j < 4; ++j)
      for (int k = 0; k < 4; ++k)
        tr[t * 16 + j * 4 + k] = wout.at("comb").data<float>()[t * 16 + k * 4 + j];
  EXPECT_FALSE(property(op, "colsum_near_one", w, win, transposed).passed);

  // Model-range logits: tight row bounds.
  const Case c = op.cases(Suite::smoke).at(0);
  const TensorMap in = op.make_inputs(c), out = op.reference().run(c, in);
  // Row 0 of every comb half again as large: row sums 1.5, beyond every token's bound.
  TensorMap heavy_row = out;
  for (int64_t t = 0; t < c.i64("tokens"); ++t)
    for (int k = 0; k < 4; ++k)
      heavy_row.at("comb").data<float>()[t * 16 + k] *= 1.5f;
  EXPECT_FALSE(property(op, "rowsum_residual_bound", c, in, heavy_row).passed);
  EXPECT_FALSE(property(op, "spectral_norm", c, in, heavy_row).passed);
  EXPECT_FALSE(property(op, "product_of_120", c, in, heavy_row).passed);
  // One entry perturbed in the uniform token and in the permuted pair; one entry made zero.
  TensorMap nudged = out;
  nudged.at("comb").data<float>()[5] = std::nextafter(nudged.at("comb").data<float>()[5], 1.0f);
  EXPECT_FALSE(property(op, "uniform_logits_give_quarter", c, in, nudged).passed);
  nudged = out;
  nudged.at("comb").data<float>()[32 + 7] =
      std::nextafter(nudged.at("comb").data<float>()[32 + 7], 1.0f);
  EXPECT_FALSE(property(op, "permutation_equivariance", c, in, nudged).passed);
  nudged = out;
  nudged.at("comb").data<float>()[50] = 0;
  EXPECT_FALSE(property(op, "comb_positive", c, in, nudged).passed);
  // Scaling every comb by 0.99 shrinks the norms below their lower bounds.
  TensorMap scaled = out;
  for (int64_t i = 0; i < scaled.at("comb").numel(); ++i)
    scaled.at("comb").data<float>()[i] *= 0.99f;
  EXPECT_FALSE(property(op, "colsum_near_one", c, in, scaled).passed);
  EXPECT_FALSE(property(op, "spectral_norm", c, in, scaled).passed);
  EXPECT_FALSE(property(op, "product_of_120", c, in, scaled).passed);
}

// A model of an fp32 implementation in the official order: sequential fp32 sums, expf, division
// (as [C]'s TileLang kernel and the torch code). Its distance from the reference stays within the
// derived comb budget at every logit scale; the measured maximum is recorded (docs/mhc.md).
void sinkhorn_fp32(float* m, const float* a, int iters, float eps) {
  for (int j = 0; j < 4; ++j) {
    const float mx =
        std::max(std::max(a[j * 4], a[j * 4 + 1]), std::max(a[j * 4 + 2], a[j * 4 + 3]));
    float e[4], s = 0;
    for (int k = 0; k < 4; ++k)
      s += e[k] = std::exp(a[j * 4 + k] - mx);
    for (int k = 0; k < 4; ++k)
      m[j * 4 + k] = e[k] / s + eps;
  }
  auto normalize = [&](bool rows) {
    for (int r = 0; r < 4; ++r) {
      float s = 0;
      for (int i = 0; i < 4; ++i)
        s += rows ? m[r * 4 + i] : m[i * 4 + r];
      const float d = s + eps;
      for (int i = 0; i < 4; ++i)
        (rows ? m[r * 4 + i] : m[i * 4 + r]) /= d;
    }
  };
  normalize(false);
  for (int i = 1; i < iters; ++i) {
    normalize(true);
    normalize(false);
  }
}

TEST(MhcSinkhornProperties, Fp32OfficialOrderWithinBudget) {
  const double budget = mhc_budget::sinkhorn_comb_ulps(20);
  double worst = 0;
  for (double scale : {0.3, 0.7, 1.0, 3.0, 10.0, 30.0, 100.0}) {
    const CounterRng g(uint64_t(scale * 10), "fp32_emulation");
    for (uint64_t t = 0; t < 2000; ++t) {
      float a[16], ref[16], f32[16];
      for (int i = 0; i < 16; ++i)
        a[i] = float(scale * g.normal(t * 32 + uint64_t(i)) +
                     2 * g.uniform(t * 32 + 16 + uint64_t(i)) - 1);
      reference::sinkhorn(ref, a, 1, 20, 1e-6f);
      sinkhorn_fp32(f32, a, 20, 1e-6f);
      for (int i = 0; i < 16; ++i) {
        worst = std::max(worst, std::fabs(double(std::bit_cast<int32_t>(ref[i])) -
                                          std::bit_cast<int32_t>(f32[i])));
      }
    }
  }
  RecordProperty("max_ulps", std::to_string(worst));
  EXPECT_LE(worst, budget);
  EXPECT_GT(worst, 0); // the two orders do differ: the comparison is not vacuous
}

TEST(MhcSinkhornProperties, CombBudgetMatchesItsDerivation) {
  // The bound of harness/ops/mhc_budgets.h, recomputed from its formula for T = 20.
  EXPECT_EQ(mhc_budget::sinkhorn_comb_ulps(20), 4219);
  EXPECT_GT(mhc_budget::sinkhorn_comb_ulps(20, 8), mhc_budget::sinkhorn_comb_ulps(20));
  EXPECT_LT(mhc_budget::sinkhorn_comb_ulps(10), mhc_budget::sinkhorn_comb_ulps(20));
}

} // namespace
} // namespace v4::harness
