#include "properties/swiglu_invariants.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace v4::properties {

harness::PropertyOutcome check_swiglu_clamp_bound(const harness::Tensor& h,
                                                  const harness::Tensor* route) {
  const int64_t rows = h.dim(0), inter = h.dim(1);
  harness::PropertyOutcome o;
  constexpr double kMax = 9.99954602 * 10; // silu(10)·10, rounded up
  const double factor = kMax * (1 + 3 * 0x1p-24) * (1 + 0x1p-8);
  o.bound = fmt::format("|h| <= |w| * {:.6f}", factor);
  o.bound_value = factor;
  int64_t nonzero = 0;
  for (int64_t r = 0; r < rows; ++r) {
    const double w = route ? std::fabs(route->data<float>()[r]) : 1.0;
    for (int64_t i = 0; i < inter; ++i) {
      const double v = std::fabs(reference::bf16_decode(h.data<bf16>()[r * inter + i]));
      nonzero += v > 0;
      o.measured = std::max(o.measured, v / w);
    }
  }
  o.passed = o.measured <= factor && nonzero > 0;
  o.detail = fmt::format("max |h|/|w| = {:.6g}", o.measured);
  return o;
}

} // namespace v4::properties
