// Small helpers shared by the op registrations in harness/ops/.
#pragma once

#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "harness/registry.h"

namespace v4::harness {

// One case from "name=value" pairs, e.g. make_case("act_quant", {{"rows", 4}, {"cols", 256}}).
inline Case make_case(const std::string& op, std::initializer_list<std::pair<const char*, int64_t>> params,
                      uint64_t seed = 1) {
  Case c;
  c.op = op;
  c.seed = seed;
  for (const auto& [name, value] : params) c.set(name, value);
  return c;
}

inline TensorMap outputs(std::initializer_list<std::pair<const char*, Tensor>> list) {
  TensorMap m;
  for (const auto& [name, t] : list) m.emplace(name, t);
  return m;
}

}  // namespace v4::harness
