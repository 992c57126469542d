#include "harness/ops/golden_bound.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "harness/compare.h"

namespace v4::harness {

GoldenLine golden_compare_bounded(const GoldenCase& gc, const std::string& item, const Tensor& ours,
                                  const Tensor& official, const std::vector<double>& bound,
                                  const std::string& rationale) {
  GoldenLine line;
  line.case_name = gc.case_name();
  line.item = item;
  line.bound = fmt::format("per-element |d| <= derived bound ({})", rationale);
  if (ours.dtype() != official.dtype() || ours.shape() != official.shape() ||
      int64_t(bound.size()) != official.numel()) {
    line.passed = false;
    line.measure = std::string(1, '-');
    line.note = fmt::format("shape/dtype mismatch: ours {} official {} bounds {}",
                            ours.shape_string(), official.shape_string(), bound.size());
    return line;
  }
  int64_t differing = 0, outside = 0, first_outside = -1, may_differ = 0;
  double worst_ratio = 0, max_ulp = 0;
  int64_t worst = -1;
  for (int64_t i = 0; i < official.numel(); ++i) {
    const double a = element_value(ours, i), r = element_value(official, i);
    const double u = ulp_distance(official.dtype(), ours.bytes(), official.bytes(), i);
    const bool same = (std::isnan(a) && std::isnan(r)) || a == r;
    may_differ += bound[size_t(i)] > 0;
    if (!same)
      ++differing;
    max_ulp = std::max(max_ulp, std::isfinite(u) ? u : 0.0);
    double ratio = 0;
    if (!same)
      ratio =
          (std::isfinite(a) && std::isfinite(r)) ? std::fabs(a - r) / bound[size_t(i)] : INFINITY;
    if (ratio > worst_ratio)
      worst_ratio = ratio, worst = i;
    if (ratio > 1) {
      ++outside;
      if (first_outside < 0)
        first_outside = i;
    }
  }
  line.passed = outside == 0;
  line.measure =
      fmt::format("max |d|/bound {:.3g}; {} of {} differ ({} may), max {:g} ulp {}", worst_ratio,
                  differing, official.numel(), may_differ, max_ulp, dtype_name(official.dtype()));
  if (worst >= 0) {
    line.note = fmt::format("worst at flat {}: ours {:.9g} official {:.9g} bound {:.3g}", worst,
                            element_value(ours, worst), element_value(official, worst),
                            bound[size_t(worst)]);
  }
  if (!line.passed)
    line.note = fmt::format("{} elements outside the bound; {}", outside, line.note);
  return line;
}

GoldenLine golden_compare_indices(const GoldenCase& gc, const std::string& item,
                                  const std::vector<int64_t>& ours, const Tensor& official,
                                  int64_t width, const std::string& rationale) {
  GoldenLine line;
  line.case_name = gc.case_name();
  line.item = item;
  line.bound = fmt::format("exact ({})", rationale);
  if (int64_t(ours.size()) != official.numel()) {
    line.measure = std::string(1, '-');
    line.note =
        fmt::format("size mismatch: ours {} official {}", ours.size(), official.shape_string());
    return line;
  }
  int64_t rows_differ = 0, first = -1;
  for (int64_t r = 0; r * width < official.numel(); ++r) {
    bool same = true;
    for (int64_t j = 0; j < width; ++j)
      same = same && int64_t(element_value(official, r * width + j)) == ours[size_t(r * width + j)];
    if (!same)
      ++rows_differ, first = first < 0 ? r : first;
  }
  line.passed = rows_differ == 0;
  line.measure = fmt::format("{} of {} rows differ", rows_differ, official.numel() / width);
  if (!line.passed) {
    std::string o, t;
    for (int64_t j = 0; j < width; ++j) {
      o += fmt::format("{} ", ours[size_t(first * width + j)]);
      t += fmt::format("{} ", int64_t(element_value(official, first * width + j)));
    }
    line.note = fmt::format("first differing row {}: ours [{}] official [{}]", first, o, t);
  }
  return line;
}

} // namespace v4::harness
