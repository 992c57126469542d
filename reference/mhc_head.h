// mHC hc_head, the final reduction of the 4 streams (spec §14): no Sinkhorn, no post.
//   μ = (fn·x̂)·ρ;  pre = σ(μ·scale + base) + eps;  h = bf16(Σ_j pre_j X_j)
#pragma once

#include <cstdint>

#include "reference/formats.h"

namespace v4::reference {

// y: [tokens, dim] bf16 · x: [tokens, 4, dim] bf16 · fn: [4, 4·dim] · base: [4] · scale: [1] fp32.
void hc_head(bf16* y, const bf16* x, const float* fn, const float* base, const float* scale,
             int64_t tokens, int64_t dim, float hc_eps, float norm_eps);

}  // namespace v4::reference
