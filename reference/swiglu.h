// The V4 clamped SwiGLU (spec §16, §17, D2), the activation between an expert's GEMMs:
//   u = clamp(u, −limit, +limit);  g = min(g, +limit)          (limit = swiglu_limit = 10; 0: off)
//   h = fl32(silu(g) · u);  h = fl32(w_route · h)              routing weight BEFORE w2
// silu(g) = g/(1 + e^−g) is evaluated in double and rounded once to fp32 (torch computes it in
// fp32 opmath). In the expert, g and u are the w1 and w3 Linears' bf16 outputs and h goes to w2
// as bf16 (swiglu_clamp_bf16).
#pragma once

#include <cstdint>

#include "reference/formats.h"

namespace v4::reference {

inline constexpr float kSwigluLimit = 10.0f;

// h: [rows, inter] fp32 · g, u: [rows, inter] fp32 · route_weight: [rows] fp32 or nullptr
// (shared expert: no routing weight). limit <= 0 disables the clamp, as [C] does.
void swiglu_clamp(float* h, const float* g, const float* u, const float* route_weight, int64_t rows,
                  int64_t inter, float limit);

// h: [rows, inter] bf16 = bf16(swiglu_clamp(g, u)) · g, u: [rows, inter] bf16 (the w1 and w3
// Linears' bf16 outputs, widened) · route_weight: [rows] fp32 or nullptr. The activation as the
// expert applies it between its GEMMs (the `swiglu` op).
void swiglu_clamp_bf16(bf16* h, const bf16* g, const bf16* u, const float* route_weight,
                       int64_t rows, int64_t inter, float limit);

} // namespace v4::reference
