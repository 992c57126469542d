// Golden checkers for the MoE layer (moe_score: score-routed layer 1; moe_hash: hash-routed
// layer 0), bf16 weights as in the golden config. Compared: the routing used
// (trace.gate_indices exactly, trace.gate_weights within E_w) and out.y.
// Bound for out.y: each routed expert's bf16 output differs by at most its propagated bound
// (moe_golden_bounds.h, with the routing weight's E_w); the fp32 combine adds the same terms in
// the same order on both sides (ascending expert id, then the shared expert), each add
// rounding by at most u·|partial sum| on each side: (k + 1)·2u·Σ|terms|; then one bf16 ULP.
#include <algorithm>
#include <cmath>
#include <string>

#include "harness/ops/golden_bound.h"
#include "harness/ops/moe_golden_bounds.h"
#include "harness/ops/op_util.h"
#include "reference/moe.h"

namespace v4::harness {
namespace {

std::vector<GoldenLine> check_moe(const GoldenCase& gc, bool hash) {
  const Tensor x = gc.tensor("in.x"), ids = gc.tensor("in.input_ids"),
               gate_w = gc.tensor("gate.weight");
  const Tensor official_y = gc.tensor("out.y"), official_w = gc.tensor("trace.gate_weights"),
               official_i = gc.tensor("trace.gate_indices");
  const auto& cfg = gc.config();
  const int64_t dim = gate_w.dim(1), experts = gate_w.dim(0), tokens = x.numel() / dim,
                k = official_w.dim(1);
  const int64_t inter = gc.tensor("experts.0.w1.weight").dim(0);
  const float limit = cfg.value("swiglu_limit", reference::kSwigluLimit);

  std::vector<Tensor> keep; // owns the expert weights the views point into
  auto bf16_view = [&](const std::string& name, int64_t out, int64_t in) {
    keep.push_back(gc.tensor(name));
    return reference::LinearWeight::bf16_weight(keep.back().data<bf16>(), out, in);
  };
  keep.reserve(size_t(3 * (experts + 1) + 2));
  reference::MoeParams p;
  p.swiglu_limit = limit;
  p.gate.weight = gate_w.data<bf16>();
  p.gate.experts = experts;
  p.gate.k = k;
  p.gate.route_scale = cfg.value("route_scale", 1.0f);
  Tensor bias, table;
  if (hash) {
    table = gc.tensor("gate.tid2eid");
    p.gate.tid2eid = table.data<int32_t>();
    p.gate.vocab = table.dim(0);
  } else {
    bias = gc.tensor("gate.bias");
    p.gate.bias = bias.data<float>();
  }
  for (int64_t e = 0; e < experts; ++e) {
    const std::string pre = "experts." + std::to_string(e) + ".";
    p.experts.push_back({bf16_view(pre + "w1.weight", inter, dim),
                         bf16_view(pre + "w2.weight", dim, inter),
                         bf16_view(pre + "w3.weight", inter, dim)});
  }
  p.shared = {bf16_view("shared_experts.w1.weight", inter, dim),
              bf16_view("shared_experts.w2.weight", dim, inter),
              bf16_view("shared_experts.w3.weight", inter, dim)};

  Tensor y(DType::bf16, official_y.shape());
  std::vector<float> weights(size_t(tokens * k));
  std::vector<int32_t> idx(size_t(tokens * k));
  reference::moe(y.data<bf16>(), weights.data(), idx.data(), x.data<bf16>(), ids.data<int64_t>(), p,
                 tokens, dim);

  // Routing bounds, then the per-token combine bound.
  const GateScoreBounds gb = gate_score_bounds(x, gate_w, tokens, dim, experts);
  const std::vector<double> e_w = gate_weight_errors(gb, weights, idx, tokens, experts, k);
  std::vector<double> err(size_t(tokens * dim), 0.0), mag(size_t(tokens * dim), 0.0);
  const bf16* xb = x.data<bf16>();
  for (int64_t t = 0; t < tokens; ++t) {
    for (int64_t j = 0; j < k; ++j) {
      const auto& w = p.experts[size_t(idx[size_t(t * k + j)])];
      const ExpertBound b = expert_bound(
          xb + t * dim, static_cast<const bf16*>(w.w1.data), static_cast<const bf16*>(w.w2.data),
          static_cast<const bf16*>(w.w3.data), {weights[size_t(t * k + j)]},
          {e_w[size_t(t * k + j)]}, 1, dim, inter, limit);
      for (int64_t c = 0; c < dim; ++c)
        err[size_t(t * dim + c)] += b.err_out[size_t(c)],
            mag[size_t(t * dim + c)] += std::fabs(b.y[size_t(c)]);
    }
    const ExpertBound s =
        expert_bound(xb + t * dim, static_cast<const bf16*>(p.shared.w1.data),
                     static_cast<const bf16*>(p.shared.w2.data),
                     static_cast<const bf16*>(p.shared.w3.data), {}, {}, 1, dim, inter, limit);
    for (int64_t c = 0; c < dim; ++c)
      err[size_t(t * dim + c)] += s.err_out[size_t(c)],
          mag[size_t(t * dim + c)] += std::fabs(s.y[size_t(c)]);
  }
  std::vector<double> allowed(err.size());
  for (size_t i = 0; i < err.size(); ++i) {
    const double pre = err[i] + double(k + 1) * 2 * kFp32Unit * (mag[i] + err[i]);
    allowed[i] =
        pre + ulp_spacing(DType::bf16, std::fabs(reference::bf16_decode(y.data<bf16>()[i])) + pre);
  }
  Tensor ours_w(DType::f32, official_w.shape());
  std::copy(weights.begin(), weights.end(), ours_w.data<float>());
  return {
      golden_compare_indices(gc, "trace.gate_indices", std::vector<int64_t>(idx.begin(), idx.end()),
                             official_i, k, hash ? "tid2eid[token id]" : "D4 top-k"),
      golden_compare_bounded(gc, "trace.gate_weights", ours_w, official_w, e_w, "E_w of the gate"),
      golden_compare_bounded(gc, "out.y", y, official_y, allowed,
                             "sum of expert bounds + (k+1) 2u sum|terms| + output ulp")};
}

} // namespace
V4_REGISTER_GOLDEN("moe_score", [](const GoldenCase& gc) { return check_moe(gc, false); });
V4_REGISTER_GOLDEN("moe_hash", [](const GoldenCase& gc) { return check_moe(gc, true); });
} // namespace v4::harness
