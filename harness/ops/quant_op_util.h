// Domain properties shared by the quantizer registrations (spec §2.5), built from the checkers in
// properties/quant_invariants.h. A packed quantizer (codes + scales) is described by how to view
// its outputs as QuantizedBlocks and how to quantize a bf16 tensor again with the reference; an
// in-place simulation by how to view its output and how to apply it again.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "harness/ops/op_util.h"
#include "properties/quant_invariants.h"

namespace v4::harness {

using QuantView =
    std::function<properties::QuantizedBlocks(const TensorMap& in, const TensorMap& out)>;

// scale_rule, block_max_code, element_error, codes_on_grid, sign_preserved: every view.
inline std::vector<DomainProperty> quant_value_properties(QuantView view) {
  using properties::QuantizedBlocks;
  auto with = [view](PropertyOutcome (*check)(const QuantizedBlocks&)) {
    return [view, check](const Case&, const TensorMap& in, const TensorMap& out) {
      return check(view(in, out));
    };
  };
  return {
      {"scale_rule", with(properties::check_scale_rule)},
      {"block_max_code", with(properties::check_block_max_code)},
      {"element_error", with(properties::check_element_error)},
      {"codes_on_grid", with(properties::check_codes_on_grid)},
      {"sign_preserved", with(properties::check_sign_preserved)},
  };
}

// A packed quantizer: the value properties plus "idempotent" (re-quantizing q·s with the
// reference gives the same q·s).
inline std::vector<DomainProperty>
quant_properties(QuantView view,
                 std::function<properties::QuantizedBlocks(const Tensor&)> requantize) {
  std::vector<DomainProperty> props = quant_value_properties(view);
  props.push_back(
      {"idempotent", [view, requantize](const Case&, const TensorMap& in, const TensorMap& out) {
         return properties::check_idempotent(view(in, out), requantize);
       }});
  return props;
}

// The in-place form y = sim(x): the value properties plus "fixed_point": sim(y) == y bit for bit.
inline std::vector<DomainProperty>
simulated_quant_properties(QuantView view, std::function<Tensor(const Tensor&)> sim,
                           const std::string& y_name) {
  std::vector<DomainProperty> props = quant_value_properties(view);
  props.push_back(
      {"fixed_point", [sim, y_name](const Case&, const TensorMap&, const TensorMap& out) {
         return properties::check_fixed_point(out.at(y_name), sim(out.at(y_name)));
       }});
  return props;
}

} // namespace v4::harness
