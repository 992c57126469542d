// One V4 Block (spec §14 "Block", with §11-§13 attention and §15-§17 MoE), as [C]'s
// Block.forward(x, start_pos, input_ids):
//   (a, post, comb) = hc_pre(X; hc_attn_*)        X: [tokens, 4, dim] bf16 residual streams
//   X' = hc_post(Attention(attn_norm(a)), X, post, comb)
//   (f, post, comb) = hc_pre(X'; hc_ffn_*)
//   Y  = hc_post(MoE(ffn_norm(f), token ids), X', post, comb)
// Every step is the existing reference function (mhc_pre.h, rms_norm.h, attention.h, moe.h,
// mhc_post.h); this file only wires them and keeps the layer's state (the attention cache).
// The layer id picks the compress ratio (cfg.compress_ratios[layer]) and hash routing
// (layer < n_hash_layers: the gate takes tid2eid and needs the token ids).
//
// Rows: the mHC and MoE steps are per token; the attention couples tokens causally (a token
// sees earlier tokens of its own sequence), so a Block call is one sequence. The reference's
// prefill of s + t tokens equals a prefill of s then t decode steps bit for bit (attention.h).
#pragma once

#include <cstdint>
#include <vector>

#include "reference/attention.h"
#include "reference/formats.h"
#include "reference/model_config.h"
#include "reference/moe.h"

namespace v4::reference {

// Non-owning views of one Block's parameters ([C] state-dict names relative to `layers.<i>.`).
struct BlockWeights {
  int64_t layer = 0;                    // layer id (the MTP block: n_layers + i)
  const float* hc_attn_fn = nullptr;    // [24, 4·dim]
  const float* hc_attn_base = nullptr;  // [24]
  const float* hc_attn_scale = nullptr; // [3]
  const float* hc_ffn_fn = nullptr;     // [24, 4·dim]
  const float* hc_ffn_base = nullptr;   // [24]
  const float* hc_ffn_scale = nullptr;  // [3]
  const float* attn_norm = nullptr;     // [dim]
  const float* ffn_norm = nullptr;      // [dim]
  AttentionWeights attn;                // attn.*
  MoeParams ffn;                        // ffn.* (gate.tid2eid set exactly on hash layers)
};

// One sequence's Block state: the attention cache (reset by every prefill, D8).
struct BlockState {
  AttentionCache attn;
  int64_t next_pos = 0; // the position the next decode call must have
};

// Values captured inside a call (golden comparisons, debugging), [tokens, ...] of the call.
struct BlockTrace {
  std::vector<bf16> attn_in;         // [tokens, dim]   attn_norm(hc_pre(X))
  std::vector<bf16> attn_out;        // [tokens, dim]   the attention layer's output
  std::vector<bf16> mid;             // [tokens, 4, dim] X' after the attention hc_post
  std::vector<bf16> ffn_in;          // [tokens, dim]   ffn_norm(hc_pre(X'))
  std::vector<bf16> ffn_out;         // [tokens, dim]   the MoE output
  std::vector<float> gate_weights;   // [tokens, k]
  std::vector<int32_t> gate_indices; // [tokens, k]
  AttentionTrace attn;
};

// The compress ratio of the Block's attention (0, 4 or 128).
int64_t block_compress_ratio(const ModelConfig& cfg, const BlockWeights& w);

// Prefill of one sequence's tokens [0, tokens): y: [tokens, 4, dim] bf16 · x: [tokens, 4, dim]
// bf16 · token_ids: [tokens] (hash layers; may be nullptr otherwise). Resets and fills `state`.
// forced: index lists to use in the attention instead of its own (attention.h).
void block_prefill(bf16* y, BlockState& state, const bf16* x, const int64_t* token_ids,
                   int64_t tokens, const ModelConfig& cfg, const BlockWeights& w,
                   BlockTrace* trace = nullptr, const IndexOverride* forced = nullptr);

// One decode token at position pos (= state.next_pos, after a prefill): y: [4, dim] bf16 ·
// x: [4, dim] bf16 · token_id: the token at pos (hash layers; ignored otherwise).
void block_decode(bf16* y, BlockState& state, const bf16* x, int64_t token_id, int64_t pos,
                  const ModelConfig& cfg, const BlockWeights& w, BlockTrace* trace = nullptr,
                  const IndexOverride* forced = nullptr);

} // namespace v4::reference
