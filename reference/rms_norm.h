// RMSNorm variants (spec §5).
//   weighted:  y = bf16( w ⊙ (x · rsqrt(mean(x²) + eps)) ), x -> fp32, w fp32
//   per-head:  q ← q · rsqrt(mean(q²) + eps) over each head, in bf16 arithmetic as [C] does
//              (square, mean, +eps, rsqrt and product each rounded to bf16)
// Reference numerics: sums accumulate in double and are rounded once to the model's dtype; every
// other operation is rounded where the model rounds it.
#pragma once

#include <cstdint>

#include "reference/formats.h"

namespace v4::reference {

// y: [rows, dim] bf16 · x: [rows, dim] bf16 · w: [dim] fp32.
void rms_norm(bf16* y, const bf16* x, const float* w, int64_t rows, int64_t dim, float eps);

// y: [rows, heads, head_dim] bf16 (may alias x) · x: same shape. No weight.
void rms_norm_head(bf16* y, const bf16* x, int64_t rows, int64_t heads, int64_t head_dim, float eps);

// fl32(1 / sqrt(fl32(mean_square + eps))): the rsqrt factor of the fp32 norms (correctly rounded).
float rms_rsqrt(double sum_of_squares, int64_t count, float eps);

}  // namespace v4::reference
