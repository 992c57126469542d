// RapidCheck properties of the GRPO loss (spec §21): KL >= 0 and = 0 iff π_ref = π_θ, masking
// never masks Â >= 0, the clip is inactive for r in [1 − ε, 1 + ε], equal rewards leave only
// the KL term, and r ≡ 1 gives the gradient Â·∇log π_θ.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cmath>

#include "harness/generators.h"
#include "reference/grpo.h"

namespace v4::properties {
namespace {

struct Group {
  std::vector<float> lp, lo, lr, rewards;
  std::vector<int64_t> len;
  reference::GrpoParams p;
  size_t total() const { return lp.size(); }
};

Group random_group(bool equal_rewards, bool ratio_one) {
  Group g;
  const int64_t groups = *rc::gen::inRange<int64_t>(1, 9);
  const uint64_t seed = *rc::gen::inRange<uint64_t>(1, 1u << 30);
  const harness::Tensor len = harness::uniform_i64({groups}, seed, "len", 1, 20);
  g.len.assign(len.data<int64_t>(), len.data<int64_t>() + groups);
  int64_t total = 0;
  for (int64_t l : g.len)
    total += l;
  const harness::Tensor a = harness::uniform_f32({total}, seed, "a", -8, -1e-3),
                        b = harness::random_f32({total}, seed, "b", 0.4),
                        c = harness::random_f32({total}, seed, "c", 0.4),
                        r = harness::uniform_f32({groups}, seed, "r", -1, 1);
  const int same_every = *rc::gen::inRange(1, 5);
  for (int64_t t = 0; t < total; ++t) {
    g.lp.push_back(a.data<float>()[t]);
    g.lo.push_back(ratio_one ? a.data<float>()[t]
                             : std::min(0.0f, a.data<float>()[t] + b.data<float>()[t]));
    g.lr.push_back(t % same_every == 0 ? a.data<float>()[t]
                                       : std::min(0.0f, a.data<float>()[t] + c.data<float>()[t]));
  }
  for (int64_t i = 0; i < groups; ++i)
    g.rewards.push_back(equal_rewards ? r.data<float>()[0] : r.data<float>()[i]);
  // δ < 0 masks every negative-advantage output even on-policy; r ≡ 1 is stated for M = 1.
  const double delta = double(*rc::gen::inRange(-100, 100)) / 100;
  g.p = {double(*rc::gen::inRange(1, 40)) / 100,
         ratio_one ? 0.0 : double(*rc::gen::inRange(0, 100)) / 1000,
         ratio_one ? std::fabs(delta) : delta};
  return g;
}

struct Out {
  reference::GrpoResult r;
  std::vector<double> grad, kl, surr, adv;
  std::vector<int32_t> mask;
};
Out run(const Group& g) {
  Out o;
  o.grad.resize(g.total());
  o.kl.resize(g.total());
  o.surr.resize(g.total());
  o.adv.resize(g.len.size());
  o.mask.resize(g.len.size());
  o.r = reference::grpo_loss(o.grad.data(), o.kl.data(), o.surr.data(), o.adv.data(), o.mask.data(),
                             g.lp.data(), g.lo.data(), g.lr.data(), g.rewards.data(), g.len.data(),
                             int64_t(g.len.size()), g.p);
  return o;
}

RC_GTEST_PROP(GrpoProperties, KlMaskAndClipInvariants, ()) {
  const Group g = random_group(false, false);
  const Out o = run(g);
  size_t t = 0;
  for (size_t i = 0; i < g.len.size(); ++i) {
    if (o.adv[i] >= 0)
      RC_ASSERT(o.mask[i] == 1);
    for (int64_t j = 0; j < g.len[i]; ++j, ++t) {
      RC_ASSERT(o.kl[t] >= 0);
      RC_ASSERT((o.kl[t] == 0) == (g.lp[t] == g.lr[t]));
      const double r = std::exp(double(g.lp[t]) - g.lo[t]);
      if (r >= 1 - g.p.clip_eps && r <= 1 + g.p.clip_eps)
        RC_ASSERT(o.surr[t] == r * o.adv[i]);
    }
  }
}

RC_GTEST_PROP(GrpoProperties, EqualRewardsLeaveOnlyTheKlTerm, ()) {
  const Group g = random_group(true, false);
  const Out o = run(g);
  double kl_term = 0;
  size_t t = 0;
  for (size_t i = 0; i < g.len.size(); ++i) {
    RC_ASSERT(o.adv[i] == 0.0);
    for (int64_t j = 0; j < g.len[i]; ++j)
      kl_term += o.kl[t++] / (double(g.len.size()) * double(g.len[i]));
  }
  RC_ASSERT(std::fabs(o.r.loss - g.p.kl_beta * kl_term) <= 1e-15 * (g.p.kl_beta * kl_term));
}

RC_GTEST_PROP(GrpoProperties, RatioOneGradientIsAdvantageTimesGradLogProb, ()) {
  const Group g = random_group(false, true);
  const Out o = run(g);
  size_t t = 0;
  for (size_t i = 0; i < g.len.size(); ++i)
    for (int64_t j = 0; j < g.len[i]; ++j, ++t)
      // −Â/(G|o|) vs −(1/(G|o|))·Â: a division against a product with a rounded reciprocal.
      RC_ASSERT(std::fabs(o.grad[t] + o.adv[i] / (double(g.len.size()) * double(g.len[i]))) <=
                0x1p-51 * std::fabs(o.adv[i] / (double(g.len.size()) * double(g.len[i]))));
}

} // namespace
} // namespace v4::properties
