// Registry entries: fp4_act_quant (packed e2m1 + ue8m0 per 1×32, spec §2.4) and its in-place
// simulation fp4_act_quant_sim (y = bf16(q·s), the form the model runs on the indexer q and keys).
#include "harness/generators.h"
#include "harness/ops/op_util.h"
#include "reference/fp4_act_quant.h"

namespace v4::harness {
namespace {

TensorMap fp4_inputs(const Case& c) {
  const int64_t rows = c.i64("rows"), cols = c.i64("cols");
  if (c.i64_or("dist", 0) == 1) return {{"x", random_bf16_wide({rows, cols}, c.seed, "x", -40, 40)}};
  return {{"x", random_bf16({rows, cols}, c.seed, "x")}};
}

std::vector<Case> fp4_cases(const std::string& op, Suite suite) {
  switch (suite) {
    case Suite::smoke:
      return {make_case(op, {{"rows", 5}, {"cols", 128}}), make_case(op, {{"rows", 3}, {"cols", 96}, {"dist", 1}})};
    case Suite::standard:
      return {make_case(op, {{"rows", 64}, {"cols", 4096}}), make_case(op, {{"rows", 128}, {"cols", 7168}, {"dist", 1}})};
    // Pro hidden size, 16K tokens: 297 MB (quantize) / 470 MB (simulation) moved.
    case Suite::full: return {make_case(op, {{"rows", 16384}, {"cols", 7168}})};
  }
  return {};
}

OpSpec make_fp4_act_quant_op() {
  OpSpec op;
  op.name = "fp4_act_quant";
  op.stem = "fp4_act_quant";
  op.summary = "FP4 e2m1 per-token 1x32 quantization, ue8m0 scales (spec 2.4)";
  op.row_inputs = {"x"};
  op.cases = [](Suite s) { return fp4_cases("fp4_act_quant", s); };
  op.make_inputs = fp4_inputs;
  op.outputs = {{"q", ComparePolicy::bitwise("quantizer: exact by construction")},
                {"s", ComparePolicy::bitwise("power-of-two scale: exact")}};
  op.cost = [](const Case& c) {
    const double n = double(c.i64("rows")) * double(c.i64("cols"));
    return Cost{n * 2 + n / 2 + n / 32, 0};
  };
  op.backends = {reference_backend([](const Case&, const TensorMap& in) {
    const Tensor& x = require_tensor(in, "x", "fp4_act_quant");
    const int64_t rows = x.dim(0), cols = x.dim(1);
    Tensor q = make_tensor<e2m1x2>({rows, cols / 2}), s = make_tensor<ue8m0>({rows, cols / 32});
    reference::fp4_act_quant(q.data<e2m1x2>(), s.data<ue8m0>(), x.data<bf16>(), rows, cols);
    return TensorMap{{"q", q}, {"s", s}};
  })};
  return op;
}

OpSpec make_fp4_act_quant_sim_op() {
  OpSpec op;
  op.name = "fp4_act_quant_sim";
  op.stem = "fp4_act_quant";
  op.summary = "FP4 1x32 quantize-dequantize in place, y = bf16(q*s) (spec 2.4)";
  op.row_inputs = {"x"};
  op.cases = [](Suite s) { return fp4_cases("fp4_act_quant_sim", s); };
  op.make_inputs = fp4_inputs;
  op.outputs = {{"y", ComparePolicy::bitwise("q*s is exact in bf16")}};
  op.cost = [](const Case& c) { return Cost{double(c.i64("rows")) * double(c.i64("cols")) * 4, 0}; };
  op.backends = {reference_backend([](const Case&, const TensorMap& in) {
    const Tensor& x = require_tensor(in, "x", "fp4_act_quant_sim");
    Tensor y = make_tensor<bf16>(x.shape());
    reference::fp4_act_quant_sim(y.data<bf16>(), x.data<bf16>(), x.dim(0), x.dim(1));
    return TensorMap{{"y", y}};
  })};
  return op;
}

}  // namespace
V4_REGISTER_OP(make_fp4_act_quant_op);
V4_REGISTER_OP(make_fp4_act_quant_sim_op);
}  // namespace v4::harness
