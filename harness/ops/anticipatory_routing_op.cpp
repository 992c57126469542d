// Registry entry: anticipatory_routing (spec §20): indices from the router snapshot θ_{t−Δt},
// weights from the current router θ_t at those indices. delta=0: the snapshot IS the current
// router (standard routing); delta=1: the snapshot is the current router minus one step of
// drift (N(0, 0.05/sqrt(dim)) on the weights, N(0, 0.01) on the bias).
#include <cmath>

#include <fmt/format.h>

#include "harness/generators.h"
#include "harness/ops/op_util.h"
#include "properties/moe_gate_invariants.h"
#include "reference/anticipatory_routing.h"
#include "reference/moe_gate.h"

namespace v4::harness {
namespace {

TensorMap ar_inputs(const Case& c) {
  const int64_t tokens = c.i64("tokens"), dim = c.i64("dim"), experts = c.i64("experts");
  TensorMap in;
  in["x"] = random_bf16({tokens, dim}, c.seed, "x");
  const Tensor w_now = random_f32({experts, dim}, c.seed, "w", 1.0 / std::sqrt(double(dim)));
  const Tensor drift = random_f32({experts, dim}, c.seed, "drift", 0.05 / std::sqrt(double(dim)));
  Tensor now = make_tensor<bf16>({experts, dim}), old = make_tensor<bf16>({experts, dim});
  const bool moved = c.i64("delta") > 0;
  for (int64_t i = 0; i < now.numel(); ++i) {
    now.data<bf16>()[i] = reference::bf16_encode(w_now.data<float>()[i]);
    old.data<bf16>()[i] =
        moved ? reference::bf16_encode(w_now.data<float>()[i] - drift.data<float>()[i])
              : now.data<bf16>()[i];
  }
  in["w_now"] = now;
  in["w_old"] = old;
  in["b_now"] = random_f32({experts}, c.seed, "b", 0.1);
  Tensor b_old = in["b_now"];
  if (moved) {
    const Tensor db = random_f32({experts}, c.seed, "db", 0.01);
    for (int64_t e = 0; e < experts; ++e)
      b_old.data<float>()[e] -= db.data<float>()[e];
  }
  in["b_old"] = b_old;
  return in;
}

TensorMap ar_reference(const Case& c, const TensorMap& in) {
  const Tensor& x = require_tensor(in, "x", "anticipatory_routing");
  const int64_t tokens = x.dim(0), dim = x.dim(1), experts = c.i64("experts"), k = c.i64("k");
  Tensor w = make_tensor<float>({tokens, k}), idx = make_tensor<int32_t>({tokens, k});
  reference::anticipatory_route(w.data<float>(), idx.data<int32_t>(), x.data<bf16>(),
                                {in.at("w_now").data<bf16>(), in.at("b_now").data<float>()},
                                {in.at("w_old").data<bf16>(), in.at("b_old").data<float>()}, tokens,
                                dim, experts, k, 1.5f);
  return {{"weights", w}, {"indices", idx}};
}

// Indices: the D4 top-k of the SNAPSHOT's biased scores; weights: the CURRENT scores
// renormalized at those indices. Both against scores recomputed by the reference gate.
PropertyOutcome indices_from_snapshot(const Case& c, const TensorMap& in, const TensorMap& out) {
  const Tensor& x = in.at("x");
  const int64_t tokens = x.dim(0), dim = x.dim(1), experts = c.i64("experts");
  Tensor old_scores = make_tensor<float>({tokens, experts});
  reference::moe_gate_scores(old_scores.data<float>(), x.data<bf16>(), in.at("w_old").data<bf16>(),
                             tokens, dim, experts);
  return properties::check_gate_topk(out.at("indices"), old_scores, &in.at("b_old"));
}

PropertyOutcome weights_from_current(const Case& c, const TensorMap& in, const TensorMap& out) {
  const Tensor& x = in.at("x");
  const int64_t tokens = x.dim(0), dim = x.dim(1), experts = c.i64("experts");
  Tensor now_scores = make_tensor<float>({tokens, experts});
  reference::moe_gate_scores(now_scores.data<float>(), x.data<bf16>(), in.at("w_now").data<bf16>(),
                             tokens, dim, experts);
  return properties::check_gate_weights_from_scores(out.at("weights"), out.at("indices"),
                                                    now_scores, 1.5f);
}

std::vector<Case> ar_cases(Suite suite) {
  auto mk = [](int64_t delta, int64_t tokens, int64_t dim, int64_t experts, int64_t k) {
    return make_case(
        "anticipatory_routing",
        {{"delta", delta}, {"tokens", tokens}, {"dim", dim}, {"experts", experts}, {"k", k}});
  };
  switch (suite) {
  case Suite::smoke:
    return {mk(1, 6, 128, 16, 4), mk(0, 4, 128, 16, 4)};
  case Suite::standard:
    return {mk(1, 64, 4096, 256, 6), mk(0, 16, 4096, 256, 6)};
  case Suite::full:
    return {mk(1, 256, 7168, 384, 6)};
  }
  return {};
}

OpSpec make_ar_op() {
  OpSpec op;
  op.name = "anticipatory_routing";
  op.stem = "anticipatory_routing";
  op.summary = "anticipatory routing: indices from the router snapshot t - dt, weights from the "
               "current router (spec 20)";
  op.row_param = "tokens";
  op.row_inputs = {"x"};
  op.cases = ar_cases;
  op.make_inputs = ar_inputs;
  op.outputs = {{"indices", ComparePolicy::bitwise("as moe_gate")},
                {"weights", ComparePolicy::ulps(16, "as moe_gate")}};
  op.properties = {{"indices_from_snapshot", indices_from_snapshot},
                   {"weights_from_current", weights_from_current}};
  op.cost = [](const Case& c) {
    const double t = double(c.i64("tokens")), d = double(c.i64("dim")),
                 e = double(c.i64("experts"));
    return Cost{2 * t * d + 4 * e * d, 4 * t * d * e};
  };
  op.max_invariance_rows = 4097;
  op.backends = {reference_backend(ar_reference)};
  return op;
}

} // namespace
V4_REGISTER_OP(make_ar_op);
} // namespace v4::harness
