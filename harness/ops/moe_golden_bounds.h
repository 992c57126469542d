// Derived per-element error bounds between the reference and the official code for the MoE
// golden cases (gate scores and weights, bf16-weight experts, the combined layer). Each bound
// is first order in u = 2^-24 and composes the steps of the computation:
//   l   = x·Wᵀ (K-term fp32 dot product):       E_l  = (K + 1)·u·Σ|x_j W_j|
//   sp  = softplus(l) (CUDA expf ≤ 2 ulp, log1pf ≤ 1 ulp, each side's rounding ½ ulp; d sp/dl =
//   σ(l) ≤ 1):
//                                                E_sp = σ(l)·E_l + 8u·sp
//   s   = sqrt(sp) (correctly rounded both sides):  E_s = E_sp/(2s) + 2u·s
//   w_k = rs·s_k/Σ s (sum: k−1 roundings; division and product: one rounding per side each):
//                                                E_w  = w·(E_s_k/s_k + max_j E_s_j/s_j + (k + 4)·u)
//   bf16 linear output y = bf16(v):              |Δy| ≤ |Δv| + ulp_bf16(|y| + |Δv|)
//   silu (|silu'| ≤ 1.0999; official x/(1+expf(−x)) ≤ 6u relative, ours ½ ulp): E = 1.1·E_g +
//   7u·|silu| products a·b: |b|·E_a + |a|·E_b + E_a·E_b + 2u·|a·b|;  clamps are 1-Lipschitz.
// Magnitudes are taken at the reference value plus its bound, so the bounds hold for both sides.
#pragma once

#include <cstdint>
#include <vector>

#include "harness/tensor.h"

namespace v4::harness {

struct GateScoreBounds {
  std::vector<double> score, error; // [tokens, experts]: the reference's s and E_s
};
// x: [tokens, dim] bf16 · w: [experts, dim] bf16.
GateScoreBounds gate_score_bounds(const Tensor& x, const Tensor& w, int64_t tokens, int64_t dim,
                                  int64_t experts);

// E_w per selected (token, j): weights [tokens, k] (the reference's) at indices [tokens, k].
std::vector<double> gate_weight_errors(const GateScoreBounds& b, const std::vector<float>& weights,
                                       const std::vector<int32_t>& indices, int64_t tokens,
                                       int64_t experts, int64_t k);

// One bf16-weight expert on `rows` rows: y = the reference output [rows, dim] (as values) and
// err = the bound on |y_ref − y_official| BEFORE the final bf16 rounding of y's fp32 accumulator
// (callers add the output rounding where the output is bf16). route_weight / route_error: [rows]
// or empty (shared expert: no weight).
struct ExpertBound {
  std::vector<double> y, err;  // err: before the bf16 rounding of y
  std::vector<double> err_out; // after it: err + ulp_bf16(|y| + err)
};
ExpertBound expert_bound(const bf16* x, const bf16* w1, const bf16* w2, const bf16* w3,
                         const std::vector<float>& route_weight,
                         const std::vector<double>& route_error, int64_t rows, int64_t dim,
                         int64_t inter, float limit);

} // namespace v4::harness
