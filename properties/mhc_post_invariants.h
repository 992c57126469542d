// Invariants of mHC hc_post, X'_k = bf16(post_k·f + Σ_j comb[j, k]·X_j) (spec §14: comb is used
// TRANSPOSED, B = combᵀ), shared by the tests and the domain properties of the mhc_post op.
// out: [tokens, 4, dim] bf16 · f: [tokens, dim] bf16 · residual: [tokens, 4, dim] bf16 ·
// post: [tokens, 4] fp32 · comb: [tokens, 4, 4] fp32.
#pragma once

#include "harness/registry.h"

namespace v4::properties {

// Each output element against the spec formula evaluated exactly (double; the fp32×bf16
// products are exact): |out - exact| <= half a bf16 spacing at |out| + 9u·Σ|terms| (an fp32
// implementation: 5 products, 4 additions, any order). Fails on a transposed comb.
harness::PropertyOutcome check_post_formula(const harness::Tensor& out, const harness::Tensor& f,
                                            const harness::Tensor& residual,
                                            const harness::Tensor& post,
                                            const harness::Tensor& comb);

// Tokens whose comb is a 0/1 permutation matrix and whose post is 0 route streams exactly:
// X'_k == X_j where comb[j, k] = 1 (value equality; every sum is exact). With a non-symmetric
// permutation this tells comb from combᵀ. Fails if no such token is present.
harness::PropertyOutcome check_permutation_routing(const harness::Tensor& out,
                                                   const harness::Tensor& residual,
                                                   const harness::Tensor& post,
                                                   const harness::Tensor& comb);

} // namespace v4::properties
