// GRPO loss in the DeepSeek-V3.2 form (spec §21; V4 defers to it), fp64 reference. One group:
// G outputs o_i of lengths |o_i| sampled from π_old, with rewards R_i. Per token (ℓ = log π):
//   Â_i     = R_i − mean_j R_j                                   (no std normalization)
//   r       = exp(ℓ_θ − ℓ_old)
//   KL      = r · (ρ − log ρ − 1),  ρ = π_ref/π_θ = exp(ℓ_ref − ℓ_θ)   (K3 with importance ratio)
//   M_i     = 0 if Â_i < 0 and (1/|o_i|) Σ_t (ℓ_old − ℓ_θ) > δ, else 1   (off-policy masking)
//   J       = (1/G) Σ_i (1/|o_i|) Σ_t [ min(r·Â, clip(r, 1−ε, 1+ε)·Â)·M_i − β·KL ];  loss = −J
// Gradient of the loss w.r.t. ℓ_θ at each token (M is a stop-gradient):
//   ∂J/∂ℓ = (1/(G|o_i|)) · [ Â·r·M_i if the unclipped term is the min, else 0 ] − β·r·(ℓ_θ − ℓ_ref)
// ε, β, δ and G are not stated for V4 (§26 Q5): they are parameters.
#pragma once

#include <cstdint>

namespace v4::reference {

struct GrpoParams {
  double clip_eps = 0.2;   // ε
  double kl_beta = 0.0;    // β
  double mask_delta = 1e9; // δ (large: masking off)
};

struct GrpoResult {
  double objective = 0; // J
  double loss = 0;      // −J
};

// Per token (flattened sequence after sequence, total = Σ lengths):
//   grad: [total] ∂loss/∂ℓ_θ · kl: [total] · surrogate: [total] min(r·Â, clip(r)·Â) (before M)
//   (each may be nullptr) · advantage: [G] · mask: [G] (may be nullptr)
// Inputs: logp, logp_old, logp_ref: [total] fp32 log-probabilities of the sampled tokens ·
// rewards: [G] · lengths: [G], each >= 1.
GrpoResult grpo_loss(double* grad, double* kl, double* surrogate, double* advantage, int32_t* mask,
                     const float* logp, const float* logp_old, const float* logp_ref,
                     const float* rewards, const int64_t* lengths, int64_t groups,
                     const GrpoParams& params);

// ρ − log ρ − 1 for ρ = e^d: ≥ 0, and > 0 for every d ≠ 0 whose square is a normal double
// (a series for |d| < 1e-3 avoids the cancellation in expm1(d) − d).
double k3_divergence(double d);

} // namespace v4::reference
