// Registry entry: kv_fp8_sim, the FP8 KV simulation of spec §2.3 (D1), block 64 over dims
// [0, 448), RoPE dims copied.
#include "harness/generators.h"
#include "harness/ops/op_util.h"
#include "reference/kv_fp8_sim.h"

namespace v4::harness {
namespace {

TensorMap kv_fp8_sim_inputs(const Case& c) {
  const int64_t rows = c.i64("rows"), dim = c.i64("dim");
  if (c.i64_or("dist", 0) == 1) return {{"x", random_bf16_wide({rows, dim}, c.seed, "x", -20, 20)}};
  return {{"x", random_bf16({rows, dim}, c.seed, "x")}};
}

TensorMap kv_fp8_sim_reference(const Case&, const TensorMap& in) {
  const Tensor& x = require_tensor(in, "x", "kv_fp8_sim");
  Tensor y = make_tensor<bf16>(x.shape());
  reference::kv_fp8_sim(y.data<bf16>(), x.data<bf16>(), x.dim(0), x.dim(1));
  return {{"y", y}};
}

OpSpec make_kv_fp8_sim_op() {
  OpSpec op;
  op.name = "kv_fp8_sim";
  op.stem = "kv_fp8_sim";
  op.summary = "FP8 KV simulation in place, block 64 over the 448 nope dims (spec 2.3, D1)";
  op.row_inputs = {"x"};
  op.cases = [](Suite suite) -> std::vector<Case> {
    switch (suite) {
      case Suite::smoke:
        return {make_case("kv_fp8_sim", {{"rows", 5}, {"dim", 512}}),
                make_case("kv_fp8_sim", {{"rows", 3}, {"dim", 512}, {"dist", 1}})};
      case Suite::standard:
        return {make_case("kv_fp8_sim", {{"rows", 256}, {"dim", 512}}),
                make_case("kv_fp8_sim", {{"rows", 256}, {"dim", 512}, {"dist", 1}})};
      // 131072 KV rows (a 128K-token window of entries): 268 MB moved.
      case Suite::full: return {make_case("kv_fp8_sim", {{"rows", 131072}, {"dim", 512}})};
    }
    return {};
  };
  op.make_inputs = kv_fp8_sim_inputs;
  op.outputs = {{"y", ComparePolicy::bitwise("quantize-dequantize through e4m3: exact by construction")}};
  op.cost = [](const Case& c) { return Cost{double(c.i64("rows")) * double(c.i64("dim")) * 4, 0}; };
  op.backends = {reference_backend(kv_fp8_sim_reference)};
  return op;
}

}  // namespace
V4_REGISTER_OP(make_kv_fp8_sim_op);
}  // namespace v4::harness
