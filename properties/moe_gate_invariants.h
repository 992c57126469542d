// Invariants of the MoE gate (spec §15), shared by the RapidCheck properties and the harness's
// domain-property checks. All work on the op's outputs: weights, indices [tokens, k] and the
// unbiased scores [tokens, experts].
#pragma once

#include <cstdint>

#include "harness/registry.h"

namespace v4::properties {

// w_k > 0 and |Σ_k w_k − route_scale| <= route_scale·(2k + 2)·u: each weight carries the
// relative error of the fp32 sum of k scores ((k − 1)·u), one division and one product, and the
// normalizations of the k weights share the sum's error (first order, u = 2^-24).
harness::PropertyOutcome check_gate_weight_sum(const harness::Tensor& weights, float route_scale);

// The weights are the selected scores renormalized: |w_j − rs·s_j/Σ_sel s| <= (k + 2)·u·w_j.
harness::PropertyOutcome check_gate_weights_from_scores(const harness::Tensor& weights,
                                                        const harness::Tensor& indices,
                                                        const harness::Tensor& scores,
                                                        float route_scale);

// Score routing: k distinct experts in range, a top-k of fl32(s + bias) with the D4 order (value
// descending, expert id ascending), checked exactly against the op's own scores.
harness::PropertyOutcome check_gate_topk(const harness::Tensor& indices,
                                         const harness::Tensor& scores,
                                         const harness::Tensor* bias);

// Hash routing: indices[t] == tid2eid[token_ids[t]] (independent of x).
harness::PropertyOutcome check_gate_hash(const harness::Tensor& indices,
                                         const harness::Tensor& tid2eid,
                                         const harness::Tensor& token_ids);

} // namespace v4::properties
