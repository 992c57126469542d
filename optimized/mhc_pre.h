// mHC hc_pre on the GPU (spec §14): the joint RMS over 4d, the 24 mixes, pre / post (sigmoid,
// 2·sigmoid), Sinkhorn-Knopp in the model's order (D11) and the pre-weighted stream sum, as
// reference/mhc_pre.h. Two launches, no atomics, one fixed reduction order per token:
//
//  1. mix partials: grid (token tiles, S = 4d/1024 chunks). The block stages fn[:, chunk] (96 KB)
//     in shared memory; each warp owns 8 or 16 tokens and computes their 24 dot products over
//     the chunk on the FP64 tensor cores (mma m8n8k4 f64): fp32 fn × bf16 x products are exact
//     in double, so the chunk sums carry ~1e-13 relative error instead of fp32's ~1e-6. Each
//     (token, mix) sum is one chain of 256 MMAs in a fixed order; the sum of squares is a double
//     FMA chain per lane plus a fixed pairwise step. Partials go to [S, T, 24] and [S, T] double.
//  2. finish: grid (T × dim chunks of 2048). Warp 0 sums the S partials in double, ascending s,
//     then follows the reference operation for operation (fl32 mean + eps, IEEE double rsqrt,
//     fl32(dot)·inv, σ in double, Sinkhorn with double row/column sums and fp32 divisions), and
//     the block writes y = bf16(fl32(Σ_j pre_j X_j)) with the sum in double (exact products), as
//     the reference. Only the first dim chunk of a token writes post and comb.
// The token tiling (8 or 16 tokens per warp, switched at 64 tokens) changes which lanes hold a
// token, never the order of its sums: both sides of the threshold give the same bits.
//
// Accuracy against the reference (double dot products): ULP budgets derived in
// harness/ops/mhc_op.cpp. Napkin math (minimal bytes: read X 8d, write y 2d per token):
// Flash T=8192: 336 MB, floor 78 us; but 96·d fp32 FMAs per token (3.2 GFMA) need 96 us at the
// 33.4 TFMA/s of the CUDA cores, and this version reads X twice (18d + partials): see docs/perf.md.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

#include "reference/formats.h"

namespace v4::optimized {

// y: [tokens, dim] bf16 · post: [tokens, 4] fp32 · comb: [tokens, 4, 4] fp32 ·
// x: [tokens, 4, dim] bf16 · fn: [24, 4·dim] · base: [24] · scale: [3] fp32 (device pointers);
// dim % 256 == 0, dim <= 16384.
void hc_pre(bf16* y, float* post, float* comb, const bf16* x, const float* fn, const float* base,
            const float* scale, int64_t tokens, int64_t dim, int sinkhorn_iters, float hc_eps, float norm_eps,
            cudaStream_t stream);

inline constexpr int64_t kHcSmallTileTokens = 64;  // dispatch threshold of the mix-partial tiling

namespace detail {
// Both launches for n_mix = 24 (hc_pre: post, comb written) or 4 (hc_head: post, comb null).
void hc_mix_finish(int n_mix, bf16* y, float* post, float* comb, const bf16* x, const float* fn, const float* base,
                   const float* scale, int64_t tokens, int64_t dim, int sinkhorn_iters, float hc_eps, float norm_eps,
                   cudaStream_t stream);
}  // namespace detail

}  // namespace v4::optimized
