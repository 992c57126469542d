// Golden comparisons with a derived bound PER ELEMENT: |ours − official| <= allowed[i], where
// allowed[i] comes from an error analysis of both computations for that element (e.g. a K-term
// fp32 dot product differs from the exact value by at most (K−1)·u·Σ|terms|, so two such
// computations by (K−1 + 1)·u·Σ|terms|; each side's final rounding to the output dtype adds half
// an ULP of it). Unlike a fixed ULP budget this stays valid where terms cancel and the output is
// tiny. The line reports the worst ULP distance (for the record) and the worst |diff|/allowed.
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "harness/golden.h"

namespace v4::harness {

inline constexpr double kFp32Unit = 0x1p-24; // u: fp32 unit roundoff (half an ULP at 1)

// The spacing of `dtype` (bf16 or f32) at magnitude |v| (the subnormal spacing below the normals).
inline double ulp_spacing(DType dtype, double v) {
  const int mantissa_bits = dtype == DType::bf16 ? 7 : 23;
  const double a = std::fabs(v);
  const int e = a >= 0x1p-126 ? std::ilogb(a) : -126;
  return std::ldexp(1.0, e - mantissa_bits);
}

// Passes iff every element satisfies |ours − official| <= allowed[i] (both finite), or both are the
// same infinity, or both are NaN. Reports the largest |Δ|/bound, the differing count, how many
// elements the bound allows to differ at all (bound > 0), and the largest ULP distance.
GoldenLine golden_compare_bounded(const GoldenCase& gc, const std::string& item, const Tensor& ours,
                                  const Tensor& official, const std::vector<double>& allowed,
                                  const std::string& rationale);

// Exact equality of two integer index tensors (same shape), reporting the first differing row.
GoldenLine golden_compare_indices(const GoldenCase& gc, const std::string& item,
                                  const std::vector<int64_t>& ours, const Tensor& official,
                                  int64_t width, const std::string& rationale);

} // namespace v4::harness
