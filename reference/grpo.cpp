#include "reference/grpo.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "reference/require.h"

namespace v4::reference {

double k3_divergence(double d) {
  if (std::fabs(d) < 1e-3) { // Σ_{n>=2} dⁿ/n!: relative truncation error < 1e-18
    return d * d * (1.0 / 2 + d * (1.0 / 6 + d * (1.0 / 24 + d * (1.0 / 120 + d / 720))));
  }
  return std::expm1(d) - d;
}

GrpoResult grpo_loss(double* grad, double* kl, double* surrogate, double* advantage, int32_t* mask,
                     const float* logp, const float* logp_old, const float* logp_ref,
                     const float* rewards, const int64_t* lengths, int64_t groups,
                     const GrpoParams& p) {
  require(groups > 0, "grpo_loss", "a group needs at least one output");
  require(p.clip_eps >= 0 && p.clip_eps < 1, "grpo_loss", "clip epsilon must be in [0, 1)");
  // Shifted mean: exact zero advantages when all rewards are equal.
  double shift_sum = 0.0;
  for (int64_t i = 0; i < groups; ++i)
    shift_sum += double(rewards[i]) - double(rewards[0]);
  const double mean = double(rewards[0]) + shift_sum / double(groups);

  GrpoResult result;
  int64_t offset = 0;
  for (int64_t i = 0; i < groups; ++i) {
    const int64_t len = lengths[i];
    if (len < 1)
      require(false, "grpo_loss", "output " + std::to_string(i) + " has no tokens");
    const double adv = double(rewards[i]) - mean;
    double drift = 0.0; // Σ_t log(π_old/π_θ)
    for (int64_t t = offset; t < offset + len; ++t) {
      if (!(std::isfinite(logp[t]) && std::isfinite(logp_old[t]) && std::isfinite(logp_ref[t])))
        require(false, "grpo_loss",
                "log-probability at token " + std::to_string(t) + " is not finite");
      drift += double(logp_old[t]) - double(logp[t]);
    }
    const int32_t m = (adv < 0 && drift / double(len) > p.mask_delta) ? 0 : 1;
    if (advantage)
      advantage[i] = adv;
    if (mask)
      mask[i] = m;
    const double weight = 1.0 / (double(groups) * double(len));
    double seq_sum = 0.0;
    for (int64_t t = offset; t < offset + len; ++t) {
      const double l = logp[t], l_old = logp_old[t], l_ref = logp_ref[t];
      const double r = std::exp(l - l_old);
      const double k3 = r * k3_divergence(l_ref - l);
      const double unclipped = r * adv;
      const double clipped = std::clamp(r, 1.0 - p.clip_eps, 1.0 + p.clip_eps) * adv;
      const double surr = std::min(unclipped, clipped);
      seq_sum += surr * m - p.kl_beta * k3;
      // d(surr)/dℓ = Â·r where the unclipped term is the min (ties: clip inactive), else 0.
      const double dsurr = unclipped <= clipped ? adv * r : 0.0;
      const double dkl = r * (l - l_ref);
      if (grad)
        grad[t] = -weight * (dsurr * m - p.kl_beta * dkl);
      if (kl)
        kl[t] = k3;
      if (surrogate)
        surrogate[t] = surr;
    }
    result.objective += weight * seq_sum;
    offset += len;
  }
  result.loss = -result.objective;
  return result;
}

} // namespace v4::reference
