// Registry entry: fp4_to_fp8, lossless re-blocking of FP4 expert weights (1x32 ue8m0) into FP8
// (128x128 ue8m0) with the D7 check (spec §3).
//
// Rows are 128-row blocks: w4 [row_blocks, 128, k/2], e [row_blocks, 128, k/32], w8
// [row_blocks, 128, k], f and violations [row_blocks, k/128], so batch invariance applies per
// row block. report is i64 [4]: blocks, violations, worst exponent range Emax - Emin, inexact
// elements (lossy mode). Outputs start as the canary 0xFF; when a block is out of range and the
// mode is not lossy, w8 and f must come back untouched. Because one violation anywhere stops the
// whole conversion, the out-of-range cases put a violating block in EVERY row block: any batch
// drawn from them is then refused as a whole and stays row-invariant.
//
// Case parameters: range = the largest Emax - Emin of ordinary blocks; bad_range > 0 gives one
// block per row block exactly that range; zero_low = 1 zeroes the codes of sub-blocks with
// d < -8 there (the element-wise rule then accepts it); check = 0 (ratio <= 2^14), 1 (<= 2^11),
// 2 (element-wise, zero codes ignored); lossy = 1 writes anyway and counts inexact elements.
#include <algorithm>
#include <cstring>

#include "harness/ops/fp4_to_fp8_options.h"
#include "harness/ops/op_util.h"
#include "harness/rng.h"
#include "properties/fp4_to_fp8_invariants.h"

namespace v4::harness {
namespace {



TensorMap fp4_to_fp8_inputs(const Case& c) {
  const int64_t rb = c.i64("row_blocks"), k = c.i64("k"), range = c.i64("range");
  const int64_t bad_range = c.i64_or("bad_range", 0), zero_low = c.i64_or("zero_low", 0);
  Tensor w4(DType::e2m1x2, {rb, 128, k / 2}), e(DType::ue8m0, {rb, 128, k / 32});
  const CounterRng code_rng(c.seed, "w4"), scale_rng(c.seed, "e"), base_rng(c.seed, "e.block_base"),
      bad_rng(c.seed, "e.bad_block");
  const int64_t n = rb * 128, block_cols = k / 128, subs = k / 32;
  e2m1x2* codes = w4.data<e2m1x2>();
  ue8m0* scales = e.data<ue8m0>();
  for (int64_t i = 0; i < n * k / 2; ++i)
    codes[i].bits = uint8_t(code_rng.bits32(uint64_t(i))); // every code
  for (int64_t br = 0; br < rb; ++br) {
    const int64_t bad_col =
        bad_range > 0 ? bad_rng.uniform_int(uint64_t(3 * br), 0, block_cols - 1) : -1;
    for (int64_t bc = 0; bc < block_cols; ++bc) {
      const int base =
          int(base_rng.uniform_int(uint64_t(br * block_cols + bc), 100, 140)); // biased exponent
      for (int64_t r = br * 128; r < (br + 1) * 128; ++r) {
        for (int64_t j = bc * 4; j < bc * 4 + 4; ++j) {
          scales[r * subs + j].bits =
              uint8_t(base + scale_rng.uniform_int(uint64_t(r * subs + j), 0, range));
        }
      }
      if (bc != bad_col)
        continue;
      // Pin the block's range to exactly bad_range: one sub-scale at base, another in the same
      // row at base + bad_range.
      const int64_t r = br * 128 + bad_rng.uniform_int(uint64_t(3 * br + 1), 0, 127);
      const int64_t j = bad_rng.uniform_int(uint64_t(3 * br + 2), 0, 3);
      scales[r * subs + bc * 4 + j].bits = uint8_t(base);
      scales[r * subs + bc * 4 + (j + 1) % 4].bits = uint8_t(base + bad_range);
      if (!zero_low)
        continue;
      const int f = base + int(bad_range) - 6;
      for (int64_t row = br * 128; row < (br + 1) * 128; ++row) {
        for (int64_t col = bc * 128; col < (bc + 1) * 128; ++col) {
          if (int(scales[row * subs + col / 32].bits) - f < -8)
            reference::e2m1_set(codes, row * k + col, 0);
        }
      }
    }
  }
  return {{"w4", w4}, {"e", e}};
}

TensorMap fp4_to_fp8_reference(const Case& c, const TensorMap& in) {
  const Tensor& w4 = require_tensor(in, "w4", "fp4_to_fp8");
  const Tensor& e = require_tensor(in, "e", "fp4_to_fp8");
  const int64_t rb = w4.dim(0), k = w4.dim(2) * 2, n = rb * 128;
  Tensor w8(DType::e4m3, {rb, 128, k}), f(DType::ue8m0, {rb, k / 128}),
      flags(DType::u8, {rb, k / 128}), report(DType::i64, {4});
  std::memset(w8.bytes(), properties::kFp4ToFp8Canary, w8.nbytes());
  std::memset(f.bytes(), properties::kFp4ToFp8Canary, f.nbytes());
  const reference::Fp4ToFp8Report r =
      reference::fp4_to_fp8(w8.data<e4m3>(), f.data<ue8m0>(), w4.data<e2m1x2>(), e.data<ue8m0>(), n,
                            k, fp4_to_fp8_options(c));
  const properties::Fp4ToFp8Outcome o = properties::outcome_of(r, n, k);
  std::copy(o.violation_flags.begin(), o.violation_flags.end(), flags.data<uint8_t>());
  int64_t* rep = report.data<int64_t>();
  rep[0] = o.blocks;
  rep[1] = o.violations;
  rep[2] = o.worst_range;
  rep[3] = o.inexact;
  return {{"w8", w8}, {"f", f}, {"violations", flags}, {"report", report}};
}

properties::Fp4Weights weights_of(const TensorMap& in) {
  const Tensor& w4 = in.at("w4");
  return {w4.data<e2m1x2>(), in.at("e").data<ue8m0>(), w4.dim(0) * 128, w4.dim(2) * 2};
}

// The converter's outcome as reported in its outputs; "written" is read off the canary in f.
properties::Fp4ToFp8Outcome reported(const TensorMap& out) {
  properties::Fp4ToFp8Outcome o;
  const int64_t* rep = out.at("report").data<int64_t>();
  o.blocks = rep[0], o.violations = rep[1], o.worst_range = rep[2], o.inexact = rep[3];
  const Tensor& flags = out.at("violations");
  o.violation_flags.assign(flags.data<uint8_t>(), flags.data<uint8_t>() + flags.numel());
  const Tensor& f = out.at("f");
  o.written = f.numel() > 0 && f.data<ue8m0>()[0].bits != properties::kFp4ToFp8Canary;
  return o;
}

PropertyOutcome report_matches(const Case& c, const TensorMap& in, const TensorMap& out) {
  const reference::Fp4ToFp8Options options = fp4_to_fp8_options(c);
  return properties::check_fp4_to_fp8_report(
      reported(out),
      properties::expected_fp4_to_fp8(weights_of(in), options.check, options.lossy));
}

// Lossless in every in-range block when written; untouched outputs when refused.
PropertyOutcome lossless_or_untouched(const Case&, const TensorMap& in, const TensorMap& out) {
  const properties::Fp4Weights w = weights_of(in);
  const properties::Fp4ToFp8Outcome o = reported(out);
  if (!o.written)
    return properties::check_fp4_to_fp8_untouched(out.at("w8").data<e4m3>(),
                                                  out.at("f").data<ue8m0>(), w.n, w.k);
  return properties::check_fp4_to_fp8_lossless(w, out.at("w8").data<e4m3>(),
                                               out.at("f").data<ue8m0>(), o.violation_flags);
}

std::vector<Case> fp4_to_fp8_cases(Suite suite) {
  auto make = [](int64_t rb, int64_t k, int64_t range, int64_t bad_range, int64_t check,
                 int64_t zero_low = 0, int64_t lossy = 0) {
    return make_case("fp4_to_fp8", {{"row_blocks", rb},
                                    {"k", k},
                                    {"range", range},
                                    {"bad_range", bad_range},
                                    {"check", check},
                                    {"zero_low", zero_low},
                                    {"lossy", lossy}});
  };
  // Per size: in range (2^14, default), in range under strict 2^11, out of range (refused),
  // a 2^12 block refused only by the strict mode, the element-wise rule accepting a 2^20 block
  // whose low sub-blocks are zero, and the lossy mode writing a 2^20 block.
  auto kinds = [&](int64_t rb, int64_t k) {
    return std::vector<Case>{make(rb, k, 14, 0, 0),     make(rb, k, 11, 0, 1),
                             make(rb, k, 10, 15, 0),    make(rb, k, 8, 12, 1),
                             make(rb, k, 10, 20, 2, 1), make(rb, k, 10, 20, 0, 0, 1)};
  };
  switch (suite) {
  case Suite::smoke:
    return kinds(2, 256);
  case Suite::standard:
    return kinds(4, 1024);
  // Flash w1/w3 [2048, 4096], w2 [4096, 2048]; Pro w1/w3 [3072, 7168]; one refused; and the w1
  // and w3 of 4 Pro experts stacked ([24576, 7168], 264 MB: a bandwidth case).
  case Suite::full:
    return {make(16, 4096, 14, 0, 0), make(32, 2048, 11, 0, 1), make(24, 7168, 14, 0, 0),
            make(24, 7168, 10, 15, 0), make(192, 7168, 14, 0, 0)};
  }
  return {};
}

OpSpec make_fp4_to_fp8_op() {
  OpSpec op;
  op.name = "fp4_to_fp8";
  op.stem = "fp4_to_fp8";
  op.summary = "FP4 (1x32 ue8m0) to FP8 (128x128 ue8m0) re-blocking, lossless or refused with "
               "locations (spec 3, D7)";
  op.row_param = "row_blocks";
  op.row_inputs = {"w4", "e"};
  op.row_outputs = {"w8", "f", "violations"};
  op.cases = fp4_to_fp8_cases;
  op.make_inputs = fp4_to_fp8_inputs;
  op.outputs = {{"w8", ComparePolicy::bitwise("exact re-encoding (lossy mode: one RNE rounding)")},
                {"f", ComparePolicy::bitwise("power-of-two block scale max(Emax-6, 0)")},
                {"violations", ComparePolicy::bitwise("block check: integer")},
                {"report", ComparePolicy::bitwise("counts: integer")}};
  op.properties = {{"report_matches_rules", report_matches},
                   {"lossless_or_untouched", lossless_or_untouched}};
  op.cost = [](const Case& c) { // read 0.5 + 1/32 B, write 1 B per weight, plus 128x128 scales
    const double n = double(c.i64("row_blocks")) * 128 * double(c.i64("k"));
    return Cost{n / 2 + n / 32 + n + n / (128 * 128), 0};
  };
  op.max_invariance_rows = 8; // a row is 128 x k weights
  op.backends = {reference_backend(fp4_to_fp8_reference)};
  return op;
}

} // namespace
V4_REGISTER_OP(make_fp4_to_fp8_op);
} // namespace v4::harness
