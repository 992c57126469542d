// Derived per-element bounds on |official − reference| for the composite golden cases (one
// Block, the Transformer layers and head, the MTP block), by interval propagation through every
// rounding point (properties/interval_invariants.h: a bf16 output may differ only where the
// other side's pre-rounding value can sit across a rounding boundary, and then by the farthest
// reachable value). Every step's radius is its input bounds propagated to first order with
// magnitudes, plus the other side's fp32 arithmetic (K-term sums within K·u·Σ|terms|, CUDA
// expf/rsqrtf within 2 ulp) and the reference's own rounding (u·|v|), u = 2^-24:
//   mixes μ = fl32(fn·x̂)·ρ, ρ = rsqrt(mean x̂² + eps), K = 4·dim:
//       E_μ = ρ(1 + δρ)·(Σ|fn|E_x + K·u·Σ|fn|(|x| + E_x) + u|fn·x̂|) + |fn·x̂|ρ·δρ + 2u|μ|,
//       δρ = Σ(2|x|E_x + E_x²)/(2K(ms + eps)) + (K + 4)·u              (as rms_norm_bounds)
//   gates z = μ·s + b (two fp32 roundings per side): E_z = |s|E_μ + 2u(|μ s| + |z|);
//       pre = σ(z) + eps: E = σ'max·E_z + 9u·pre;  post = 2σ(z): E = 2σ'max·E_z + 7u·post
//       (σ'max over [z − E_z, z + E_z]; 7u sigmoid and 2u eps roundings: mhc_budgets.h)
//   comb = Sinkhorn(A): E = Σ_m |∂comb/∂A_m|·E_A,m (the Jacobian by central differences of the
//       same iteration in double, first order) + sinkhorn_comb_ulps(iters)·u·comb (the fp32
//       arithmetic of both sides, mhc_budgets.h)
//   y = bf16(Σ_j pre_j X_j): radius Σ_j E_pre,j(|X_j| + E_X,j) + pre_j E_X,j + 5u·Σ|terms|
//   hc_post X'_k = bf16(post_k f + Σ_j comb_jk X_j): radius E_post(|f| + E_f) + post E_f +
//       Σ_j E_comb(|X_j| + E_X,j) + comb E_X,j + 10u·Σ|terms| (5 products, 4 adds, ours)
//   RMSNorms, the attention layer, the compressor: properties/{interval,attention,compressor}_
//       invariants with input bounds; the official index lists are used (no indexer bound)
//   MoE: harness/ops/moe_golden_bounds.h with input bounds (gate scores, routing weights, each
//       expert), combined in the reference's order: radius Σ E_e + (k + 1)·2u·Σ|terms|, then
//       bf16. Score routing is checked for possible flips: a token whose k-th and (k+1)-th biased
//       scores are within their bounds is counted (its bound assumes the reference's routing).
//   logits = fl32(head · h) (fp32, K = dim): E = Σ|W|E_h + K·u·Σ|W|(|h| + E_h) + u|logit|.
#pragma once

#include <cstdint>
#include <vector>

#include "reference/block.h"
#include "reference/mtp_block.h"
#include "reference/transformer.h"

namespace v4::harness {

// A reference bf16 tensor with per-element bounds on the other side's values.
struct BoundedBf16 {
  std::vector<bf16> v;
  std::vector<double> e;
};

// One Block over one sequence: prefill of `prefill` tokens with the official index lists
// prefill_idx [prefill, pw], then decode steps at positions prefill.. with decode_idx [steps, dw]
// (CSA layers; nullptr elsewhere). x: [prefill + steps, 4, dim] with bounds; ids: [same].
struct BlockSequenceBounds {
  BoundedBf16 y;              // [prefill + steps, 4, dim]
  int64_t routing_flips = 0;  // tokens whose score routing could flip within the bounds
  double max_logit_error = 0; // largest Sinkhorn logit bound E_A (both mHC sites)
};
BlockSequenceBounds block_sequence_bounds(const BoundedBf16& x, const int64_t* ids,
                                          int64_t prefill, int64_t steps,
                                          const reference::ModelConfig& cfg,
                                          const reference::BlockWeights& w,
                                          const int32_t* prefill_idx, int64_t pw,
                                          const int32_t* decode_idx, int64_t dw);

// The head on one position's streams x [4, dim] with bounds: fp32 logits [vocab] and bounds.
struct LogitBounds {
  std::vector<float> logits;
  std::vector<double> e;
};
LogitBounds head_bounds(const BoundedBf16& x, const reference::ModelConfig& cfg,
                        const reference::HeadWeights& w);

// The MTP block's Block input X [tokens, 4, dim] from exact h [tokens, 4, dim] and ids (bf16
// e_proj / h_proj weights).
BoundedBf16 mtp_input_bounds(const bf16* h, const int64_t* ids, int64_t tokens,
                             const reference::ModelConfig& cfg, const reference::MtpWeights& w);

// The largest bound in bf16 ULPs of the official values (|official| + bound): for the record.
double max_bound_ulps(const std::vector<double>& e, const std::vector<double>& official_values);

} // namespace v4::harness
