// The MTP block (spec §18), as [C]'s MTPBlock.forward(x, start_pos, input_ids) with batch 1:
//   e = enorm(embed(ids))                              [tokens, dim] bf16 (embed shared)
//   h = hnorm(H)                                       per stream, H: [tokens, 4, dim] bf16
//   X = bf16( e_proj(e)[:, None, :] + h_proj(h) )      both bf16; the add in fp32, one rounding
//   X = Block(X)                                       layer n_layers (+ i): SWA, score-routed
//   logits = head( norm( hc_head(X; MTP hc_head_*) ) )[last position]   (head shared)
// `ids` are the caller's (D12: the token at t + 1 with the hidden state of t); [C] leaves the
// shift to the caller and so does this function. e_proj / h_proj take any Linear weight format
// (bf16 in the golden configuration, e4m3 in the released checkpoints: reference/linear.h).
#pragma once

#include <cstdint>
#include <vector>

#include "reference/block.h"
#include "reference/formats.h"
#include "reference/linear.h"
#include "reference/model_config.h"
#include "reference/transformer.h"

namespace v4::reference {

struct MtpWeights {
  BlockWeights block;           // layer = n_layers + i; attn and ffn of the MTP block
  LinearWeight e_proj, h_proj;  // [dim, dim]
  const float* enorm = nullptr; // [dim]
  const float* hnorm = nullptr; // [dim]
  const bf16* embed = nullptr;  // [vocab, dim], the main model's
  HeadWeights head;             // hc_fn/base/scale and norm: the MTP block's; head: shared
};

struct MtpTrace {
  std::vector<bf16> x;   // [tokens, 4, dim] the Block input X
  std::vector<bf16> out; // [tokens, 4, dim] the Block output
  BlockTrace block;
};

// The Block input X of `tokens` rows: x: [tokens, 4, dim] bf16 · h: [tokens, 4, dim] bf16 (the
// main model's last-layer streams) · ids: [tokens] (already shifted).
void mtp_input(bf16* x, const bf16* h, const int64_t* ids, int64_t tokens, const ModelConfig& cfg,
               const MtpWeights& w);

// Prefill at start_pos 0: logits: [vocab] fp32 of the last position · h: [tokens, 4, dim] bf16 ·
// ids: [tokens]. Resets and fills `state`.
void mtp_prefill(float* logits, BlockState& state, const bf16* h, const int64_t* ids,
                 int64_t tokens, const ModelConfig& cfg, const MtpWeights& w,
                 MtpTrace* trace = nullptr, const IndexOverride* forced = nullptr);

// One decode token at position pos (= state.next_pos): logits: [vocab] · h: [4, dim] bf16 ·
// id: the (shifted) token id of this position.
void mtp_decode(float* logits, BlockState& state, const bf16* h, int64_t id, int64_t pos,
                const ModelConfig& cfg, const MtpWeights& w, MtpTrace* trace = nullptr,
                const IndexOverride* forced = nullptr);

} // namespace v4::reference
