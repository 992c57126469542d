#include "properties/mhc_pre_invariants.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "reference/formats.h"

namespace v4::properties {

harness::PropertyOutcome check_weighted_sum_box(const harness::Tensor& y, const harness::Tensor& x,
                                                float lo, float hi) {
  constexpr double kU = 0x1p-24;
  harness::PropertyOutcome o;
  o.bound =
      fmt::format("y in the box of pre_j in [{:g}, {:.9g}], widened by 7u hi sum|X_j|", lo, hi);
  const int64_t tokens = x.dim(0), dim = x.dim(2);
  int64_t bad = 0;
  for (int64_t t = 0; t < tokens; ++t) {
    for (int64_t i = 0; i < dim; ++i) {
      double low = 0, high = 0, mass = 0;
      for (int64_t j = 0; j < 4; ++j) {
        const double v = reference::bf16_decode(x.data<bf16>()[(t * 4 + j) * dim + i]);
        low += std::min(lo * v, hi * v);
        high += std::max(lo * v, hi * v);
        mass += std::fabs(v);
      }
      const double slack = 7.01 * kU * hi * mass;
      // bf16(fl32(·)) is monotone, so it maps the widened box onto the possible outputs.
      const double y_low = reference::bf16_decode(reference::bf16_encode(float(low - slack)));
      const double y_high = reference::bf16_decode(reference::bf16_encode(float(high + slack)));
      const double got = reference::bf16_decode(y.data<bf16>()[t * dim + i]);
      if (got < y_low || got > y_high) {
        o.measured = std::max(o.measured, got < y_low ? y_low - got : got - y_high);
        if (bad++ == 0)
          o.detail = fmt::format("token {} element {}: y = {:g} outside [{:g}, {:g}]", t, i, got,
                                 y_low, y_high);
      }
    }
  }
  o.passed = bad == 0;
  if (o.passed)
    o.detail = fmt::format("{} elements inside their boxes", tokens * dim);
  return o;
}

} // namespace v4::properties
