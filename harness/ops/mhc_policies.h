// How an fp32 implementation of hc_pre and hc_post (a CUDA kernel, any summation order, FMA
// allowed) is compared with the reference: one definition shared by mhc_pre, mhc_post and the
// decode boundary mhc_boundary, so that the budgets and their derivations cannot drift apart.
// The numbers come from harness/ops/mhc_budgets.h; the comments say what each one covers.
#pragma once

#include <cmath>

#include "harness/compare.h"
#include "harness/ops/mhc_budgets.h"
#include "harness/ops/mhc_inputs.h"

namespace v4::harness {

// y, post and comb of hc_pre, for inputs from mhc_inputs.h with dim <= 7168.
struct MhcPrePolicies {
  ComparePolicy y, post, comb;
};

inline MhcPrePolicies mhc_pre_policies() {
  // μ error for K = 4·7168 (the largest registered dim): mhc_budgets.h, probabilistic.
  const double mu = mhc_budget::mixes_abs_error_u(4 * 7168);
  // y: weighted_sum_abs_error with |X| <= 8.6 (the generator's N(0, 1) never exceeds 8.57) gives
  // 9.0e-3, less than one bf16 spacing at 2: 2 ULPs measured at max(|y|, 2).
  // post: relative (1 - σ)·scale·|Δμ| + gate roundings. comb: the Sinkhorn bound with the logit
  // error scale·|Δμ| + 8u; that worst case composes to ~16% relative - the tight Sinkhorn checks
  // are mhc_sinkhorn and mhc_split_sinkhorn, whose inputs fix the logits.
  return {ComparePolicy::ulps_floor(
              2, mhc_budget::bf16_floor_for(mhc_budget::weighted_sum_abs_error(mu, 8.6)),
              "pre error from the mu bound times 4 streams of |X| <= 8.6: < 1 spacing at the "
              "floor, + rounding"),
          ComparePolicy::ulps(std::ceil(mu + mhc_budget::post_ulps(8)),
                              "probabilistic mu error (mhc_budgets.h) + gate roundings"),
          ComparePolicy::ulps(
              mhc_budget::sinkhorn_comb_ulps(kHcSinkhornIters, mu + 8),
              "Sinkhorn worst case with the mu error as logit error: weak by construction")};
}

// out of hc_post. An fp32 implementation (5 products, 4 additions, any order, FMA or not) is
// within 9u·Σ|terms| of the exact value, the reference within u·|value|; Σ|terms| <= 2·8.6 +
// 8.6·(1 + 4u) < 25.8 for |x| <= 8.6, post <= 2 and comb column sums <= 1 + 4u. So the fp32
// values differ by < 10u·25.8 = 1.54e-5, less than the bf16 spacing at 2^-8 (2^-15): 2 ULPs
// measured at max(|x|, 2^-8) (mhc_budgets.h bf16_floor_for).
inline ComparePolicy mhc_post_policy() {
  return ComparePolicy::ulps_floor(
      2, mhc_budget::bf16_floor_for(10 * 25.8 * 0x1p-24),
      "fp32 values within 10u * 25.8 < the bf16 spacing at the floor; + rounding");
}

} // namespace v4::harness
