// Invariants of the V4 block quantizers (spec §2.5), shared by the RapidCheck properties and the
// harness's domain-property checks. Each works on decoded values so one implementation serves
// act_quant, the KV simulation and the FP4 quantizers.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "harness/registry.h"
#include "reference/block_quant.h"

namespace v4::properties {

struct QuantizedBlocks {
  std::vector<float> x;      // inputs [rows, cols]
  std::vector<double> q;     // decoded codes (q, not q·s) [rows, cols]
  std::vector<int> exponent; // scale exponents [rows, cols / block]
  int64_t rows = 0, cols = 0, block = 0;
  reference::ScaleRule rule{};

  bool fp4() const { return rule.q_max == 6.0f; }
  int scale_exponent(int64_t r, int64_t j) const {
    return exponent[size_t(r * (cols / block) + j / block)];
  }
  double dequantized(int64_t r, int64_t j) const; // q·s, exact in double
};

// Views of quantizer outputs: x [rows, cols] bf16 (or fp32 for weights), q codes,
// s [rows, cols/block] ue8m0. Tensors may have more than two dimensions: dimension 0 is rows.
QuantizedBlocks blocks_from_e4m3(const harness::Tensor& x, const harness::Tensor& q,
                                 const harness::Tensor& s, int64_t block);
QuantizedBlocks blocks_from_e2m1(const harness::Tensor& x, const harness::Tensor& q,
                                 const harness::Tensor& s, int64_t block);
// View of an in-place simulation y = bf16(q·s) over the first `quantized_cols` columns of x and
// y [rows, cols] bf16. The simulation has no scale output, so each block's exponent is the exact
// rule applied to x, and q = y / s (exact: s is a power of two). A wrong scale then shows up as
// codes off the grid or out of range.
QuantizedBlocks blocks_from_simulated(const harness::Tensor& x, const harness::Tensor& y,
                                      int64_t block, int64_t quantized_cols,
                                      reference::ScaleRule rule);

// 2^⌈log2(max(amax, floor)/Q)⌉, computed by exact comparisons (independent of the bit trick).
int exact_scale_exponent(float amax, reference::ScaleRule rule);

// Every scale equals exact_scale_exponent of its block; hence |x/s| <= Q (the clamp never binds).
harness::PropertyOutcome check_scale_rule(const QuantizedBlocks& b);
// The largest |q| of a block with amax >= floor lies in [Q/2, Q] (e4m3: [224, 448];
// e2m1: {3, 4, 6}, i.e. >= 3).
harness::PropertyOutcome check_block_max_code(const QuantizedBlocks& b);
// Per-element error of q·s against x: relative <= 2^-4 (e4m3, |x/s| >= 2^-6) or 2^-2
// (e2m1, |x/s| >= 1); absolute <= 2^-10·s (e4m3) or 0.25·s (e2m1) below the normal range; and
// the sign of zero is kept.
harness::PropertyOutcome check_element_error(const QuantizedBlocks& b);
// Every q is a finite value of the format (e4m3 or e2m1), i.e. q·s lies on the block's grid.
harness::PropertyOutcome check_codes_on_grid(const QuantizedBlocks& b);
// signbit(q) == signbit(x) for every element: ±0 map to ±0 codes and a negative value that
// rounds to zero gives -0 (RNE keeps the sign).
harness::PropertyOutcome check_sign_preserved(const QuantizedBlocks& b);
// Idempotence on values: quantizing the dequantized values q·s again (with `requantize`, which
// maps a bf16 tensor [rows, cols] to its QuantizedBlocks) gives the same q·s bit for bit. Codes
// may differ by a factor-2 rescale when a block's max |q| is exactly Q/2.
harness::PropertyOutcome
check_idempotent(const QuantizedBlocks& b,
                 const std::function<QuantizedBlocks(const harness::Tensor&)>& requantize);
// The dequantized values q·s as a bf16 tensor [rows, cols] (exact whenever |q·s| < 2^128).
harness::Tensor dequantized_bf16(const QuantizedBlocks& b);

// Columns [first_col, cols) of x and y [rows, cols] are bit-identical (the KV RoPE dims).
harness::PropertyOutcome check_columns_untouched(const harness::Tensor& x, const harness::Tensor& y,
                                                 int64_t first_col);
// y is a fixed point: y == again bit for bit (in-place simulations applied twice).
harness::PropertyOutcome check_fixed_point(const harness::Tensor& y, const harness::Tensor& again);

} // namespace v4::properties
