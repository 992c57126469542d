// Invariants of the block-scaled GEMMs (spec §4.4), shared by the RapidCheck properties and the
// harness's domain-property checks.
#pragma once

#include "harness/registry.h"

namespace v4::properties {

// The exact product Σ_k A·B·sA·sB (fp64, exact for these operands' ranges up to rounding of the
// fp64 sum, ≪ the bound) and the absolute product S = Σ_k |A·B|·sA·sB of every output element.
// a: [m, k] e4m3 · sa: [m, k/128] · b: [n, k] e4m3 (fp4: [n, k/2] e2m1x2) · sb: fp8 [⌈n/128⌉,
// k/128], fp4 [n, k/32].
struct GemmExact {
  std::vector<double> exact, abs_sum;
};
GemmExact gemm_exact(const harness::Tensor& a, const harness::Tensor& sa, const harness::Tensor& b,
                     const harness::Tensor& sb, bool fp4);

// |C − exact| <= (K + KB)·u·S + ulp_bf16(|C|) for every element: K products summed in fp32 in any
// order with KB promotions (first order, u = 2^-24), then one bf16 rounding (at most half an
// ULP of the pre-rounding value, bounded by one ULP of C). Valid for any kernel with the §4
// promotion structure, whether or not its block partials are correctly rounded.
harness::PropertyOutcome check_gemm_error_bound(const harness::Tensor& a, const harness::Tensor& sa,
                                                const harness::Tensor& b, const harness::Tensor& sb,
                                                const harness::Tensor& c, bool fp4);

// For exact-input operands (every partial sum exact in fp32): C == bf16(exact), bitwise.
harness::PropertyOutcome check_gemm_exact(const harness::Tensor& a, const harness::Tensor& sa,
                                          const harness::Tensor& b, const harness::Tensor& sb,
                                          const harness::Tensor& c, bool fp4);

} // namespace v4::properties
