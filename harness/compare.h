// The one comparator used by every test, property and harness run (style §5). In order:
//  (a) NaN and ±Inf positions must agree (NaN payloads are never compared);
//  (b) per element, the distance in ULPs of the output dtype must be within the policy's budget
//      (bitwise: identical bits, so -0 differs from +0);
//  (c) one global metric, calc_diff = 1 - 2Σxy / Σ(x² + y²) in double;
//  (d) the first divergent element and the worst one, with coordinates, values and ULP distance.
// It returns a result; it never exits.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "harness/tensor.h"

namespace v4::harness {

struct ComparePolicy {
  enum class Kind {
    bitwise,    // identical bits (NaN-ness compared, not payloads)
    ulp,        // |ulp distance| <= max_ulp in the output dtype
    index_set,  // each row's set of indices >= 0 must agree (order and -1 padding ignored)
  };
  Kind kind = Kind::bitwise;
  double max_ulp = 0.0;
  std::string rationale;  // the derivation of the bound, stored with each check outcome
  // ulp kind only: below this magnitude, distances are counted in ULPs of `floor` instead of the
  // expected value's own ULPs - an absolute tolerance for outputs that can cancel (a sum of
  // terms of mixed sign), where no ULP bound relative to the result exists. 0: none.
  double floor = 0.0;

  static ComparePolicy bitwise(std::string why = "exact arithmetic") { return {Kind::bitwise, 0.0, std::move(why)}; }
  static ComparePolicy ulps(double n, std::string why) { return {Kind::ulp, n, std::move(why)}; }
  static ComparePolicy index_set(std::string why) { return {Kind::index_set, 0.0, std::move(why)}; }
  static ComparePolicy ulps_floor(double n, double floor, std::string why) {
    return {Kind::ulp, n, std::move(why), floor};
  }
  std::string describe(DType dtype) const;  // "bitwise", "ulp<=2 bf16", "ulp<=2 bf16 at |x|>=1", "index sets"
};

struct ElementReport {
  int64_t flat_index = -1;
  std::vector<int64_t> coords;
  double actual = 0, expected = 0;
  double ulp = 0;
  std::string to_string() const;
};

struct CompareResult {
  bool passed = true;
  std::string error;             // shape/dtype mismatch, NaN parity, ...
  int64_t elements = 0;
  int64_t mismatches = 0;        // elements outside the budget
  double max_ulp = 0, p9999_ulp = 0;
  double max_rel = 0;            // max |a - r| / |r| over r != 0
  double calc_diff = 0;
  bool nan_parity = true, inf_parity = true;
  std::optional<ElementReport> first_divergence;  // first element with any difference
  std::optional<ElementReport> worst;             // largest ULP distance
  // ulp_histogram[0] counts exact elements; bucket b >= 1 counts distances in [2^(b-1), 2^b).
  std::vector<int64_t> ulp_histogram;
  std::string summary() const;
};

CompareResult compare_tensors(const Tensor& actual, const Tensor& expected, const ComparePolicy& policy);

// Distance in ULPs between two finite codes of the same float dtype (0 for ±0 vs ∓0).
double ulp_distance(DType dtype, const std::byte* a, const std::byte* b, int64_t index);
// Value of element `index` as a double (e2m1x2 indexes codes, two per byte).
double element_value(const Tensor& t, int64_t index);
// Number of comparable elements: codes for e2m1x2 (two per byte), numel otherwise.
int64_t element_count(const Tensor& t);
std::vector<int64_t> unravel(const std::vector<int64_t>& shape, int64_t flat, bool packed_e2m1);

}  // namespace v4::harness
