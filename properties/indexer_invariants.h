// Error bounds of the lightning indexer's scores (spec §9) by interval propagation
// (properties/interval_invariants.h), for comparing the reference with another implementation:
//   q:  wq_b (bf16 linear of the exact qr) → RoPE → Hadamard → FP4 simulation (block 32)
//   w:  weights_proj (bf16 linear of the exact x) × fl32(128^−½·H^−½) → bf16
//   I:  bf16(q_h·K) → ReLU → bf16(× w_h) → fp32 sum over heads → bf16
// Keys come with their own bounds (properties::compressor_bounds of the indexer compressor).
#pragma once

#include <cstdint>
#include <vector>

#include "reference/indexer.h"

namespace v4::properties {

struct IndexerQueryBounds {
  std::vector<bf16> q, w;       // the reference's values: [rows, H, hd], [rows, H]
  std::vector<double> e_q, e_w; // bounds on |official − ours|
};
// qr: [rows, q_lora] · x: [rows, dim] (both exact) at `positions`.
IndexerQueryBounds indexer_query_bounds(const bf16* qr, const bf16* x, const int64_t* positions,
                                        int64_t rows, const reference::IndexerParams& p);

// Bounds on the scores [rows, n_keys]: keys [n_keys, hd] with bounds e_keys (empty: exact).
// dot radius Σ|q|e_k + e_q(|k| + e_k) + hd·u·Σ|q·k|; ReLU is 1-Lipschitz; the product radius
// e_relu(|w| + e_w) + relu·e_w; the head sum Σ e_term + H·u·Σ|term|; bf16 spreads in between.
std::vector<double> indexer_score_bounds(const IndexerQueryBounds& qb, const bf16* keys,
                                         const std::vector<double>& e_keys, int64_t rows,
                                         int64_t heads, int64_t head_dim, int64_t n_keys);

} // namespace v4::properties
