// mHC hc_pre on the GPU (spec §14): the joint RMS over 4d, the 24 mixes, pre / post (sigmoid,
// 2·sigmoid), Sinkhorn-Knopp in the model's order (D11) and the pre-weighted stream sum, as
// reference/mhc_pre.h. Two implementations, no atomics, one fixed reduction order per token each:
//
// hc_pre (one launch, optimized/mhc_pre_fused.cu): a cluster of 8 CTAs per tile of BM tokens
//   (BM = hc_pre_tile_tokens(dim): 14 up to d = 7168), CTA c holding dims [c·d/8,
//   (c+1)·d/8) of all 4 streams in shared memory: X is read from HBM once. Mixes in fp32 FMAs
//   (fixed order, see the .cu), partials over DSMEM in rank order, gates and Sinkhorn per token on
//   one warp of its owner CTA, y from shared memory.
//   Accuracy: the fp32 dot products are what harness/ops/mhc_budgets.h budgets ("fp32
//   throughout, any summation order, FMA allowed"): its probabilistic bound for K = 4·7168 terms is
//   |Δμ| <= 17 488 u; the sum of squares likewise; the gates and the Sinkhorn follow the reference
//   operation for operation (double sums, IEEE division: mhc_common.cuh); y is a 4-term fp32 FMA
//   chain (7u·Σ|X_j|, budgeted). Budgets: harness/ops/mhc_policies.h.
//   Napkin math, Flash T = 8192, d = 4096: 336 MB minimal (read X 8d, write y 2d per token),
//   floor 78 us. fp32 work 96·d FMA per token = 3.2 GFMA: 96 us at the 33.4 TFMA/s of the CUDA
//   cores, ~130 us at the ~75 % FFMA issue share of the inner loop (per lane and 64-column step:
//   12·BM FFMA, BM LDS, 2·BM bf16 unpacks, 6 LDG). fn (96·d·4 B = 1.5 MB) is re-read from L2 by
//   every 14-token tile: 27·d B per token = 920 MB at ~5.5-7 TB/s of L2, ~130-170 us, overlapped
//   with the FMAs; the per-tile Sinkhorn (~2.4 us on one warp) overlaps with the SM's other CTA.
//   Expect 150-180 us (vs 474 us for the two-pass version); Pro T = 4096, d = 7168: 2.8 GFMA,
//   805 MB of L2, expect 140-170 us (vs 464). Reaching the 100 us target needs tensor cores, whose
//   fp32 accumulation (truncating) is outside the budget's error model.
//   Resources: 128 registers (BM = 14), ~105 KB shared memory at d = 7168: 2 CTAs per SM.
// hc_pre_two_pass (two launches, optimized/mhc_pre.cu): kept for comparison (backend
//   `cuda_two_pass`).
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
//  The token tiling (8 or 16 tokens per warp, switched at 64 tokens) changes which lanes hold a
//  token, never the order of its sums: both sides of the threshold give the same bits.
//  Napkin math: 336 MB minimal at Flash T = 8192, but X is read twice (18d + partials) and the
//  FP64 pipe (DMMA and F2F conversions) bounds it: 474 us measured (docs/perf.md).
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
// Tokens per cluster tile of hc_pre (a function of dim only).
int hc_pre_tile_tokens(int64_t dim);

// The same contract, two launches (FP64-MMA mix partials, then finish).
void hc_pre_two_pass(bf16* y, float* post, float* comb, const bf16* x, const float* fn, const float* base,
                     const float* scale, int64_t tokens, int64_t dim, int sinkhorn_iters, float hc_eps,
                     float norm_eps, cudaStream_t stream);

inline constexpr int64_t kHcSmallTileTokens = 64;  // dispatch threshold of the mix-partial tiling

namespace detail {
// Both launches for n_mix = 24 (hc_pre: post, comb written) or 4 (hc_head: post, comb null).
void hc_mix_finish(int n_mix, bf16* y, float* post, float* comb, const bf16* x, const float* fn, const float* base,
                   const float* scale, int64_t tokens, int64_t dim, int sinkhorn_iters, float hc_eps, float norm_eps,
                   cudaStream_t stream);
}  // namespace detail

}  // namespace v4::optimized
