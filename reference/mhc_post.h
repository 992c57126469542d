// mHC hc_post (spec §14): X'_k = bf16( post_k · f + Σ_j comb[j, k] · X_j ) in fp32 math.
// comb is used TRANSPOSED (the sum runs over its rows j): in [P]'s notation B = combᵀ.
#pragma once

#include <cstdint>

#include "reference/formats.h"

namespace v4::reference {

// out: [tokens, 4, dim] bf16 · f: [tokens, dim] bf16 (sublayer output) ·
// residual: [tokens, 4, dim] bf16 · post: [tokens, 4] fp32 · comb: [tokens, 4, 4] fp32.
void hc_post(bf16* out, const bf16* f, const bf16* residual, const float* post, const float* comb,
             int64_t tokens, int64_t dim);

}  // namespace v4::reference
