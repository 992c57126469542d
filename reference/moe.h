// The MoE layer (spec §15–§17): gate, routed experts, shared expert, combine.
//   (w, idx) = gate(x, token_ids)
//   y = Σ_{selected e, ascending expert id} expert_e(x, w_e)      fp32 adds in that order (§0.4)
//   y = fl32(y + shared(x));  out = bf16(y)
// A token's output depends only on its own row (and token id), so the layer is batch-invariant.
#pragma once

#include <cstdint>
#include <vector>

#include "reference/formats.h"
#include "reference/moe_expert.h"
#include "reference/moe_gate.h"

namespace v4::reference {

struct MoeParams {
  GateParams gate;
  std::vector<ExpertWeights> experts; // gate.experts entries, in expert-id order
  ExpertWeights shared;
  bool has_shared = true;
  float swiglu_limit = kSwigluLimit; // routed and shared (D2)
};

// y: [tokens, dim] bf16 · gate_weights, gate_indices: [tokens, k] (the routing used; may be
// nullptr) · x: [tokens, dim] bf16 · token_ids: [tokens] (hash layers; may be nullptr otherwise).
void moe(bf16* y, float* gate_weights, int32_t* gate_indices, const bf16* x,
         const int64_t* token_ids, const MoeParams& p, int64_t tokens, int64_t dim);

// The combine step alone, for given routing: y: [tokens, dim] bf16 · weights, indices:
// [tokens, k]. Expert e runs on the rows routed to it, with their weights.
void moe_combine(bf16* y, const float* weights, const int32_t* indices, const bf16* x,
                 const MoeParams& p, int64_t tokens, int64_t dim);

} // namespace v4::reference
