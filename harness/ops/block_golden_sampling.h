// Bounds on |official − reference| for a whole Block over one sequence (the block, transformer
// and mtp_block golden cases): every step's local bound, propagated by sampling the reference.
//
// Why not intervals end to end: the local interval rules (block_golden_bounds.h) are tight per
// step, but composed with worst-case signs they are not. hc_pre may round ~10% of the attention
// inputs either way; through ~10 rounding stages and 512-term dot products that bounds the
// attention output by ~10^4 ulps of its scale, and the same dense uncertainty through the next
// hc_pre's 4·dim-term mixes gives Sinkhorn logit bounds of order 1 (measured on the block case),
// where the official outputs differ by a few ulps. Such a bound cannot fail.
//
// Error model. The official Block differs from the reference by the rounding differences of its
// steps. Given the same step inputs, a step's difference is within its local bound:
//   hc_pre (y, post, comb), attn_norm, hc_post, ffn_norm, the MoE: the sound interval rules of
//     block_golden_bounds.h on the reference's step inputs;
//   the attention layer: kAttentionOwnUlps = 2 bf16 ulps of the token's ‖f‖∞ (its registration's
//     budget for a candidate sharing every rounding point: one flip in each of the two output
//     linears; its exact-input interval bound is sound but loose, docs/attention.md).
// Later steps propagate these differences; the reference computes that propagation exactly. A
// sample is the reference Block with every step's output moved by ±its local bound (every
// element at once, independent random signs, bf16 values re-rounded; the Block input too when it
// has bounds): more and larger differences than the other side can have (it moves an element
// only where its value sits within the bound of a rounding boundary). The bound of token t is
//   E_y = (local bound of the final hc_post) + kSampleHeadroom · max_m ‖y_m − y‖∞,t
// over kSamples samples; kSampleHeadroom = 2 allows for sign patterns more coherent than the
// samples'. The samples keep the reference's MoE routing (the experts selected; their weights
// follow the sample's gate scores), so the bounds assume the official run routed every token as
// the reference does, as the attention checks assume its index lists: a token the official run
// routed otherwise shows as a difference of the size of an expert's output, outside its bound.
// Tokens whose routing a sample's gate would change are counted (fragile routing).
#pragma once

#include <cstdint>
#include <vector>

#include "harness/ops/block_golden_bounds.h"
#include "reference/block.h"
#include "reference/transformer.h"

namespace v4::harness {

inline constexpr double kAttentionOwnUlps = 2;
inline constexpr double kSampleHeadroom = 2;
inline constexpr int kSamples = 6;

struct BlockSequenceBounds {
  BoundedBf16 y;                          // [prefill + steps, 4, dim]
  std::vector<std::vector<bf16>> samples; // the sampled Block outputs y_m
  int64_t routing_flips = 0;    // tokens whose routing could flip within the local score bounds
  int64_t sampled_reroutes = 0; // tokens whose routing a sample's gate would change
  double max_response_ulps = 0; // largest sampled response, bf16 ulps of the token's ‖y‖∞
};

// One Block over one sequence: prefill of `prefill` tokens with the index lists prefill_idx
// [prefill, pw], then decode steps at positions prefill.. with decode_idx [steps, dw] (nullptr:
// the layer's own lists). x: [prefill + steps, 4, dim] with bounds (0 where exact); ids: [same].
BlockSequenceBounds block_sequence_bounds(const BoundedBf16& x, const int64_t* ids, int64_t prefill,
                                          int64_t steps, const reference::ModelConfig& cfg,
                                          const reference::BlockWeights& w,
                                          const int32_t* prefill_idx, int64_t pw,
                                          const int32_t* decode_idx, int64_t dw);

// The head's logits at positions [first, first + count) of a Block output with bounds: the
// interval bound of the head on the reference output (block_golden_bounds.h) plus kSampleHeadroom
// times the largest response of the position's logits to the Block's samples. Returns
// [count, vocab] logits and bounds.
LogitBounds sampled_head_bounds(const BlockSequenceBounds& b, int64_t first, int64_t count,
                                const reference::ModelConfig& cfg, const reference::HeadWeights& w);

} // namespace v4::harness
