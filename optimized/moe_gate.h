// MoE gate on the GPU (spec §15), as reference/moe_gate.h: the projection with the score function
// (moe_gate_scores), and the routing from scores or from logits: D4 top-k of fl32(s + bias) or
// tid2eid hash routing, weights fl32(fl32(s / fl32(Σ s_sel)) · route_scale).
//
// moe_gate_scores: an FP64 SIMT GEMM. Each logit is accumulated by one thread with fma in the
// reference's index order (k = 0 .. dim − 1, from +0): bf16·bf16 products are exact in double, so
// fma(x, w, acc) is the reference's acc + x·w bit for bit and fl32(dot) equals the reference's
// logit. The 64x64 token x expert tiles change which thread computes a logit, never its order:
// batch invariant by construction. Napkin math: T·dim·E FMA on the FP64 pipes (132 SM x 64 / clk
// x 1.98 GHz = 16.7 T FMA/s): Pro 512 x 7168 x 384 = 1.41 G FMA, 84 us (12.8 MB of traffic, 3 us);
// Flash 4096 x 4096 x 256 = 4.3 G FMA, 257 us. Compute-bound by the reference's exact logits.
//
// Score function (both paths): sp = l > 20 ? l : fl32(log1p(exp(l))) in double, s = fl32(sqrt(sp)).
// CUDA's double exp and log1p are within 1 ulp (as glibc's): the double softplus values are within
// ~3 double ulps, so fl32(sp) is the reference's unless the exact value lies within ~3·2^-53
// relative of an fp32 rounding point (~2^-27 of the logits); then it is adjacent, and the
// correctly rounded sqrt halves that relative step: s within 1 fp32 ulp. Everything after the
// score is the reference's operations in its order (fp32 add of the bias, the D4 comparisons, the
// double sum of the k selected scores in selection order, IEEE division and product), so weights
// and indices are bitwise the reference's whenever the scores are, and the top-k can change only
// where two biased scores lie within an ulp (the registered policies' premise).
//
// Routing kernels: one warp per token; lane l holds experts l, l + 32, ... (E <= 384). From
// scores: k rounds of a warp arg-max under the D4 total order (value descending, index ascending)
// by xor butterfly: the order is total, so every lane ends with the same winner.
// From logits (score-routed): an fp32 filter (optimized/moe_gate_bound.cuh: the bound and its
// proof). a = sqrtf(log1pf(expf(l))) encloses the exact double score s in [a - E, a + E],
// E = 2^-11 a + 2^-60 (>= 1400x the bound from CUDA's documented ulp errors); the key enclosures
// [fl32(lo + b), fl32(hi + b)] are sound by the monotonicity of rounding. With T the k-th largest
// lower end, only experts whose upper end reaches T can be selected; those candidates (~k + a few;
// over 32, or a non-finite logit or bias: every expert) get the unchanged double score, and the
// D4 rounds, the double sum and the weights run on them exactly as before: bitwise the same
// indices and weights as scoring every expert in double. Hash routing scores its k experts only.
// Napkin math (Flash 262144 x 256, from logits): 281 MB, floor 65 us at 4.30 TB/s. Before: 8
// double scores per lane (~110 FP64 PTX instructions each, ~900 per token), FP64-bound at
// 1114 us. After: ~1 double score per lane (~110 FP64 per token), and per lane 8 fp32 scores
// (~60 instructions each) plus ~400 for the k redux rounds and the compaction: ~1000 warp
// instructions per token at 1.05 T/s (132 SM x 4 schedulers x 1.98 GHz) = ~250 us, issue-bound.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

#include "reference/formats.h"
#include "reference/moe_gate.h"

namespace v4::optimized {

inline constexpr int64_t kGateMaxExperts = 384;
inline constexpr int64_t kGateMaxK = 8;

// scores: [tokens, experts] fp32 · x: [tokens, dim] bf16 · w: [experts, dim] bf16; dim % 16 == 0.
void moe_gate_scores(float* scores, const bf16* x, const bf16* w, int64_t tokens, int64_t dim,
                     int64_t experts, cudaStream_t stream);

// weights, indices: [tokens, k] · scores: [tokens, experts] · bias: [experts] fp32 or nullptr.
// experts <= 384, k <= 8.
void moe_gate_route(float* weights, int32_t* indices, const float* scores, const float* bias,
                    int64_t tokens, int64_t experts, int64_t k, float route_scale,
                    cudaStream_t stream);

// weights, indices: [tokens, k] · scores: [tokens, experts] · tid2eid: [vocab, k] int32 ·
// token_ids: [tokens] int64. An id outside [0, vocab) or a table entry outside [0, experts) (the
// reference throws) gives NaN weights for that token; nothing is read out of bounds.
void moe_gate_hash(float* weights, int32_t* indices, const float* scores, const int32_t* tid2eid,
                   const int64_t* token_ids, int64_t tokens, int64_t experts, int64_t k,
                   int64_t vocab, float route_scale, cudaStream_t stream);

// The gate after its projection: weights, indices: [tokens, k] · logits: [tokens, experts] fp32 ·
// token_ids: [tokens] (hash only) · p: bias / tid2eid as device pointers (p.weight unused).
void moe_gate_from_logits(float* weights, int32_t* indices, const float* logits,
                          const int64_t* token_ids, const reference::GateParams& p, int64_t tokens,
                          cudaStream_t stream);

} // namespace v4::optimized
