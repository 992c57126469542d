// GRPO in the V3.2 form (spec §21): a hand-computed group, the K3 estimator, the clip, masking,
// equal rewards, the r ≡ 1 gradient, and the analytic gradient against central differences.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "harness/generators.h"
#include "reference/grpo.h"

namespace v4::reference {
namespace {

TEST(Grpo, HandComputedGroup) {
  // G = 2, lengths 1 and 2; rewards 1 and 0: Â = +0.5, −0.5.
  const float logp[3] = {-1.0f, -2.0f, -0.5f}, logp_old[3] = {-1.5f, -2.0f, -0.4f},
              logp_ref[3] = {-1.0f, -1.0f, -0.5f};
  const float rewards[2] = {1.0f, 0.0f};
  const int64_t lengths[2] = {1, 2};
  GrpoParams p{0.2, 0.1, 1e9};
  double adv[2];
  const GrpoResult r = grpo_loss(nullptr, nullptr, nullptr, adv, nullptr, logp, logp_old, logp_ref,
                                 rewards, lengths, 2, p);
  EXPECT_EQ(adv[0], 0.5);
  EXPECT_EQ(adv[1], -0.5);
  const double r0 = std::exp(0.5), r1 = 1.0, r2 = std::exp(double(-0.5f) - double(-0.4f));
  const double t0 = std::min(r0 * 0.5, 1.2 * 0.5);   // clipped at 1 + ε
  const double kl1 = r1 * (std::exp(1.0) - 1.0 - 1); // ρ = e^(−1 − (−2)) = e
  const double t1 = std::min(r1 * -0.5, r1 * -0.5) - 0.1 * kl1;
  const double t2 = std::min(r2 * -0.5, std::clamp(r2, 0.8, 1.2) * -0.5);
  const double j = 0.5 * (t0 / 1 + (t1 + t2) / 2);
  EXPECT_NEAR(r.objective, j, 1e-15);
  EXPECT_EQ(r.loss, -r.objective);
}

TEST(Grpo, K3IsNonNegativeAndZeroOnlyAtZero) {
  EXPECT_EQ(k3_divergence(0.0), 0.0);
  for (double d : {-1e-150, 1e-8, -1e-5, 9.99e-4, 1e-3, -1e-3, 0.1, -3.0, 20.0}) {
    EXPECT_GT(k3_divergence(d), 0.0) << d;
    // Against long double expm1 − d (64-bit significand: relative error ≤ 2^-64·|d|/(d²/2), below
    // 1e-13 for |d| >= 1e-5) and the series d²/2 + d³/6 + d⁴/24 below that.
    const long double ld = d;
    const double want =
        std::fabs(d) >= 1e-5 ? double(std::expm1(ld) - ld) : d * d * (0.5 + d * (1.0 / 6 + d / 24));
    // k3 itself: the series below 1e-3 (relative truncation < 1e-18), expm1(d) − d above, whose
    // cancellation costs 2^-52·|d| absolute (expm1 within one ulp): 2^-51/|d| relative.
    const double rel = std::max(1e-13, std::ldexp(1.0, -50) / std::fabs(d));
    EXPECT_NEAR(k3_divergence(d), want, rel * want) << d;
  }
}

struct Group {
  std::vector<float> logp, logp_old, logp_ref, rewards;
  std::vector<int64_t> lengths;
};

Group random_group(uint64_t seed, int64_t groups, bool equal_rewards) {
  Group g;
  const harness::Tensor len = harness::uniform_i64({groups}, seed, "len", 1, 12);
  g.lengths.assign(len.data<int64_t>(), len.data<int64_t>() + groups);
  int64_t total = 0;
  for (int64_t l : g.lengths)
    total += l;
  const harness::Tensor a = harness::uniform_f32({total}, seed, "a", -5, -0.01),
                        b = harness::random_f32({total}, seed, "b", 0.3),
                        c = harness::random_f32({total}, seed, "c", 0.3),
                        r = harness::uniform_f32({groups}, seed, "r", 0, 1);
  for (int64_t t = 0; t < total; ++t) {
    g.logp.push_back(a.data<float>()[t]);
    g.logp_old.push_back(std::min(0.0f, a.data<float>()[t] + b.data<float>()[t]));
    g.logp_ref.push_back(t % 3 == 0 ? a.data<float>()[t]
                                    : std::min(0.0f, a.data<float>()[t] + c.data<float>()[t]));
  }
  for (int64_t i = 0; i < groups; ++i)
    g.rewards.push_back(equal_rewards ? 0.3f : r.data<float>()[i]);
  return g;
}

GrpoResult run(const Group& g, const GrpoParams& p, std::vector<double>* grad = nullptr,
               std::vector<double>* kl = nullptr, std::vector<double>* adv = nullptr,
               std::vector<int32_t>* mask = nullptr) {
  return grpo_loss(grad ? grad->data() : nullptr, kl ? kl->data() : nullptr, nullptr,
                   adv ? adv->data() : nullptr, mask ? mask->data() : nullptr, g.logp.data(),
                   g.logp_old.data(), g.logp_ref.data(), g.rewards.data(), g.lengths.data(),
                   int64_t(g.lengths.size()), p);
}

TEST(Grpo, EqualRewardsLeaveOnlyTheKlTerm) {
  const Group g = random_group(4, 6, true);
  std::vector<double> kl(g.logp.size());
  const GrpoResult r = run(g, {0.2, 0.05, 0.0}, nullptr, &kl);
  double mean_kl = 0;
  int64_t t = 0;
  for (int64_t l : g.lengths)
    for (int64_t i = 0; i < l; ++i)
      mean_kl += kl[size_t(t++)] / (double(g.lengths.size()) * double(l));
  EXPECT_NEAR(r.loss, 0.05 * mean_kl, 1e-15 * mean_kl);
  EXPECT_GT(mean_kl, 0);
}

TEST(Grpo, MaskingNeverMasksNonNegativeAdvantages) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    const Group g = random_group(seed, 8, false);
    std::vector<double> adv(8);
    std::vector<int32_t> mask(8);
    run(g, {0.2, 0.0, -1.0}, nullptr, nullptr, &adv,
        &mask); // δ = −1: every negative-advantage output drifts enough
    for (int i = 0; i < 8; ++i)
      EXPECT_EQ(mask[size_t(i)], adv[size_t(i)] < 0 ? 0 : 1) << "seed " << seed;
  }
}

TEST(Grpo, RatioOneGradientIsAdvantageTimesGradLogProb) {
  Group g = random_group(5, 5, false);
  g.logp_old = g.logp; // r ≡ 1
  std::vector<double> grad(g.logp.size()), adv(5);
  run(g, {0.2, 0.0, 1e9}, &grad, nullptr, &adv);
  int64_t t = 0;
  for (size_t i = 0; i < g.lengths.size(); ++i)
    for (int64_t j = 0; j < g.lengths[i]; ++j)
      EXPECT_DOUBLE_EQ(grad[size_t(t++)], -adv[i] / (5.0 * double(g.lengths[i])));
}

TEST(Grpo, GradientMatchesCentralDifferences) {
  // Central differences of J in fp64 with step h on one log-probability: truncation ≤ h²/6·|J'''|
  // and |J'''| ≤ (|Â| + β·(1 + |ℓ − ℓ_ref|)·3)·r·3/(G|o|) ≲ 30 here; evaluation error ≤ 1e-15/h.
  // h = 1e-5 gives ≤ 5e-10 + 1e-10; tolerance 1e-9. Tokens near a clip boundary (|r − 1 ± ε| <
  // 1e-4) are skipped: J is not differentiable there.
  const Group g = random_group(6, 4, false);
  const GrpoParams p{0.2, 0.07, 0.5};
  std::vector<double> grad(g.logp.size());
  run(g, p, &grad);
  const double h = 1e-5;
  int64_t checked = 0;
  for (size_t t = 0; t < g.logp.size(); ++t) {
    const double r = std::exp(double(g.logp[t]) - g.logp_old[t]);
    if (std::fabs(r - 1.2) < 1e-4 || std::fabs(r - 0.8) < 1e-4)
      continue;
    // ℓ is fp32 in the interface; differentiate through a double copy of the group.
    auto j_at = [&](double dl) {
      double shift_sum = 0;
      for (float rr : g.rewards)
        shift_sum += double(rr) - g.rewards[0];
      const double mean = g.rewards[0] + shift_sum / double(g.rewards.size());
      double obj = 0;
      size_t off = 0;
      for (size_t i = 0; i < g.lengths.size(); ++i) {
        const double a = g.rewards[i] - mean;
        double drift = 0, sum = 0;
        for (int64_t k = 0; k < g.lengths[i]; ++k)
          drift += double(g.logp_old[off + k]) - g.logp[off + k]; // mask: stop-gradient
        const int m = (a < 0 && drift / double(g.lengths[i]) > p.mask_delta) ? 0 : 1;
        for (int64_t k = 0; k < g.lengths[i]; ++k) {
          const size_t u = off + size_t(k);
          const double l = double(g.logp[u]) + (u == t ? dl : 0.0);
          const double rr = std::exp(l - g.logp_old[u]);
          sum += std::min(rr * a, std::clamp(rr, 1 - p.clip_eps, 1 + p.clip_eps) * a) * m -
                 p.kl_beta * rr * k3_divergence(g.logp_ref[u] - l);
        }
        obj += sum / (double(g.rewards.size()) * double(g.lengths[i]));
        off += size_t(g.lengths[i]);
      }
      return obj;
    };
    const double fd = (j_at(h) - j_at(-h)) / (2 * h);
    EXPECT_NEAR(-grad[t], fd, 1e-9) << "token " << t;
    ++checked;
  }
  EXPECT_GT(checked, int64_t(g.logp.size() / 2));
}

} // namespace
} // namespace v4::reference
