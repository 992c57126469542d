#include "properties/moe_gate_invariants.h"

#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>

namespace v4::properties {

namespace {
constexpr double u = 0x1p-24;
}

harness::PropertyOutcome check_gate_weight_sum(const harness::Tensor& weights, float route_scale) {
  const int64_t tokens = weights.dim(0), k = weights.dim(1);
  harness::PropertyOutcome o;
  const double allowed = double(route_scale) * double(2 * k + 2) * u;
  o.bound = fmt::format("w > 0 and |sum w - {}| <= {:.3g} ((2k + 2) u route_scale)", route_scale,
                        allowed);
  o.bound_value = allowed;
  int64_t bad = 0;
  for (int64_t t = 0; t < tokens; ++t) {
    double sum = 0;
    bool positive = true;
    for (int64_t j = 0; j < k; ++j) {
      const double w = weights.data<float>()[t * k + j];
      sum += w;
      positive = positive && w > 0;
    }
    const double dev = std::fabs(sum - route_scale);
    o.measured = std::max(o.measured, dev);
    if (dev > allowed || !positive) {
      if (bad++ == 0)
        o.detail = fmt::format("token {}: sum {:.9g}, all positive {}", t, sum, positive);
    }
  }
  o.passed = bad == 0 && tokens > 0;
  if (o.passed)
    o.detail = fmt::format("max |sum - route_scale| = {:.3g}", o.measured);
  return o;
}

harness::PropertyOutcome check_gate_weights_from_scores(const harness::Tensor& weights,
                                                        const harness::Tensor& indices,
                                                        const harness::Tensor& scores,
                                                        float route_scale) {
  const int64_t tokens = weights.dim(0), k = weights.dim(1), experts = scores.dim(1);
  harness::PropertyOutcome o;
  o.bound = "|w_j - rs s_j / sum_sel s| <= (k + 2) u w_j";
  o.bound_value = 1;
  int64_t bad = 0;
  for (int64_t t = 0; t < tokens; ++t) {
    double total = 0;
    for (int64_t j = 0; j < k; ++j)
      total += scores.data<float>()[t * experts + indices.data<int32_t>()[t * k + j]];
    for (int64_t j = 0; j < k; ++j) {
      const double want = route_scale *
                          scores.data<float>()[t * experts + indices.data<int32_t>()[t * k + j]] /
                          total;
      const double got = weights.data<float>()[t * k + j];
      const double ratio = std::fabs(got - want) / (double(k + 2) * u * std::fabs(want));
      o.measured = std::max(o.measured, ratio);
      if (!(ratio <= 1) && bad++ == 0)
        o.detail =
            fmt::format("token {} slot {}: w {:.9g}, renormalized score {:.9g}", t, j, got, want);
    }
  }
  o.passed = bad == 0;
  if (o.passed)
    o.detail = fmt::format("worst deviation / bound = {:.3g}", o.measured);
  return o;
}

harness::PropertyOutcome check_gate_topk(const harness::Tensor& indices,
                                         const harness::Tensor& scores,
                                         const harness::Tensor* bias) {
  const int64_t tokens = indices.dim(0), k = indices.dim(1), experts = scores.dim(1);
  harness::PropertyOutcome o;
  o.bound = "k distinct experts = D4 top-k of fl32(s + bias) (value desc, id asc), exact";
  int64_t bad = 0;
  std::vector<float> v(static_cast<size_t>(experts));
  for (int64_t t = 0; t < tokens && bad == 0; ++t) {
    for (int64_t e = 0; e < experts; ++e) {
      const float s = scores.data<float>()[t * experts + e];
      v[size_t(e)] = bias ? s + bias->data<float>()[e] : s;
    }
    std::set<int32_t> chosen;
    for (int64_t j = 0; j < k; ++j) {
      const int32_t e = indices.data<int32_t>()[t * k + j];
      if (e < 0 || e >= experts || !chosen.insert(e).second) {
        o.detail = fmt::format("token {}: expert {} out of range or repeated", t, e);
        ++bad;
        break;
      }
      if (j > 0) { // D4 order among the selected
        const int32_t p = indices.data<int32_t>()[t * k + j - 1];
        if (!(v[size_t(p)] > v[size_t(e)] || (v[size_t(p)] == v[size_t(e)] && p < e))) {
          o.detail = fmt::format("token {}: slots {} and {} out of D4 order", t, j - 1, j);
          ++bad;
        }
      }
    }
    const int32_t last = indices.data<int32_t>()[t * k + k - 1];
    for (int32_t e = 0; e < experts && bad == 0; ++e) {
      if (chosen.count(e))
        continue; // every unselected expert ranks after the last selected one
      if (v[size_t(e)] > v[size_t(last)] || (v[size_t(e)] == v[size_t(last)] && e < last)) {
        o.detail =
            fmt::format("token {}: unselected expert {} outranks selected expert {}", t, e, last);
        ++bad;
      }
    }
  }
  o.measured = double(bad);
  o.passed = bad == 0 && tokens > 0;
  if (o.passed)
    o.detail = fmt::format("{} tokens: exact D4 top-{}", tokens, k);
  return o;
}

harness::PropertyOutcome check_gate_hash(const harness::Tensor& indices,
                                         const harness::Tensor& tid2eid,
                                         const harness::Tensor& token_ids) {
  const int64_t tokens = indices.dim(0), k = indices.dim(1);
  harness::PropertyOutcome o;
  o.bound = "indices[t] == tid2eid[token_ids[t]], exact";
  int64_t bad = 0;
  for (int64_t t = 0; t < tokens; ++t)
    for (int64_t j = 0; j < k; ++j) {
      const int64_t id = token_ids.data<int64_t>()[t];
      if (indices.data<int32_t>()[t * k + j] != tid2eid.data<int32_t>()[id * k + j] && bad++ == 0)
        o.detail = fmt::format("token {} slot {}", t, j);
    }
  o.measured = double(bad);
  o.passed = bad == 0;
  if (o.passed)
    o.detail = fmt::format("{} tokens routed by their id", tokens);
  return o;
}

} // namespace v4::properties
