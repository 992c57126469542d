// Registry entry: act_quant, FP8 1×128 activation quantization (spec §2.2).
#include "harness/generators.h"
#include "harness/ops/op_util.h"
#include "properties/quant_invariants.h"
#include "reference/act_quant.h"

namespace v4::harness {
namespace {

// dist=0: N(0,1); dist=1: per-row magnitudes from 2^-30 to 2^30, so scales span many exponents.
TensorMap act_quant_inputs(const Case& c) {
  const int64_t rows = c.i64("rows"), cols = c.i64("cols");
  if (c.i64_or("dist", 0) == 1) return {{"x", random_bf16_wide({rows, cols}, c.seed, "x", -30, 30)}};
  return {{"x", random_bf16({rows, cols}, c.seed, "x")}};
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
      return {make_case("act_quant", {{"rows", 5}, {"cols", 256}}), make_case("act_quant", {{"rows", 3}, {"cols", 128}, {"dist", 1}})};
    case Suite::standard:
      return {make_case("act_quant", {{"rows", 64}, {"cols", 4096}}),
              make_case("act_quant", {{"rows", 256}, {"cols", 7168}, {"dist", 1}})};
    case Suite::full:
      // >= 256 MB moved each (perf-targets: bandwidth targets at >= 64 MB; the GPU run uses 256).
      return {make_case("act_quant", {{"rows", 16384}, {"cols", 7168}}),
              make_case("act_quant", {{"rows", 32768}, {"cols", 4096}, {"dist", 1}})};
  }
  return {};
}

PropertyOutcome quant_property(const TensorMap& in, const TensorMap& out,
                               PropertyOutcome (*check)(const properties::QuantizedBlocks&)) {
  return check(properties::blocks_from_e4m3(in.at("x"), out.at("q"), out.at("s"), 128));
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
  op.properties = {
      {"scale_rule", [](const Case&, const TensorMap& in, const TensorMap& out) { return quant_property(in, out, properties::check_scale_rule); }},
      {"block_max_code", [](const Case&, const TensorMap& in, const TensorMap& out) { return quant_property(in, out, properties::check_block_max_code); }},
      {"element_error", [](const Case&, const TensorMap& in, const TensorMap& out) { return quant_property(in, out, properties::check_element_error); }},
  };
  op.cost = [](const Case& c) {
    const double n = double(c.i64("rows")) * double(c.i64("cols"));
    return Cost{n * 2 + n + n / 128, 0};
  };
  op.max_invariance_rows = 4097;
  op.backends = {reference_backend(act_quant_reference)};
  return op;
}

}  // namespace
V4_REGISTER_OP(make_act_quant_op);
}  // namespace v4::harness
