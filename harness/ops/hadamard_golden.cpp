// Golden checker for hadamard: fast_hadamard_transform.hadamard_transform(x, 128^-0.5) as [C]'s
// rotate_activation calls it (the golden run used the dense Sylvester matmul in fp32).
//
// Bound (u = 2^-24), properties::hadamard_bounds: the official 128-term fp32 sum of ±x_j is
// within 128·u·Σ|x_j| of the exact sum (any order); both multiply by the same fp32 scale and
// round to bf16: the official pre-rounding value lies within scale·128·u·Σ|x_j| + 2u·|y| of
// ours, and the bound is the farthest bf16 value that interval reaches (0 where it holds one).
#include <cmath>
#include <vector>

#include "harness/ops/attention_golden_util.h"
#include "harness/ops/op_util.h"
#include "properties/interval_invariants.h"
#include "reference/hadamard.h"

namespace v4::harness {
namespace {

std::vector<GoldenLine> check_hadamard(const GoldenCase& gc) {
  const Tensor x = gc.tensor("in.x"), official = gc.tensor("out.y");
  const int64_t n = x.shape().back(), rows = x.numel() / n;
  Tensor y(DType::bf16, x.shape());
  reference::hadamard(y.data<bf16>(), x.data<bf16>(), rows, n);
  const std::vector<double> bound = properties::hadamard_bounds(
      properties::widen(x.data<bf16>(), x.numel()),
      std::vector<double>(static_cast<size_t>(x.numel()), 0.0), rows, n);
  return {golden_compare_bounded(gc, "out.y", y, official, bound,
                                 "interval propagation: fp32 sum order, scale, bf16")};
}

} // namespace
V4_REGISTER_GOLDEN("hadamard", check_hadamard);
} // namespace v4::harness
