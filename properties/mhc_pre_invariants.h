// Invariants of the mHC pre-weighted stream sum y = bf16(Σ_j pre_j·X_j) (hc_pre and hc_head,
// spec §14), shared by the tests and the domain properties of the mhc_pre and mhc_head ops.
#pragma once

#include "harness/registry.h"

namespace v4::properties {

// Every pre_j lies in [lo, hi] = [fl(eps), fl(1 + eps)], so each y element lies in the box
// [Σ_j min(lo·X_j, hi·X_j), Σ_j max(lo·X_j, hi·X_j)], widened by an fp32 implementation's
// rounding (4 products and 3 additions: 7u·hi·Σ_j|X_j|) and rounded to bf16 (monotone).
// y: [tokens, dim] bf16 · x: [tokens, 4, dim] bf16.
harness::PropertyOutcome check_weighted_sum_box(const harness::Tensor& y, const harness::Tensor& x,
                                                float lo, float hi);

} // namespace v4::properties
