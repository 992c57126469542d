// Error bounds of the attention layer (spec §11-§12) by interval propagation through its
// rounding points (properties/interval_invariants.h), for comparing the reference with another
// implementation of the layer (the official code in the golden checks) given the same index list:
//   q:  wq_a (bf16 linear) → q_norm → wq_b → per-head RMS in bf16 arithmetic → RoPE
//   kv: wkv → kv_norm → RoPE → FP8 simulation of dims [0, 448)
//   o:  sparse attention over the KV array (raw rows and compressed entries with their bounds)
//   y:  de-rotation → wo_a per group (bf16 einsum) → wo_b
// Every stage's bound is 0 where no value can cross a rounding point, so the final bounds stay
// tight unless a flip is genuinely possible upstream.
#pragma once

#include <cstdint>
#include <vector>

#include "reference/attention.h"

namespace v4::properties {

struct QkvBounds {
  std::vector<bf16> q, kv;       // the reference's values: [rows, H, D] and [rows, D]
  std::vector<double> e_q, e_kv; // bounds on |official − ours|
};
// x: [rows, dim] bf16 (exact input) at `positions`.
QkvBounds attention_qkv_bounds(const bf16* x, const int64_t* positions, int64_t rows,
                               const reference::ModelConfig& cfg, int64_t ratio,
                               const reference::AttentionWeights& w);

struct OutputBounds {
  std::vector<bf16> o;          // sparse attention output before de-rotation [rows, H, D]
  std::vector<double> e_o, e_y; // bounds: o [rows, H, D], y [rows, dim]
};
// q: [rows, H, D] with bounds e_q · kv: the KV array [n_kv, D] with bounds e_kv · idx: [rows,
// width].
OutputBounds attention_output_bounds(const std::vector<bf16>& q, const std::vector<double>& e_q,
                                     const bf16* kv, const std::vector<double>& e_kv, int64_t n_kv,
                                     const int32_t* idx, int64_t width, const int64_t* positions,
                                     int64_t rows, const reference::ModelConfig& cfg, int64_t ratio,
                                     const reference::AttentionWeights& w);

// The output path alone: o [rows, H, D] (sparse attention output, before de-rotation) with
// bounds e_o → de-rotation → wo_a per group → wo_b. Returns bounds on y [rows, dim].
std::vector<double> attention_projection_bounds(const bf16* o, const std::vector<double>& e_o,
                                                const int64_t* positions, int64_t rows,
                                                const reference::ModelConfig& cfg, int64_t ratio,
                                                const reference::AttentionWeights& w);

} // namespace v4::properties
