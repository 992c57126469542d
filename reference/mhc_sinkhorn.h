// mHC Sinkhorn-Knopp projection (spec §14, decision D11: the order of [C] and [TK]):
//   M = softmax_row(A) + eps;  M = M / (colsum(M) + eps);  19 × { row step; column step }
// 20 row steps (the softmax counts as the first) and 20 column steps, ending on a column step,
// fp32 throughout. hc_split_sinkhorn turns the 24 mixes of hc_pre into pre, post and comb.
#pragma once

#include <cstdint>

namespace v4::reference {

inline constexpr int64_t kHcMult = 4;                        // residual streams
inline constexpr int64_t kHcMixes = (2 + kHcMult) * kHcMult; // 24 = pre 4 + post 4 + comb 16

// comb: [tokens, 4, 4] fp32 · logits: [tokens, 4, 4] fp32 (A; row j = comb[j, :]).
void sinkhorn(float* comb, const float* logits, int64_t tokens, int iters, float eps);

// pre: [tokens, 4] · post: [tokens, 4] · comb: [tokens, 4, 4] · mixes: [tokens, 24] (μ) ·
// base: [24] · scale: [3], all fp32.
//   pre_j  = σ(μ_j·scale0 + base_j) + eps
//   post_j = 2·σ(μ_{4+j}·scale1 + base_{4+j})
//   A_jk   = μ_{8+4j+k}·scale2 + base_{8+4j+k},  comb = sinkhorn(A)
void hc_split_sinkhorn(float* pre, float* post, float* comb, const float* mixes, const float* base,
                       const float* scale, int64_t tokens, int iters, float eps);

// fl32(1 / (1 + e^-z)) evaluated in double and rounded once: the correctly rounded fp32 sigmoid
// except when the value lies within ~1e-16 relative of an fp32 rounding boundary.
float sigmoid_fp32(float z);

}  // namespace v4::reference
