// Golden checkers for the MoE gate (gate_score: layer 1, score-routed with bias; gate_hash:
// layer 0, tid2eid routing). The bounds are derived in harness/ops/moe_golden_bounds.h:
//   trace.biased_scores: E_s + one fp32 ulp (the add s + bias rounded on each side);
//   out.indices: exact — equal unless two biased scores lie within their combined bound, which
//                the checker reports as a near-tie (then the official order is one valid D4 order);
//   out.weights: E_w = w·(E_s_k/s_k + max_j E_s_j/s_j + (k + 4)·u).
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "harness/ops/golden_bound.h"
#include "harness/ops/moe_golden_bounds.h"
#include "harness/ops/op_util.h"
#include "reference/moe_gate.h"

namespace v4::harness {
namespace {

std::vector<GoldenLine> check_gate(const GoldenCase& gc, bool hash) {
  const Tensor x = gc.tensor("in.x"), w = gc.tensor("weight"), ids = gc.tensor("in.input_ids");
  const Tensor official_w = gc.tensor("out.weights"), official_i = gc.tensor("out.indices");
  const int64_t dim = w.dim(1), experts = w.dim(0), tokens = x.numel() / dim, k = official_w.dim(1);
  const float route_scale = gc.config().value("route_scale", 1.0f);
  std::vector<float> scores(size_t(tokens * experts)), weights(size_t(tokens * k));
  std::vector<int32_t> idx(size_t(tokens * k));
  reference::moe_gate_scores(scores.data(), x.data<bf16>(), w.data<bf16>(), tokens, dim, experts);
  std::vector<GoldenLine> lines;
  const GateScoreBounds b = gate_score_bounds(x, w, tokens, dim, experts);
  if (hash) {
    const Tensor table = gc.tensor("tid2eid");
    reference::moe_gate_hash(weights.data(), idx.data(), scores.data(), table.data<int32_t>(),
                             ids.data<int64_t>(), tokens, experts, k, table.dim(0), route_scale);
  } else {
    const Tensor bias = gc.tensor("bias");
    reference::moe_gate_route(weights.data(), idx.data(), scores.data(), bias.data<float>(), tokens,
                              experts, k, route_scale);
    Tensor biased(DType::f32, {tokens, experts});
    reference::moe_gate_biased(biased.data<float>(), scores.data(), bias.data<float>(), tokens,
                               experts);
    std::vector<double> allowed(size_t(tokens * experts));
    for (size_t i = 0; i < allowed.size(); ++i) {
      allowed[i] =
          b.error[i] + ulp_spacing(DType::f32, std::fabs(biased.data<float>()[i]) + b.error[i]);
    }
    const Tensor official_b = gc.tensor("trace.biased_scores");
    lines.push_back(golden_compare_bounded(gc, "trace.biased_scores", biased, official_b, allowed,
                                           "E_s + 1 fp32 ulp of the bias add"));
    // Near-ties: the smallest gap between the k-th and (k+1)-th biased score, against the bound.
    double worst_margin = INFINITY;
    for (int64_t t = 0; t < tokens; ++t) {
      std::vector<float> row(biased.data<float>() + t * experts,
                             biased.data<float>() + (t + 1) * experts);
      std::sort(row.begin(), row.end(), std::greater<>());
      const double gap = double(row[size_t(k - 1)]) - row[size_t(k)];
      worst_margin = std::min(worst_margin,
                              gap / (2 * *std::max_element(b.error.begin() + t * experts,
                                                           b.error.begin() + (t + 1) * experts)));
    }
    lines.push_back({gc.case_name(), "selection margin", worst_margin > 1,
                     fmt::format("min gap(k, k+1) / (2 max E_s) = {:.3g}", worst_margin),
                     "> 1: no near-tie can flip the selection", ""});
  }
  std::vector<int64_t> idx64(idx.begin(), idx.end());
  lines.push_back(golden_compare_indices(gc, "out.indices", idx64, official_i, k,
                                         hash ? "tid2eid[token id], table order"
                                              : "D4 top-k, score descending"));
  Tensor ours_w(DType::f32, official_w.shape());
  std::copy(weights.begin(), weights.end(), ours_w.data<float>());
  const std::vector<double> e_w = gate_weight_errors(b, weights, idx, tokens, experts, k);
  lines.push_back(golden_compare_bounded(gc, "out.weights", ours_w, official_w, e_w,
                                         "w (E_s_k/s_k + max_j E_s_j/s_j + (k+4) u)"));
  return lines;
}

} // namespace
V4_REGISTER_GOLDEN("gate_score", [](const GoldenCase& gc) { return check_gate(gc, false); });
V4_REGISTER_GOLDEN("gate_hash", [](const GoldenCase& gc) { return check_gate(gc, true); });
} // namespace v4::harness
