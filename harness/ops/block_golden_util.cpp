#include "harness/ops/block_golden_util.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "harness/model_config_json.h"
#include "harness/ops/attention_golden_util.h"
#include "harness/ops/block_golden_sampling.h"
#include "harness/ops/block_inputs.h"

namespace v4::harness {

reference::ModelConfig golden_full_config(const GoldenCase& gc) {
  return model_config_from_json(gc.config(), "golden case " + gc.case_name());
}

const Tensor& GoldenParams::get(const GoldenCase& gc, const std::string& name) {
  keep.push_back(gc.tensor(name));
  return keep.back();
}

TensorLookup GoldenParams::lookup(const GoldenCase& gc) {
  return [this, &gc](const std::string& name) -> const Tensor& { return get(gc, name); };
}

std::vector<double> tensor_values(const Tensor& t) {
  std::vector<double> v(static_cast<size_t>(t.numel()));
  for (int64_t i = 0; i < t.numel(); ++i)
    v[size_t(i)] = element_value(t, i);
  return v;
}

std::vector<int32_t> golden_indices(const GoldenCase& gc, const std::string& name) {
  return gc.has(name) ? indices_of(gc.tensor(name)) : std::vector<int32_t>{};
}

SelectionDiff compare_selections(const std::vector<int32_t>& own, int64_t ow,
                                 const std::vector<int32_t>& official, int64_t fw, int64_t rows) {
  SelectionDiff d;
  for (int64_t r = 0; r < rows; ++r) {
    std::vector<int32_t> a, b;
    for (int64_t j = 0; j < ow; ++j)
      if (own[size_t(r * ow + j)] >= 0)
        a.push_back(own[size_t(r * ow + j)]);
    for (int64_t j = 0; j < fw; ++j)
      if (official[size_t(r * fw + j)] >= 0)
        b.push_back(official[size_t(r * fw + j)]);
    const bool same_set =
        std::multiset<int32_t>(a.begin(), a.end()) == std::multiset<int32_t>(b.begin(), b.end());
    d.set_differs += !same_set;
    d.order_differs += same_set && a != b;
  }
  return d;
}

GoldenLine sampling_line(const GoldenCase& gc, const std::string& item,
                         const BlockSequenceBounds& b, int64_t tokens) {
  return {gc.case_name(),
          item,
          true,
          fmt::format("largest response {:.3g} ulp of the token's max |y|; routing: {} of {} "
                      "tokens could flip on their own score bounds, {} would in a sample",
                      b.max_response_ulps, b.routing_flips, tokens, b.sampled_reroutes),
          "reported (bounds assume the reference's routing)",
          ""};
}

} // namespace v4::harness
