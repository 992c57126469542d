// The FP4 -> FP8 report as an output tensor, so that backends are compared on it bitwise like on
// any other output: i64 [6 + 4·violations] = blocks, worst exponent range, written, lossy,
// inexact elements, violations, then (block row, block col, range, failing elements) each.
#pragma once

#include <vector>

#include "harness/tensor.h"
#include "reference/fp4_to_fp8.h"

namespace v4::harness {

inline Tensor fp4_to_fp8_report_tensor(const reference::Fp4ToFp8Report& r) {
  std::vector<int64_t> v = {r.blocks, r.worst_exponent_range, r.written, r.lossy, r.inexact_elements,
                            int64_t(r.violations.size())};
  for (const auto& b : r.violations) v.insert(v.end(), {b.block_row, b.block_col, b.exponent_range, b.failing_elements});
  Tensor t = make_tensor<int64_t>({int64_t(v.size())});
  for (size_t i = 0; i < v.size(); ++i) t.data<int64_t>()[i] = v[i];
  return t;
}

inline reference::Fp4ToFp8Options fp4_to_fp8_options(int64_t check, int64_t lossy) {
  reference::Fp4ToFp8Options o;
  o.check = check == 1   ? reference::LosslessCheck::kBlockRatio2p11
            : check == 2 ? reference::LosslessCheck::kNonZeroElements
                         : reference::LosslessCheck::kBlockRatio2p14;
  o.lossy = lossy != 0;
  return o;
}

}  // namespace v4::harness
