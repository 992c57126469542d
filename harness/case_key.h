// One op case = op name + ordered parameters + seed, printed as one key that is also its replay
// string and its row key in the results database:
//   "act_quant rows=128 cols=7168 seed=7"
// Keys parse back into the same Case (parse(key()).key() == key()).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace v4::harness {

struct Case {
  std::string op;
  std::vector<std::pair<std::string, std::string>> params;  // in declaration order
  uint64_t seed = 1;

  std::string key() const;
  static Case parse(std::string_view key);  // throws std::invalid_argument with the reason

  bool has(std::string_view name) const;
  const std::string& str(std::string_view name) const;  // throws if missing
  int64_t i64(std::string_view name) const;             // throws if missing or not an integer
  double f64(std::string_view name) const;
  int64_t i64_or(std::string_view name, int64_t fallback) const;

  Case& set(std::string name, std::string value);  // replaces or appends
  Case& set(std::string name, int64_t value) { return set(std::move(name), std::to_string(value)); }
  Case with(std::string name, int64_t value) const {
    Case c = *this;
    c.set(std::move(name), value);
    return c;
  }
};

}  // namespace v4::harness
