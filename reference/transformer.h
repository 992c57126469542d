// The whole V4 Transformer forward (spec §14, §24), as [C]'s Transformer.forward(input_ids,
// start_pos) with batch 1:
//   X⁰ = 4 copies of embed(ids)                               [tokens, 4, dim] bf16
//   Xⁱ⁺¹ = Block_i(Xⁱ, start_pos, ids)                        i = 0 .. n_layers − 1
//   logits = head( norm( hc_head(X^n) ) )[last position]      fp32 [vocab]
// Prefill starts at position 0 and resets every layer's state; decode runs one token at the
// next position. The head (hc_head → norm → fp32 linear, last position only) is shared with the
// MTP block (reference/mtp_block.h), which has its own hc_head parameters and norm.
#pragma once

#include <cstdint>
#include <vector>

#include "reference/block.h"
#include "reference/formats.h"
#include "reference/model_config.h"

namespace v4::reference {

// The output head of the main model or of an MTP block.
struct HeadWeights {
  const float* hc_fn = nullptr;    // [4, 4·dim]   hc_head_fn
  const float* hc_base = nullptr;  // [4]          hc_head_base
  const float* hc_scale = nullptr; // [1]          hc_head_scale
  const float* norm = nullptr;     // [dim]        norm.weight
  const float* head = nullptr;     // [vocab, dim] head.weight (fp32, as [C] keeps it)
};

// logits: [vocab] fp32 · x: [4, dim] bf16, the last position's streams.
//   h = hc_head(x) (bf16) → norm (bf16) → logits = fl32(head · fp32(h)) (dense_linear_f32)
void head_logits(float* logits, const bf16* x, const ModelConfig& cfg, const HeadWeights& w);

// x: [tokens, 4, dim] bf16 = 4 copies of embed[ids[t]] · ids: [tokens] in [0, vocab) ·
// embed: [vocab, dim] bf16.
void embed_streams(bf16* x, const int64_t* ids, const bf16* embed, int64_t tokens,
                   const ModelConfig& cfg);

struct TransformerWeights {
  const bf16* embed = nullptr;      // [vocab, dim]
  std::vector<BlockWeights> layers; // n_layers Blocks, layers[i].layer == i
  HeadWeights head;
};

struct TransformerState {
  std::vector<BlockState> layers;
  int64_t next_pos = 0;
};

// Per-layer values of a call: layers[i] = the output of Block i, [tokens, 4, dim] bf16; blocks[i]
// its internals (attention index lists, routing, ...).
struct TransformerTrace {
  std::vector<std::vector<bf16>> layers;
  std::vector<BlockTrace> blocks;
};

// Index lists to force per layer (CSA layers of the golden checks): forced[i].idx == nullptr
// leaves layer i its own lists. nullptr: every layer uses its own.
using LayerOverrides = std::vector<IndexOverride>;

// Prefill at start_pos 0: logits: [vocab] fp32 of the last position · ids: [tokens].
void transformer_prefill(float* logits, TransformerState& state, const int64_t* ids, int64_t tokens,
                         const ModelConfig& cfg, const TransformerWeights& w,
                         TransformerTrace* trace = nullptr, const LayerOverrides* forced = nullptr);

// One decode token `id` at position pos (= state.next_pos): logits: [vocab] fp32.
void transformer_decode(float* logits, TransformerState& state, int64_t id, int64_t pos,
                        const ModelConfig& cfg, const TransformerWeights& w,
                        TransformerTrace* trace = nullptr, const LayerOverrides* forced = nullptr);

} // namespace v4::reference
