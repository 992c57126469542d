// Per-token checks of mHC combs and gates (spec §14): the domain properties of the mhc_sinkhorn,
// mhc_split_sinkhorn and mhc_pre ops, also used by the RapidCheck properties. The bounds they
// apply are derived in mhc_sinkhorn_invariants.cpp.
#pragma once

#include <vector>

#include "harness/registry.h"

namespace v4::properties {

// comb: [tokens, 4, 4] fp32 · logits: [tokens, 4, 4] fp32 (A), or empty when unknown.
harness::PropertyOutcome check_comb_positive(const harness::Tensor& comb);
harness::PropertyOutcome check_colsums(const harness::Tensor& comb, int iters, float eps);
harness::PropertyOutcome check_colsums_match_presum(const harness::Tensor& comb,
                                                    const harness::Tensor& logits, int iters,
                                                    float eps);
harness::PropertyOutcome check_rowsum_bound(const harness::Tensor& comb,
                                            const harness::Tensor& logits, int iters, float eps);
harness::PropertyOutcome check_rowsum_monotone(const harness::Tensor& logits, int iters, float eps);
// 1 - C <= ‖comb‖₂ <= sqrt((1 + R)(1 + C)) with C the column-sum slack and R the row-sum bound
// from the logits (or, when `logits` is empty, the measured max row sum).
harness::PropertyOutcome check_spectral(const harness::Tensor& comb, const harness::Tensor& logits,
                                        int iters, float eps);
// Consecutive groups of `depth` tokens stand for `depth` mHC sites (about 120 in Pro): the
// product B_depth ⋯ B_1 of B = combᵀ stays within the same a-priori factors. Fails when no group
// can be formed.
harness::PropertyOutcome check_products(const harness::Tensor& comb, const harness::Tensor& logits,
                                        int depth, int iters, float eps);
// Planted structure in the inputs: tokens whose logits are all equal give J/4-like combs (all
// entries bitwise equal); a token whose logits are a row/column permutation P·A·Q of the
// previous token's gives P·S(A)·Q.
harness::PropertyOutcome check_uniform_tokens(const harness::Tensor& comb,
                                              const harness::Tensor& logits, float eps);
// Bitwise where every double sum of the reference is exact (sums_exact_in_double), else within
// budget_ulps.
harness::PropertyOutcome check_permuted_tokens(const harness::Tensor& comb,
                                               const harness::Tensor& logits, int iters, float eps,
                                               double budget_ulps);
// pre: [tokens, 4] · post: [tokens, 4] · z_pre, z_post: [tokens, 4] the gate arguments (fp32).
harness::PropertyOutcome check_gate_ranges(const harness::Tensor& pre, const harness::Tensor& post,
                                           const std::vector<float>& z_pre,
                                           const std::vector<float>& z_post, float eps);

harness::PropertyOutcome check_post_range(const harness::Tensor& post,
                                          const std::vector<float>& z_post);

} // namespace v4::properties
