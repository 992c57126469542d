// Local (per-step) bounds on |official − reference| for the composite golden cases, by interval
// propagation (properties/interval_invariants.h: a bf16 output may differ only where the other
// side's pre-rounding value can sit across a rounding boundary, and then by the farthest
// reachable value). Each rule takes the step's inputs with their bounds; the radius is the input
// bounds to first order with magnitudes, plus the other side's fp32 arithmetic (K-term sums within
// K·u·Σ|terms|, CUDA expf/rsqrtf within 2 ulp) and the reference's own rounding (u·|v|), u = 2^-24:
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
//   RMSNorm: rms_norm_bounds; the MTP input linears: linear_bf16_bounds; the bf16 sum of its two
//       projections: radius E_a + E_b + 2u|a + b|
//   MoE on an exact input (moe_golden_bounds.h: gate scores, routing weights, every expert,
//       combined in the reference's order: Σ E_e + (k + 1)·2u·Σ|terms|, then bf16); score routing
//       is checked for flips within the gate-score bounds
//   logits = fl32(head · h) (fp32, K = dim): E = Σ|W|E_h + K·u·Σ|W|(|h| + E_h) + u|logit|.
// These rules are tight for exact or nearly exact inputs; composed across a whole Block with
// worst-case signs they are not (block_golden_sampling.h).
#pragma once

#include <cstdint>
#include <vector>

#include "reference/block.h"
#include "reference/moe.h"
#include "reference/mtp_block.h"
#include "reference/transformer.h"

namespace v4::harness {

// A reference bf16 tensor with per-element bounds on the other side's values.
struct BoundedBf16 {
  std::vector<bf16> v;
  std::vector<double> e;
};

// hc_pre of one mHC site: the sublayer input y = bf16(Σ pre_j X_j) and the reference's post
// and comb, with bounds. x: [tokens, 4, dim].
struct HcPre {
  BoundedBf16 y;
  std::vector<float> post, comb;
  std::vector<double> e_post, e_comb;
  double max_logit_error = 0; // largest Sinkhorn logit bound E_A
};
HcPre hc_pre_bounds(const BoundedBf16& x, const float* fn, const float* base, const float* scale,
                    int64_t tokens, int64_t dim, int iters, float hc_eps, float norm_eps);
// y = bf16(Σ_j pre_j X_j) with bounds on pre.
BoundedBf16 weighted_sum_bounds(const BoundedBf16& x, const std::vector<float>& pre,
                                const std::vector<double>& e_pre, int64_t tokens, int64_t dim);
// hc_post with f [tokens, dim] and the residual [tokens, 4, dim] with bounds, and the post/comb
// (with bounds) of `h`.
BoundedBf16 hc_post_bounds(const BoundedBf16& f, const BoundedBf16& res, const HcPre& h,
                           int64_t tokens, int64_t dim);
BoundedBf16 rms_norm_bounded(const BoundedBf16& x, const float* w, int64_t rows, int64_t dim,
                             float eps);

// The reference MoE on an exact x [tokens, dim] with its bounds, the routing used, and the
// tokens whose score routing could flip within the gate-score bounds.
struct MoeOut {
  BoundedBf16 y;
  std::vector<int32_t> idx;
  int64_t flips = 0;
};
MoeOut moe_bounds(const std::vector<bf16>& x, const int64_t* ids, const reference::MoeParams& p,
                  int64_t tokens, int64_t dim);

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

// The largest bound and the largest |ours − official| in bf16 ULPs of each row's largest
// |official| (a token's streams: row = 4·dim): the scale a Block output is carried at.
struct RowScaleUlps {
  double bound = 0, diff = 0;
};
RowScaleUlps row_scale_ulps(const std::vector<double>& e, const std::vector<double>& ours,
                            const std::vector<double>& official, int64_t row);

} // namespace v4::harness
