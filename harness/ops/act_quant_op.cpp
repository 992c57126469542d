// Registry entry: act_quant, FP8 1×128 activation quantization (spec §2.2).
#include "harness/generators.h"
#include "harness/ops/quant_inputs.h"
#include "harness/ops/quant_op_util.h"
#include "reference/act_quant.h"

namespace v4::harness {
namespace {

// dist=0: N(0,1); dist=1: per-row magnitudes from 2^-30 to 2^30, so scales span many exponents;
// dist=2: rounding edges (ties, ±0, grid values, values below the grid; quant_inputs.h), scales
// from the floor 2^-22 up to 2^100.
TensorMap act_quant_inputs(const Case& c) {
  const int64_t rows = c.i64("rows"), cols = c.i64("cols");
  switch (c.i64_or("dist", 0)) {
  case 1:
    return {{"x", random_bf16_wide({rows, cols}, c.seed, "x", -30, 30)}};
  case 2:
    return {{"x", random_bf16_quant_edges({rows, cols}, c.seed, "x", 128, 448, -22, 100)}};
  default:
    return {{"x", random_bf16({rows, cols}, c.seed, "x")}};
  }
}

TensorMap act_quant_reference(const Case& c, const TensorMap& in) {
  const Tensor& x = require_tensor(in, "x", "act_quant");
  const int64_t rows = x.dim(0), cols = x.dim(1);
  Tensor q = make_tensor<e4m3>({rows, cols}), s = make_tensor<ue8m0>({rows, cols / 128});
  reference::act_quant(q.data<e4m3>(), s.data<ue8m0>(), x.data<bf16>(), rows, cols);
  return {{"q", q}, {"s", s}};
}

std::vector<Case> act_quant_cases(Suite suite) {
  switch (suite) {
  case Suite::smoke:
    return {make_case("act_quant", {{"rows", 5}, {"cols", 256}}),
            make_case("act_quant", {{"rows", 3}, {"cols", 128}, {"dist", 1}}),
            make_case("act_quant", {{"rows", 4}, {"cols", 256}, {"dist", 2}})};
  case Suite::standard:
    return {make_case("act_quant", {{"rows", 64}, {"cols", 4096}}),
            make_case("act_quant", {{"rows", 256}, {"cols", 7168}, {"dist", 1}}),
            make_case("act_quant", {{"rows", 64}, {"cols", 7168}, {"dist", 2}})};
  case Suite::full:
    return {make_case("act_quant", {{"rows", 8192}, {"cols", 7168}}),
            make_case("act_quant", {{"rows", 16384}, {"cols", 4096}, {"dist", 1}})};
  }
  return {};
}

properties::QuantizedBlocks act_quant_view(const TensorMap& in, const TensorMap& out) {
  return properties::blocks_from_e4m3(in.at("x"), out.at("q"), out.at("s"), 128);
}

properties::QuantizedBlocks act_quant_again(const Tensor& x) {
  return act_quant_view({{"x", x}}, act_quant_reference(Case{}, {{"x", x}}));
}

OpSpec make_act_quant_op() {
  OpSpec op;
  op.name = "act_quant";
  op.stem = "act_quant";
  op.summary = "FP8 e4m3 per-token 1x128 quantization, ue8m0 power-of-two scales (spec 2.2)";
  op.row_inputs = {"x"};
  op.cases = act_quant_cases;
  op.make_inputs = act_quant_inputs;
  op.outputs = {{"q", ComparePolicy::bitwise("quantizer: exact by construction")},
                {"s", ComparePolicy::bitwise("power-of-two scale: exact")}};
  op.properties = quant_properties(act_quant_view, act_quant_again);
  op.cost = [](const Case& c) {
    const double n = double(c.i64("rows")) * double(c.i64("cols"));
    return Cost{n * 2 + n + n / 128, 0};
  };
  op.max_invariance_rows = 4097;
  op.backends = {reference_backend(act_quant_reference)};
  return op;
}

} // namespace
V4_REGISTER_OP(make_act_quant_op);
} // namespace v4::harness
