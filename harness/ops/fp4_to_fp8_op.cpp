// Registry entry: fp4_to_fp8, the lossless FP4 -> FP8 128×128 re-blocking of spec §3 (D7). Cases
// cover the in-range region (sub-scale spread <= 14), the strict 2^11 mode, the element-wise mode,
// the out-of-range region (nothing written, blocks reported) and the opt-in lossy mode. The report
// is an output compared bitwise (harness/ops/fp4_to_fp8_report.h).
#include <stdexcept>

#include "harness/generators.h"
#include "harness/ops/fp4_to_fp8_report.h"
#include "harness/ops/op_util.h"

namespace v4::harness {
namespace {

// w4: random codes; e: 120 + uniform integer in [0, spread] per 1×32 sub-block.
TensorMap fp4_to_fp8_inputs(const Case& c) {
  const int64_t n = c.i64("n"), k = c.i64("k"), spread = c.i64("spread");
  if (spread < 0 || spread > 134) throw std::invalid_argument("fp4_to_fp8 case: spread must be in [0, 134] (code 254 at most)");
  Tensor e = make_tensor<ue8m0>({n, k / 32});
  const Tensor draws = uniform_i32({n, k / 32}, c.seed, "e", 0, spread);
  for (int64_t i = 0; i < e.numel(); ++i) e.data<ue8m0>()[i] = ue8m0{uint8_t(120 + draws.data<int32_t>()[i])};
  return {{"w4", random_codes(DType::e2m1x2, {n, k / 2}, c.seed, "w4")}, {"e", e}};
}

TensorMap fp4_to_fp8_reference(const Case& c, const TensorMap& in) {
  const Tensor& w4 = require_tensor(in, "w4", "fp4_to_fp8");
  const Tensor& e = require_tensor(in, "e", "fp4_to_fp8");
  const int64_t n = w4.dim(0), k = w4.dim(1) * 2;
  Tensor w8 = make_tensor<e4m3>({n, k}), f = make_tensor<ue8m0>({n / 128, k / 128});
  const auto report = reference::fp4_to_fp8(w8.data<e4m3>(), f.data<ue8m0>(), w4.data<e2m1x2>(), e.data<ue8m0>(), n, k,
                                            fp4_to_fp8_options(c.i64_or("check", 0), c.i64_or("lossy", 0)));
  return {{"w8", w8}, {"f", f}, {"report", fp4_to_fp8_report_tensor(report)}};
}

Case fp4_case(int64_t n, int64_t k, int64_t spread, int64_t check = 0, int64_t lossy = 0) {
  return make_case("fp4_to_fp8", {{"n", n}, {"k", k}, {"spread", spread}, {"check", check}, {"lossy", lossy}});
}

OpSpec make_fp4_to_fp8_op() {
  OpSpec op;
  op.name = "fp4_to_fp8";
  op.stem = "fp4_to_fp8";
  op.summary = "FP4 (1x32 ue8m0) -> FP8 (128x128 ue8m0) lossless re-blocking with a report (spec 3, D7)";
  op.row_param = std::string(1, 'n');  // (a one-letter literal trips a false -Wrestrict in GCC 12)
  op.cases = [](Suite suite) -> std::vector<Case> {
    switch (suite) {
      case Suite::smoke: return {fp4_case(128, 256, 14), fp4_case(256, 128, 20), fp4_case(128, 128, 16, 2)};
      case Suite::standard:
        return {fp4_case(512, 1024, 14), fp4_case(512, 1024, 12, 1), fp4_case(512, 1024, 18, 2),
                fp4_case(512, 1024, 24), fp4_case(256, 512, 24, 0, 1)};
      // 8 Pro experts' w1 (8 x 3072 rows, K = 7168): 176 M weights, 270 MB moved.
      case Suite::full: return {fp4_case(24576, 7168, 14), fp4_case(24576, 7168, 20)};
    }
    return {};
  };
  op.make_inputs = fp4_to_fp8_inputs;
  op.outputs = {{"w8", ComparePolicy::bitwise("w4*2^d is exact in e4m3 in range; RNE elsewhere (lossy)")},
                {"f", ComparePolicy::bitwise("integer exponent arithmetic")},
                {"report", ComparePolicy::bitwise("the same report, field for field")}};
  op.cost = [](const Case& c) {
    const double n = double(c.i64("n")) * double(c.i64("k"));
    return Cost{n / 2 + n / 32 + n + n / 16384, 0};
  };
  op.backends = {reference_backend(fp4_to_fp8_reference)};
  return op;
}

}  // namespace
V4_REGISTER_OP(make_fp4_to_fp8_op);
}  // namespace v4::harness
