#include "properties/gemm_invariants.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "harness/ops/golden_bound.h"

namespace v4::properties {

GemmExact gemm_exact(const harness::Tensor& a, const harness::Tensor& sa, const harness::Tensor& b,
                     const harness::Tensor& sb, bool fp4) {
  const int64_t m = a.dim(0), k = a.dim(1), n = b.dim(0);
  GemmExact g;
  g.exact.assign(size_t(m * n), 0.0);
  g.abs_sum.assign(size_t(m * n), 0.0);
  for (int64_t r = 0; r < m; ++r)
    for (int64_t c = 0; c < n; ++c) {
      double sum = 0, abs_sum = 0;
      for (int64_t j = 0; j < k; ++j) {
        const double av = reference::e4m3_decode(a.data<e4m3>()[r * k + j]);
        const double sav = reference::ue8m0_decode(sa.data<ue8m0>()[r * (k / 128) + j / 128]);
        const double bv =
            fp4 ? reference::e2m1_decode(reference::e2m1_get(b.data<e2m1x2>(), c * k + j))
                : reference::e4m3_decode(b.data<e4m3>()[c * k + j]);
        const double sbv =
            fp4 ? reference::ue8m0_decode(sb.data<ue8m0>()[c * (k / 32) + j / 32])
                : reference::ue8m0_decode(sb.data<ue8m0>()[(c / 128) * (k / 128) + j / 128]);
        sum += av * bv * sav * sbv;
        abs_sum += std::fabs(av * bv) * sav * sbv;
      }
      g.exact[size_t(r * n + c)] = sum;
      g.abs_sum[size_t(r * n + c)] = abs_sum;
    }
  return g;
}

harness::PropertyOutcome check_gemm_error_bound(const harness::Tensor& a, const harness::Tensor& sa,
                                                const harness::Tensor& b, const harness::Tensor& sb,
                                                const harness::Tensor& c, bool fp4) {
  const int64_t k = a.dim(1), kb = fp4 ? k / 32 : k / 128;
  const GemmExact g = gemm_exact(a, sa, b, sb, fp4);
  harness::PropertyOutcome o;
  o.bound = fmt::format("|C - exact| <= (K + KB) u S + ulp_bf16(C), K = {}, KB = {}", k, kb);
  o.bound_value = 1;
  int64_t bad = 0, nonzero = 0;
  for (int64_t i = 0; i < c.numel(); ++i) {
    const double v = reference::bf16_decode(c.data<bf16>()[i]);
    if (!std::isfinite(v)) {
      ++bad;
      continue;
    }
    nonzero += v != 0;
    const double allowed = double(k + kb) * harness::kFp32Unit * g.abs_sum[size_t(i)] +
                           harness::ulp_spacing(harness::DType::bf16, v);
    const double ratio = std::fabs(v - g.exact[size_t(i)]) / allowed;
    o.measured = std::max(o.measured, ratio);
    if (ratio > 1) {
      if (bad == 0)
        o.detail = fmt::format("element {}: C {:.9g} exact {:.9g} allowed {:.3g}", i, v,
                               g.exact[size_t(i)], allowed);
      ++bad;
    }
  }
  // Never a vacuous pass: an all-zero output of a non-zero product is a failure.
  bool product_nonzero = false;
  for (double e : g.exact)
    product_nonzero = product_nonzero || e != 0;
  o.passed = bad == 0 && (nonzero > 0 || !product_nonzero);
  if (o.passed)
    o.detail = fmt::format("worst |C - exact| / allowed = {:.3g}", o.measured);
  else if (bad == 0)
    o.detail = "output is all zero for a non-zero product";
  return o;
}

harness::PropertyOutcome check_gemm_exact(const harness::Tensor& a, const harness::Tensor& sa,
                                          const harness::Tensor& b, const harness::Tensor& sb,
                                          const harness::Tensor& c, bool fp4) {
  const GemmExact g = gemm_exact(a, sa, b, sb, fp4);
  harness::PropertyOutcome o;
  o.bound = "C == bf16(exact) bitwise (every partial sum exact in fp32)";
  int64_t differ = 0, nonzero = 0;
  for (int64_t i = 0; i < c.numel(); ++i) {
    const bf16 want = reference::bf16_encode(float(g.exact[size_t(i)]));
    nonzero += g.exact[size_t(i)] != 0;
    if (c.data<bf16>()[i].bits != want.bits) {
      if (differ == 0)
        o.detail = fmt::format("element {}: C {:.9g} exact {:.9g}", i,
                               reference::bf16_decode(c.data<bf16>()[i]), g.exact[size_t(i)]);
      ++differ;
    }
  }
  o.measured = double(differ);
  o.passed = differ == 0 && nonzero > 0;
  if (o.passed)
    o.detail = fmt::format("{} elements bitwise equal to bf16(exact)", c.numel());
  else if (differ == 0)
    o.detail = "exact product is all zero: the case tests nothing";
  return o;
}

} // namespace v4::properties
