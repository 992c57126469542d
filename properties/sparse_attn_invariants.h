// Invariants and error bounds of sparse attention with a sink (spec §11.2), shared by the
// RapidCheck properties, the OpSpec domain properties and the golden checkers.
#pragma once

#include <cstdint>
#include <vector>

#include "harness/registry.h"
#include "reference/formats.h"

namespace v4::properties {

// Per-element absolute bound on |o − o'| between two implementations that share the kernel's
// rounding points (fp32 logits, bf16 P before PV, fp32 denominator, chunks of 64) but not its
// summation orders, chunk membership or libm (exp within 2 ulp). For one (row, head):
//   E   = scale·(D·u·Σ_d|q_d·kv_jd|) + 4u·|ℓ_j|, maxed over j      (fp32 D-term dot products)
//   η   = 2E + 8·2^-23                (softmax weights move by ≤ 2E relative; exp of p, α, sink)
//   γ   = (64 + 2·chunks + 2)·u       (fp32 PV and denominator accumulation, α rescales)
//   bound_d = (1.01·2^-7 + η + γ)·Σ_j w_j|kv_jd| + (η + γ)·|o_d| + 1 bf16 ulp(o_d)
// where w_j = e^{ℓ_j}/(Σ e^{ℓ} + e^{sink}) in double and 2^-7 bounds the one-ulp difference of
// bf16(p_j) when the fp32 p_j differ near a rounding point (u = 2^-24). An empty list: bound 0.
// q: [rows, heads, dim] · kv: [n_kv, dim] · sink: [heads] · idx: [rows, k] · o: [rows, heads, dim].
std::vector<double> sparse_attn_error_bound(const bf16* q, const bf16* kv, const float* sink,
                                            const int32_t* idx, const bf16* o, int64_t rows,
                                            int64_t heads, int64_t dim, int64_t k, float scale);

// ‖o_h‖∞ ≤ (1 + 2^-8)²·(1 + 2^-20)·max_j ‖kv_j‖∞ for every (row, head): the fp32 weights sum to
// Z/(Z + e^sink) < 1, bf16(p) exceeds p by at most 2^-8 relative (bf16 unit roundoff), the fp32
// accumulation adds < 2^-20 and the final bf16 rounding ≤ 2^-8. Tensors named as the op's.
harness::PropertyOutcome check_sparse_attn_norm_bound(const harness::TensorMap& in,
                                                      const harness::TensorMap& out);

// Permuting each row's list and inserting −1 entries changes o within sparse_attn_error_bound.
harness::PropertyOutcome check_sparse_attn_permutation(const harness::Case& c,
                                                       const harness::TensorMap& in,
                                                       const harness::TensorMap& out);

// A list with one valid index j gives o = σ(ℓ_j − sink)·kv_j within
// |kv_d|·σ·(2u|ℓ| + u|sink − ℓ| + 4u) + 1/2 bf16 ulp: the fp32 logit (2 roundings), the fp32
// exponent argument, exp, the denominator and the division (1 rounding each), then bf16.
harness::PropertyOutcome check_sparse_attn_single(const harness::Case& c,
                                                  const harness::TensorMap& in);

} // namespace v4::properties
