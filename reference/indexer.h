// Lightning indexer (spec §9, CSA layers): scores every visible compressed block for a query and
// selects the top index_topk.
//   q^I = fp4_sim( Hadamard( RoPE( wq_b(qr) ) ) )              [rows, H, 128] bf16
//   w   = bf16( weights_proj(x) · fl32(128^−½ · H^−½) )        [rows, H] bf16 (global H)
//   I[t] = bf16( Σ_h bf16( w_h · ReLU( bf16(q_h · K[t]) ) ) )  the h-sum in fp32, then bf16
// Visibility (D10): a query at position p sees blocks t < ⌊(p+1)/4⌋.
// Selection (D4): the top min(index_topk, n_valid) visible t by (score descending, t ascending),
// emitted in that order, then −1 padding.
#pragma once

#include <cstdint>

#include "reference/compressor.h"
#include "reference/formats.h"
#include "reference/linear.h"
#include "reference/rope.h"

namespace v4::reference {

struct IndexerParams {
  int64_t dim = 0;         // model dim d
  int64_t q_lora_rank = 0; // width of qr
  int64_t n_heads = 0;     // index_n_heads (global: also the weight scale's H)
  int64_t head_dim = 128;  // index_head_dim
  int64_t topk = 0;        // index_topk
  int64_t ratio = 4;
  RopeParams rope;                    // compressed-layer table
  const bf16* wq_b = nullptr;         // [n_heads·head_dim, q_lora_rank] bf16
  const bf16* weights_proj = nullptr; // [n_heads, dim] bf16
  CompressorParams compressor;        // head_dim, ratio 4, rotate = true
  LinearWeight lin_wq_b; // FP8 checkpoints: replaces wq_b when its data is set (reference::linear)
};

// Blocks visible to a query at `position` (D10).
inline int64_t indexer_visible(int64_t position, int64_t ratio) {
  return (position + 1) / ratio;
}

// q: [rows, n_heads, head_dim] bf16 · qr: [rows, q_lora_rank] bf16 · positions: [rows].
void indexer_query(bf16* q, const bf16* qr, const int64_t* positions, int64_t rows,
                   const IndexerParams& p);

// w: [rows, n_heads] bf16 · x: [rows, dim] bf16.
void indexer_head_weights(bf16* w, const bf16* x, int64_t rows, const IndexerParams& p);

// scores: [rows, n_keys] bf16 · q: [rows, heads, head_dim] · w: [rows, heads] · keys:
// [n_keys, head_dim]. Every key is scored (visibility is applied by the caller / top-k).
void indexer_scores(bf16* scores, const bf16* q, const bf16* w, const bf16* keys, int64_t rows,
                    int64_t heads, int64_t head_dim, int64_t n_keys);

// idx: [rows, width] int32 · scores: [rows, n_keys] bf16 · n_valid: [rows] (each ≤ n_keys).
// Row r: the top min(width, n_valid[r]) of keys [0, n_valid[r]) by (score desc, index asc),
// plus `offset`, then −1 up to width.
void indexer_topk(int32_t* idx, const bf16* scores, const int64_t* n_valid, int64_t rows,
                  int64_t n_keys, int64_t width, int64_t offset);

// Prefill of tokens [0, tokens) at start_pos 0 ([C]'s list: width min(topk, ⌊tokens/4⌋)).
// idx: [tokens, width] int32 (t + offset, or −1) · keys: [⌊tokens/4⌋, head_dim] bf16 (the
// indexer cache rows) · state: the indexer compressor's decode state afterwards (may be null) ·
// scores: [tokens, ⌊tokens/4⌋] bf16 with −∞ where t is not visible (may be null) ·
// x: [tokens, dim] bf16 · qr: [tokens, q_lora_rank] bf16. Returns width.
int64_t indexer_prefill(int32_t* idx, bf16* keys, CompressorState* state, bf16* scores,
                        const bf16* x, const bf16* qr, int64_t tokens, int64_t offset,
                        const IndexerParams& p);

// One decode token at position `pos`. keys: the indexer cache, [≥ ⌊(pos+1)/4⌋, head_dim], row
// (pos+1)/4 − 1 written when this token completes a block · idx: [width] int32, t + offset, no −1 ·
// scores: [⌊(pos+1)/4⌋] bf16 (may be null). Returns width = min(topk, ⌊(pos+1)/4⌋).
int64_t indexer_decode(int32_t* idx, bf16* keys, CompressorState& state, bf16* scores,
                       const bf16* x, const bf16* qr, int64_t pos, int64_t offset,
                       const IndexerParams& p);

} // namespace v4::reference
