// Golden checker for one expert with the SwiGLU clamp (expert_swiglu: bf16 weights, inputs
// scaled so that both clamps bind): forward(x, weights) and forward(x). The bound propagates the
// two bf16 linears, the clamp, silu, the products, bf16(h) and w2 step by step
// (harness/ops/moe_golden_bounds.h), plus one bf16 ULP for the output rounding of each side.
#include "harness/ops/golden_bound.h"
#include "harness/ops/moe_golden_bounds.h"
#include "harness/ops/op_util.h"
#include "reference/linear.h"
#include "reference/moe_expert.h"

namespace v4::harness {
namespace {

std::vector<GoldenLine> check_expert(const GoldenCase& gc) {
  const Tensor x = gc.tensor("in.x"), w1 = gc.tensor("w1.weight"), w2 = gc.tensor("w2.weight"),
               w3 = gc.tensor("w3.weight"), route = gc.tensor("in.weights");
  const int64_t dim = w1.dim(1), inter = w1.dim(0), rows = x.numel() / dim;
  const float limit = gc.config().value("swiglu_limit", reference::kSwigluLimit);
  reference::ExpertWeights ew{reference::LinearWeight::bf16_weight(w1.data<bf16>(), inter, dim),
                              reference::LinearWeight::bf16_weight(w2.data<bf16>(), dim, inter),
                              reference::LinearWeight::bf16_weight(w3.data<bf16>(), inter, dim)};
  std::vector<GoldenLine> lines;
  for (const bool weighted : {true, false}) {
    const std::string name = weighted ? "out.y_weighted" : "out.y";
    const Tensor official = gc.tensor(name);
    Tensor y(DType::bf16, official.shape());
    const std::vector<float> rw =
        weighted ? std::vector<float>(route.data<float>(), route.data<float>() + rows)
                 : std::vector<float>();
    reference::moe_expert(y.data<bf16>(), x.data<bf16>(), weighted ? rw.data() : nullptr, ew, rows,
                          limit);
    const ExpertBound b =
        expert_bound(x.data<bf16>(), w1.data<bf16>(), w2.data<bf16>(), w3.data<bf16>(), rw,
                     std::vector<double>(rw.size(), 0.0), rows, dim, inter, limit);
    lines.push_back(golden_compare_bounded(
        gc, name, y, official, b.err_out,
        "two bf16 linears, clamp, silu, products, bf16(h), w2; + output ulp"));
  }
  return lines;
}

} // namespace
V4_REGISTER_GOLDEN("expert_swiglu", check_expert);
} // namespace v4::harness
