// Registry entry: fp4_weight_quant, fp32 master weights to e2m1 with ue8m0 per 1×32 along K
// (spec §1.6; project rule in reference/fp4_weight_quant.h).
#include "harness/generators.h"
#include "harness/ops/op_util.h"
#include "reference/fp4_weight_quant.h"

namespace v4::harness {
namespace {

OpSpec make_fp4_weight_quant_op() {
  OpSpec op;
  op.name = "fp4_weight_quant";
  op.stem = "fp4_weight_quant";
  op.summary = "fp32 weights -> e2m1 + ue8m0 per 1x32 along K (spec 1.6, QAT)";
  op.row_param = std::string(1, 'n');  // (a one-letter literal trips a false -Wrestrict in GCC 12)
  op.row_inputs = {"w"};
  op.cases = [](Suite suite) -> std::vector<Case> {
    switch (suite) {
      case Suite::smoke: return {make_case("fp4_weight_quant", {{"n", 4}, {"k", 128}})};
      case Suite::standard: return {make_case("fp4_weight_quant", {{"n", 256}, {"k", 2048}})};
      // 4 Pro experts' w1 (4 x 3072 rows, K = 7168): 88 M weights, 399 MB moved.
      case Suite::full: return {make_case("fp4_weight_quant", {{"n", 12288}, {"k", 7168}})};
    }
    return {};
  };
  op.make_inputs = [](const Case& c) {
    return TensorMap{{"w", random_f32({c.i64("n"), c.i64("k")}, c.seed, "w", 0.02)}};
  };
  op.outputs = {{"w4", ComparePolicy::bitwise("quantizer: exact by construction")},
                {"s", ComparePolicy::bitwise("power-of-two scale: exact")}};
  op.cost = [](const Case& c) {
    const double n = double(c.i64("n")) * double(c.i64("k"));
    return Cost{n * 4 + n / 2 + n / 32, 0};
  };
  op.max_invariance_rows = 4097;
  op.backends = {reference_backend([](const Case&, const TensorMap& in) {
    const Tensor& w = require_tensor(in, "w", "fp4_weight_quant");
    const int64_t n = w.dim(0), k = w.dim(1);
    Tensor w4 = make_tensor<e2m1x2>({n, k / 2}), s = make_tensor<ue8m0>({n, k / 32});
    reference::fp4_weight_quant(w4.data<e2m1x2>(), s.data<ue8m0>(), w.data<float>(), n, k);
    return TensorMap{{"w4", w4}, {"s", s}};
  })};
  return op;
}

}  // namespace
V4_REGISTER_OP(make_fp4_weight_quant_op);
}  // namespace v4::harness
