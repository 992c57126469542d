// Invariants of the RMSNorm variants (spec §5), shared by the tests and the domain properties of
// the rms_norm and rms_norm_head ops. Bounds are derived in rms_norm_invariants.cpp; each one
// allows the errors of an fp32 implementation (any summation order, rsqrt within 2 ULPs), not
// only the reference's.
#pragma once

#include <cstdint>

#include "harness/registry.h"

namespace v4::properties {

// Zero input gives zero output: every row (head) of x that is all ±0 maps to zeros whose sign is
// the IEEE product sign (sign(w)·sign(x) for the weighted norm, sign(x) for the per-head norm).
// x, y: [rows, dim] bf16 · w: [dim] fp32 (nullptr for the per-head norm, one "row" per head).
harness::PropertyOutcome check_zero_rows(const harness::Tensor& x, const harness::Tensor& y,
                                         const float* w, int64_t dim);

// mean((y/w)²) = ms/(ms + eps) per row (w = 1 is the spec's case; dividing by w extends it to any
// weight), ms = mean(x²), within the derived relative bound; per head for the bf16 variant.
harness::PropertyOutcome check_unit_rms(const harness::Tensor& x, const harness::Tensor& y,
                                        const float* w, int64_t dim, float eps);
harness::PropertyOutcome check_unit_rms_head(const harness::Tensor& x, const harness::Tensor& y,
                                             int64_t head_dim, float eps);

// Scale invariance y(2^k x) ≈ y(x): for consecutive rows with x_r = 2^k·x_(r-1) exactly, the
// outputs differ by at most one bf16 ULP per element (where the eps term is small enough for the
// bound to apply; other pairs are counted, not checked).
harness::PropertyOutcome check_scale_pairs(const harness::Tensor& x, const harness::Tensor& y,
                                           int64_t dim, float eps);

// Relative error bound of mean((y/w)²) against ms/(ms + eps) for the weighted norm over `dim`.
double unit_rms_bound(int64_t dim);
double unit_rms_head_bound(int64_t head_dim);

} // namespace v4::properties
