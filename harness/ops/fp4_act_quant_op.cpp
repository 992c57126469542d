// Registry entries: fp4_act_quant (packed e2m1 codes + ue8m0 scales per 1x32, spec §2.4) and
// fp4_act_quant_sim, its in-place form y = bf16(q·s) that the model runs on the indexer q and
// keys. Real shapes: the indexer's 64 heads x 128 dims per token, and 7168-wide activations.
#include "harness/generators.h"
#include "harness/ops/quant_inputs.h"
#include "harness/ops/quant_op_util.h"
#include "reference/fp4_act_quant.h"

namespace v4::harness {
namespace {

// dist=0: N(0,1); dist=1: per-row magnitudes 2^-30..2^30; dist=2: rounding edges per 32-block,
// scales from the floor 2^-126 up to 2^120.
TensorMap fp4_inputs(const Case& c) {
  const int64_t rows = c.i64("rows"), cols = c.i64("cols");
  switch (c.i64_or("dist", 0)) {
  case 1:
    return {{"x", random_bf16_wide({rows, cols}, c.seed, "x", -30, 30)}};
  case 2:
    return {{"x", random_bf16_quant_edges({rows, cols}, c.seed, "x", reference::kFp4Block, 6, -126,
                                          120)}};
  default:
    return {{"x", random_bf16({rows, cols}, c.seed, "x")}};
  }
}

std::vector<Case> fp4_cases(const std::string& op, Suite suite) {
  auto make = [&](int64_t rows, int64_t cols, int64_t dist) {
    return make_case(op, {{"rows", rows}, {"cols", cols}, {"dist", dist}});
  };
  switch (suite) {
  case Suite::smoke:
    return {make(5, 128, 0), make(3, 128, 1), make(4, 256, 2)};
  // 64 tokens x 64 indexer heads; wide activations; edges.
  case Suite::standard:
    return {make(4096, 128, 0), make(256, 7168, 1), make(64, 4096, 2)};
  // An 8192-token prefill's indexer queries (x 64 heads), 8192x7168 activations, and 16384x7168
  // (>= 256 MB for the simulation and the quantizer: a bandwidth case).
  case Suite::full:
    return {make(524288, 128, 0), make(8192, 7168, 1), make(16384, 7168, 1)};
  }
  return {};
}

TensorMap fp4_act_quant_reference(const Case&, const TensorMap& in) {
  const Tensor& x = require_tensor(in, "x", "fp4_act_quant");
  const int64_t rows = x.dim(0), cols = x.dim(1);
  Tensor q = make_tensor<e2m1x2>({rows, cols / 2}),
         s = make_tensor<ue8m0>({rows, cols / reference::kFp4Block});
  reference::fp4_act_quant(q.data<e2m1x2>(), s.data<ue8m0>(), x.data<bf16>(), rows, cols);
  return {{"q", q}, {"s", s}};
}

properties::QuantizedBlocks fp4_view(const TensorMap& in, const TensorMap& out) {
  return properties::blocks_from_e2m1(in.at("x"), out.at("q"), out.at("s"), reference::kFp4Block);
}

OpSpec make_fp4_act_quant_op() {
  OpSpec op;
  op.name = "fp4_act_quant";
  op.stem = "fp4_act_quant";
  op.summary =
      "FP4 e2m1 per-token 1x32 quantization, packed codes + ue8m0 power-of-two scales (spec 2.4)";
  op.row_inputs = {"x"};
  op.cases = [](Suite s) { return fp4_cases("fp4_act_quant", s); };
  op.make_inputs = fp4_inputs;
  op.outputs = {{"q", ComparePolicy::bitwise("quantizer: exact by construction")},
                {"s", ComparePolicy::bitwise("power-of-two scale: exact")}};
  op.properties = quant_properties(fp4_view, [](const Tensor& x) {
    return fp4_view({{"x", x}}, fp4_act_quant_reference(Case{}, {{"x", x}}));
  });
  op.cost = [](const Case& c) { // 2 B read, 0.5 + 1/32 B written per element
    const double n = double(c.i64("rows")) * double(c.i64("cols"));
    return Cost{n * 2 + n / 2 + n / 32, 0};
  };
  op.max_invariance_rows = 4097;
  op.backends = {reference_backend(fp4_act_quant_reference)};
  return op;
}

Tensor fp4_sim_apply(const Tensor& x) {
  Tensor y = make_tensor<bf16>(x.shape());
  reference::fp4_act_quant_sim(y.data<bf16>(), x.data<bf16>(), x.dim(0), x.dim(1));
  return y;
}

OpSpec make_fp4_act_quant_sim_op() {
  OpSpec op;
  op.name = "fp4_act_quant_sim";
  op.stem = "fp4_act_quant";
  op.summary =
      "in-place FP4 simulation y = bf16(e2m1(x/s)*s) per 1x32 block, indexer q and keys (spec 2.4)";
  op.row_inputs = {"x"};
  op.cases = [](Suite s) { return fp4_cases("fp4_act_quant_sim", s); };
  op.make_inputs = fp4_inputs;
  op.outputs = {{"y", ComparePolicy::bitwise("q*s is exact in bf16")}};
  const QuantView view = [](const TensorMap& in, const TensorMap& out) {
    const Tensor& x = in.at("x");
    return properties::blocks_from_simulated(x, out.at("y"), reference::kFp4Block, x.dim(1),
                                             reference::kE2m1ScaleRule);
  };
  op.properties = simulated_quant_properties(view, fp4_sim_apply, "y");
  op.cost = [](const Case& c) { // bf16 read + bf16 write
    return Cost{double(c.i64("rows")) * double(c.i64("cols")) * 4, 0};
  };
  op.max_invariance_rows = 4097;
  op.backends = {reference_backend([](const Case&, const TensorMap& in) {
    return TensorMap{{"y", fp4_sim_apply(require_tensor(in, "x", "fp4_act_quant_sim"))}};
  })};
  return op;
}

} // namespace
V4_REGISTER_OP(make_fp4_act_quant_op);
V4_REGISTER_OP(make_fp4_act_quant_sim_op);
} // namespace v4::harness
