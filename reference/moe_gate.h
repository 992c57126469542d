// MoE gate (spec §15): sqrtsoftplus scores, bias for selection only, top-k (D4) or hash routing,
// weights renormalized over the selected experts and multiplied by route_scale.
//   l = x·Wᵀ (fp32; x bf16 → fp32, W bf16 → fp32)      s = fl32(sqrt(fl32(softplus(l))))
//   score-routed: idx = top_k(fl32(s + bias))  by (value descending, expert id ascending) (D4)
//   hash-routed:  idx = tid2eid[token_id]      (no bias; the order of the table row is kept)
//   w_k = fl32(fl32(s[idx_k] / fl32(Σ_k' s[idx_k'])) · route_scale)
// Reference numerics: the dot product and the weight sum accumulate in double and are rounded
// once to fp32; softplus is evaluated in double (torch's threshold: l > 20 returns l) and rounded
// to fp32 where [C] holds an fp32 tensor.
#pragma once

#include <cstdint>

#include "reference/formats.h"

namespace v4::reference {

// The score function of one fp32 logit: fl32(sqrt(fl32(softplus(l)))), softplus in double with
// torch's threshold (l > 20 returns l), the square root correctly rounded.
float sqrt_softplus(float logit);

// scores: [n] fp32 = sqrt_softplus(logits) (may alias logits) · logits: [n] fp32, the gate
// projection's output.
void moe_gate_activate(float* scores, const float* logits, int64_t n);

// logits: [tokens, experts] fp32 = fl32(x·w) (double sum in index order, rounded once) ·
// x: [tokens, dim] bf16 (finite) · w: [experts, dim] bf16.
void moe_gate_logits(float* logits, const bf16* x, const bf16* w, int64_t tokens, int64_t dim,
                     int64_t experts);

// scores: [tokens, experts] fp32 = sqrt_softplus(moe_gate_logits(x, w)).
void moe_gate_scores(float* scores, const bf16* x, const bf16* w, int64_t tokens, int64_t dim,
                     int64_t experts);

// The values ranked by the top-k: biased: [tokens, experts] = fl32(scores + bias); bias: [experts]
// fp32 or nullptr (then biased = scores).
void moe_gate_biased(float* biased, const float* scores, const float* bias, int64_t tokens,
                     int64_t experts);

// D4 top-k of one row: idx: [k] · values: [n] (finite); by value descending, index ascending.
void topk_lower_index_wins(int32_t* idx, const float* values, int64_t n, int64_t k);

// weights: [tokens, k] fp32 · scores: [tokens, experts] · indices: [tokens, k] in [0, experts).
// The renormalized, route_scale-multiplied weights of a given selection.
void moe_gate_weights(float* weights, const float* scores, const int32_t* indices, int64_t tokens,
                      int64_t experts, int64_t k, float route_scale);

// Score-routed selection and weights: weights, indices: [tokens, k] · scores: [tokens, experts] ·
// bias: [experts] fp32 or nullptr.
void moe_gate_route(float* weights, int32_t* indices, const float* scores, const float* bias,
                    int64_t tokens, int64_t experts, int64_t k, float route_scale);

// Hash-routed selection (layers < n_hash_layers): indices[t] = tid2eid[token_ids[t]] ·
// tid2eid: [vocab, k] int32 in [0, experts) · token_ids: [tokens] in [0, vocab).
void moe_gate_hash(float* weights, int32_t* indices, const float* scores, const int32_t* tid2eid,
                   const int64_t* token_ids, int64_t tokens, int64_t experts, int64_t k,
                   int64_t vocab, float route_scale);

// The whole gate of one layer: scores from x, then hash routing when tid2eid is given, else
// score routing with bias (may be nullptr).
struct GateParams {
  const bf16* weight = nullptr;     // [experts, dim]
  const float* bias = nullptr;      // [experts] or nullptr
  const int32_t* tid2eid = nullptr; // [vocab, k] or nullptr (score-routed)
  int64_t experts = 0, k = 0, vocab = 0;
  float route_scale = 1.0f;
};
// The gate after its projection: scores = sqrt_softplus(logits), then the routing of `p`
// (p.weight unused). weights, indices: [tokens, k] · logits: [tokens, experts] fp32 ·
// token_ids: [tokens] (hash layers only).
void moe_gate_from_logits(float* weights, int32_t* indices, const float* logits,
                          const int64_t* token_ids, const GateParams& p, int64_t tokens);

// weights, indices: [tokens, k] · x: [tokens, dim] bf16 · token_ids: [tokens] (hash layers only).
void moe_gate(float* weights, int32_t* indices, const bf16* x, const int64_t* token_ids,
              const GateParams& p, int64_t tokens, int64_t dim);

} // namespace v4::reference
