// Golden checkers for the quantizer cases against the official code's recorded tensors:
//  - quant_act_fp8: act_quant(x, 128) codes and ue8m0 scales (spec §2.2), and the in-place
//    block-64 FP8 simulation (spec §2.3, D1) applied to all 448 columns of in.x_b64;
//  - quant_act_fp4: fp4_act_quant(x, 32) packed codes and scales, and the in-place FP4
//    simulation (spec §2.4).
// Every comparison is bitwise: the scale is a power of two read off exact bits, x/s is exact,
// the one rounding is RNE into e4m3/e2m1 and q·s is exact in bf16, so any difference at all is a
// semantic disagreement (tie rule, scale rule, floor, sign of zero), never accumulated error.
#include "harness/golden.h"
#include "harness/ops/op_util.h"
#include "reference/act_quant.h"
#include "reference/fp4_act_quant.h"
#include "reference/kv_fp8_sim.h"

namespace v4::harness {
namespace {

const ComparePolicy kCodes =
    ComparePolicy::bitwise("one RNE rounding of an exact x/s: no error to accumulate");
const ComparePolicy kScales =
    ComparePolicy::bitwise("power-of-two scale read off exact bits (spec 2.1)");
const ComparePolicy kSimulated = ComparePolicy::bitwise("q*s is exact in bf16 (spec 2.3/2.4)");

// Rows and columns of a recorded 2-D (or flattened N-D) tensor; the last dimension is columns.
std::pair<int64_t, int64_t> rows_cols(const Tensor& t) {
  const int64_t cols = t.shape().back();
  return {t.numel() / cols, cols};
}

std::vector<GoldenLine> check_quant_act_fp8(const GoldenCase& gc) {
  std::vector<GoldenLine> lines;
  const Tensor x = gc.tensor("in.x_b128");
  const auto [rows, cols] = rows_cols(x);
  Tensor q(DType::e4m3, gc.tensor("out.y_b128").shape()),
      s(DType::ue8m0, gc.tensor("out.scale_b128").shape());
  reference::act_quant(q.data<e4m3>(), s.data<ue8m0>(), x.data<bf16>(), rows, cols);
  lines.push_back(golden_compare(gc, "out.y_b128", q, gc.tensor("out.y_b128"), kCodes));
  lines.push_back(golden_compare(gc, "out.scale_b128", s, gc.tensor("out.scale_b128"), kScales));

  // act_quant(x, 64, inplace=True) on a 448-wide tensor is the KV simulation with no RoPE tail.
  const Tensor x64 = gc.tensor("in.x_b64");
  const auto [rows64, cols64] = rows_cols(x64);
  Tensor y(DType::bf16, gc.tensor("out.y_b64_inplace").shape());
  reference::kv_fp8_sim(y.data<bf16>(), x64.data<bf16>(), rows64, cols64);
  lines.push_back(
      golden_compare(gc, "out.y_b64_inplace", y, gc.tensor("out.y_b64_inplace"), kSimulated));
  return lines;
}

std::vector<GoldenLine> check_quant_act_fp4(const GoldenCase& gc) {
  const Tensor x = gc.tensor("in.x");
  const auto [rows, cols] = rows_cols(x);
  Tensor q(DType::e2m1x2, gc.tensor("out.y_packed").shape()),
      s(DType::ue8m0, gc.tensor("out.scale").shape()),
      y(DType::bf16, gc.tensor("out.y_inplace").shape());
  reference::fp4_act_quant(q.data<e2m1x2>(), s.data<ue8m0>(), x.data<bf16>(), rows, cols);
  reference::fp4_act_quant_sim(y.data<bf16>(), x.data<bf16>(), rows, cols);
  return {golden_compare(gc, "out.y_packed", q, gc.tensor("out.y_packed"), kCodes),
          golden_compare(gc, "out.scale", s, gc.tensor("out.scale"), kScales),
          golden_compare(gc, "out.y_inplace", y, gc.tensor("out.y_inplace"), kSimulated)};
}

} // namespace
V4_REGISTER_GOLDEN("quant_act_fp8", check_quant_act_fp8);
V4_REGISTER_GOLDEN("quant_act_fp4", check_quant_act_fp4);
} // namespace v4::harness
