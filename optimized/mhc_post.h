// mHC hc_post on the GPU (spec §14): X'_k = bf16(post_k·f + Σ_j comb[j,k]·X_j), comb used
// transposed, as reference/mhc_post.h. Bitwise equal to the reference: every product of an fp32
// weight and a bf16 value is exact in double, and the kernel adds them in double in the
// reference's order (post·f first, then j = 0..3), so the double sum, its fp32 rounding and the
// bf16 rounding are the reference's.
//
// Kernel: one thread per (token, 8 consecutive dims): 5 16-byte loads (f and the 4 streams), 20
// fp32 weights from L1, 160 double FMAs, 4 16-byte stores. Tokens are independent.
// Napkin math: read 2d + 8d, write 8d bytes per token (18d). Flash T=8192: 604 MB, floor 140 us;
// 160 DFMA per 8 dims = 20·d per token = 671 M DFMA at 16.7 T/s = 40 us, hidden under the bytes.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

#include "reference/formats.h"

namespace v4::optimized {

// out: [tokens, 4, dim] bf16 · f: [tokens, dim] bf16 · residual: [tokens, 4, dim] bf16 ·
// post: [tokens, 4] fp32 · comb: [tokens, 4, 4] fp32; dim % 8 == 0.
void hc_post(bf16* out, const bf16* f, const bf16* residual, const float* post, const float* comb, int64_t tokens,
             int64_t dim, cudaStream_t stream);

}  // namespace v4::optimized
