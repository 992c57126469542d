#include "harness/ops/golden_bound.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "harness/compare.h"

namespace v4::harness {

GoldenLine golden_compare_bounded(const GoldenCase& gc, const std::string& item, const Tensor& ours,
                                  const Tensor& official, const std::vector<double>& allowed,
                                  const std::string& rationale) {
  GoldenLine line;
  line.case_name = gc.case_name();
  line.item = item;
  line.bound = fmt::format("per-element derived bound ({})", rationale);
  if (ours.dtype() != official.dtype() || ours.shape() != official.shape() ||
      int64_t(allowed.size()) != official.numel()) {
    line.measure = std::string(1, '-');
    line.note = fmt::format("shape/dtype mismatch: ours {} official {} ({} bounds)",
                            ours.shape_string(), official.shape_string(), allowed.size());
    return line;
  }
  double worst_ratio = 0, worst_ulp = 0;
  int64_t over = 0, worst_i = -1, differing = 0;
  for (int64_t i = 0; i < official.numel(); ++i) {
    const double a = element_value(ours, i), r = element_value(official, i);
    if (std::isnan(a) || std::isnan(r)) {
      if (std::isnan(a) != std::isnan(r))
        ++over, worst_i = worst_i < 0 ? i : worst_i;
      continue;
    }
    const double diff = a == r ? 0.0 : std::fabs(a - r); // equal infinities: no difference
    differing += a != r;
    const double ratio =
        diff == 0 ? 0 : (allowed[size_t(i)] > 0 ? diff / allowed[size_t(i)] : INFINITY);
    worst_ulp =
        std::max(worst_ulp, ulp_distance(official.dtype(), ours.bytes(), official.bytes(), i));
    if (ratio > 1)
      ++over;
    if (ratio > worst_ratio)
      worst_ratio = ratio, worst_i = i;
  }
  line.passed = over == 0;
  line.measure = fmt::format("max {:g} ulp {}, worst diff/bound {:.3g}, {} of {} differ",
                             worst_ulp, dtype_name(official.dtype()), worst_ratio, differing,
                             official.numel());
  if (worst_i >= 0 && (!line.passed || worst_ratio > 0)) {
    line.note = fmt::format(
        "{}{} of {} over; worst at flat {}: ours {:.9g} official {:.9g} bound {:.3g}",
        line.passed ? "" : "FAIL: ", over, official.numel(), worst_i, element_value(ours, worst_i),
        element_value(official, worst_i), allowed[size_t(worst_i)]);
    if (line.passed)
      line.note.clear(); // keep passing lines to one line
  }
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
