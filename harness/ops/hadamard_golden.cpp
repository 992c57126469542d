// Golden checker for hadamard: fast_hadamard_transform.hadamard_transform(x, 128^-0.5) as [C]'s
// rotate_activation calls it (the golden run used the dense Sylvester matmul in fp32).
//
// Bound (u = 2^-24): the official 128-term fp32 sum of ±x_j is within 127·u·Σ|x_j| of the exact
// sum (recursive summation; any order), ours is exact then rounded (0.5 ulp); both multiply by the
// same fp32 scale (one rounding each, ≤ u relative) and round to bf16, which adds at most one bf16
// ulp of the result: |Δ| ≤ scale·128·u·Σ|x_j| + 2u·|y| + 1 bf16 ulp.
#include <cmath>
#include <vector>

#include "harness/ops/attention_golden_util.h"
#include "harness/ops/op_util.h"
#include "reference/hadamard.h"

namespace v4::harness {
namespace {

std::vector<GoldenLine> check_hadamard(const GoldenCase& gc) {
  const Tensor x = gc.tensor("in.x"), official = gc.tensor("out.y");
  const int64_t n = x.shape().back(), rows = x.numel() / n;
  Tensor y(DType::bf16, x.shape());
  reference::hadamard(y.data<bf16>(), x.data<bf16>(), rows, n);
  const double u = std::ldexp(1.0, -24), scale = std::pow(double(n), -0.5);
  std::vector<double> bound(static_cast<size_t>(x.numel()));
  for (int64_t r = 0; r < rows; ++r) {
    double l1 = 0;
    for (int64_t j = 0; j < n; ++j)
      l1 += std::fabs(reference::bf16_decode(x.data<bf16>()[r * n + j]));
    for (int64_t i = 0; i < n; ++i) {
      const double v = element_value(official, r * n + i);
      bound[size_t(r * n + i)] = scale * double(n) * u * l1 + 2 * u * std::fabs(v) + bf16_ulp(v);
    }
  }
  return {golden_compare_bounded(
      gc, "out.y", y, official, bound,
      "scale*128u*sum|x| + 2u|y| + 1 bf16 ulp: fp32 sum order, scale, bf16")};
}

} // namespace
V4_REGISTER_GOLDEN("hadamard", check_hadamard);
} // namespace v4::harness
