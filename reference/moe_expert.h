// MoE experts (spec §16 routed, §17 shared): SwiGLU with the V4 clamp.
//   g = fp32(w1(x));  u = fp32(w3(x))          w1, w3: [inter, dim] Linears with bf16 output (§4.3)
//   u = clamp(u, −limit, +limit);  g = min(g, +limit)          (limit = swiglu_limit = 10; 0: off)
//   h = fl32(silu(g) · u);  h = fl32(w_route · h)              routing weight BEFORE w2
//   out = w2(bf16(h))                                          w2: [dim, inter], bf16 output
// Routed experts carry e2m1 weights (1×32 scales), the shared expert e4m3 weights (128×128) and
// the clamp too (D2); the golden config uses bf16 weights. silu(g) = g/(1 + e^−g) is evaluated in
// double and rounded once to fp32 (torch computes it in fp32 opmath).
#pragma once

#include <cstdint>

#include "reference/formats.h"
#include "reference/linear.h"
#include "reference/swiglu.h"

namespace v4::reference {

struct ExpertWeights {
  LinearWeight w1, w2, w3; // w1, w3: [inter, dim]; w2: [dim, inter]
  int64_t dim() const { return w1.in; }
  int64_t inter() const { return w1.out; }
};

// h: [rows, inter] bf16, the w2 input bf16(w_route·silu(min(g, limit))·clamp(u, ±limit)) ·
// x: [rows, dim] bf16 · route_weight: [rows] fp32 or nullptr.
void moe_expert_hidden(bf16* h, const bf16* x, const float* route_weight, const ExpertWeights& w,
                       int64_t rows, float swiglu_limit);

// y: [rows, dim] bf16 = w2(moe_expert_hidden(...)) · x: [rows, dim] bf16 · route_weight: [rows] or
// nullptr.
void moe_expert(bf16* y, const bf16* x, const float* route_weight, const ExpertWeights& w,
                int64_t rows, float swiglu_limit);

} // namespace v4::reference
