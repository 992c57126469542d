// mHC hc_pre (spec §14): the mixes, the split + Sinkhorn, and the pre-weighted stream sum.
//   x̂ = flatten(X) in fp32 [4d];  μ = (fn·x̂) · rsqrt(mean(x̂²) + norm_eps)   (norm weight folded into fn)
//   y  = bf16( Σ_j pre_j · X_j )   → the sublayer input
#pragma once

#include <cstdint>

#include "reference/formats.h"

namespace v4::reference {

// mixes: [tokens, n_mix] fp32 · x: [tokens, 4, dim] bf16 · fn: [n_mix, 4·dim] fp32.
// Dot products in double, rounded once to fp32, then multiplied by the fp32 rsqrt factor.
void hc_mixes(float* mixes, const bf16* x, const float* fn, int64_t tokens, int64_t dim,
              int64_t n_mix, float norm_eps);

// y[t, :] = bf16(Σ_j weight[t, j] · x[t, j, :]) with the sum in double rounded to fp32, then bf16.
void hc_weighted_sum(bf16* y, const float* weight, const bf16* x, int64_t tokens, int64_t dim);

// y: [tokens, dim] bf16 · post: [tokens, 4] fp32 · comb: [tokens, 4, 4] fp32 ·
// x: [tokens, 4, dim] bf16 · fn: [24, 4·dim] · base: [24] · scale: [3] fp32.
void hc_pre(bf16* y, float* post, float* comb, const bf16* x, const float* fn, const float* base,
            const float* scale, int64_t tokens, int64_t dim, int sinkhorn_iters, float hc_eps,
            float norm_eps);

}  // namespace v4::reference
