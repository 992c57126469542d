// Invariants of the V4 block quantizers (spec §2.5), shared by the RapidCheck properties and the
// harness's domain-property checks. Each works on decoded values so one implementation serves
// act_quant, the KV simulation and the FP4 quantizers.
#pragma once

#include <cstdint>
#include <vector>

#include "harness/registry.h"
#include "reference/block_quant.h"

namespace v4::properties {

struct QuantizedBlocks {
  std::vector<float> x;      // inputs [rows, cols]
  std::vector<float> q;      // decoded codes (q, not q·s) [rows, cols]
  std::vector<int> exponent; // scale exponents [rows, cols / block]
  int64_t rows = 0, cols = 0, block = 0;
  reference::ScaleRule rule{};
};

// Views of quantizer outputs: x [rows, cols] bf16, q codes, s [rows, cols/block] ue8m0.
QuantizedBlocks blocks_from_e4m3(const harness::Tensor& x, const harness::Tensor& q, const harness::Tensor& s,
                                 int64_t block);
QuantizedBlocks blocks_from_e2m1(const harness::Tensor& x, const harness::Tensor& q, const harness::Tensor& s,
                                 int64_t block);

// 2^⌈log2(max(amax, floor)/Q)⌉, computed by exact comparisons (independent of the bit trick).
int exact_scale_exponent(float amax, reference::ScaleRule rule);

// Every scale equals exact_scale_exponent of its block.
harness::PropertyOutcome check_scale_rule(const QuantizedBlocks& b);
// The largest |q| of a block with amax >= floor lies in [Q/2, Q] (e4m3: [224, 448];
// e2m1: {3, 4, 6}, i.e. >= 3).
harness::PropertyOutcome check_block_max_code(const QuantizedBlocks& b);
// Per-element error of q·s against x: relative <= 2^-4 (e4m3, |x/s| >= 2^-6) or 2^-2
// (e2m1, |x/s| >= 1); absolute <= 2^-10·s (e4m3) or 0.25·s (e2m1) below the normal range; and
// the sign of zero is kept.
harness::PropertyOutcome check_element_error(const QuantizedBlocks& b);

}  // namespace v4::properties
