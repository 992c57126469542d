// Registry entry: moe_gate (spec §15). hash=0: score routing with a bias (layers >= 3 and MTP);
// hash=1: tid2eid routing (layers < n_hash_layers). Outputs the weights, the indices and the
// unbiased scores the weights come from.
#include <cmath>

#include "harness/generators.h"
#include "harness/ops/moe_gate_inputs.h"
#include "harness/ops/op_util.h"
#include "properties/moe_gate_invariants.h"
#include "reference/moe_gate.h"

namespace v4::harness {
namespace {

TensorMap gate_inputs(const Case& c) {
  const int64_t tokens = c.i64("tokens"), dim = c.i64("dim"), experts = c.i64("experts"),
                k = c.i64("k");
  TensorMap in;
  in["x"] = random_bf16({tokens, dim}, c.seed, "x");
  in["w"] = random_bf16({experts, dim}, c.seed, "w", 1.0 / std::sqrt(double(dim)));
  in["ids"] = uniform_i64({tokens}, c.seed, "ids", 0, kGateVocab - 1);
  if (c.i64_or("hash", 0))
    in["tid2eid"] = random_tid2eid(kGateVocab, experts, k, c.seed);
  else
    in["bias"] = random_f32({experts}, c.seed, "bias", 0.1);
  return in;
}

TensorMap gate_reference(const Case& c, const TensorMap& in) {
  const Tensor &x = require_tensor(in, "x", "moe_gate"), &w = require_tensor(in, "w", "moe_gate");
  const int64_t tokens = x.dim(0), dim = x.dim(1), experts = w.dim(0), k = c.i64("k");
  Tensor weights = make_tensor<float>({tokens, k}), indices = make_tensor<int32_t>({tokens, k}),
         scores = make_tensor<float>({tokens, experts});
  reference::moe_gate_scores(scores.data<float>(), x.data<bf16>(), w.data<bf16>(), tokens, dim,
                             experts);
  if (in.count("tid2eid")) {
    const Tensor& table = in.at("tid2eid");
    reference::moe_gate_hash(weights.data<float>(), indices.data<int32_t>(), scores.data<float>(),
                             table.data<int32_t>(), in.at("ids").data<int64_t>(), tokens, experts,
                             k, table.dim(0), gate_route_scale(c));
  } else {
    reference::moe_gate_route(weights.data<float>(), indices.data<int32_t>(), scores.data<float>(),
                              in.at("bias").data<float>(), tokens, experts, k, gate_route_scale(c));
  }
  return {{"weights", weights}, {"indices", indices}, {"scores", scores}};
}

std::vector<Case> gate_cases(Suite suite) {
  auto mk = [](int64_t tokens, int64_t dim, int64_t experts, int64_t k, int64_t hash, int64_t rs) {
    return make_case("moe_gate", {{"tokens", tokens},
                                  {"dim", dim},
                                  {"experts", experts},
                                  {"k", k},
                                  {"hash", hash},
                                  {"route_scale_x10", rs}});
  };
  switch (suite) {
  case Suite::smoke:
    return {mk(5, 128, 16, 4, 0, 15), mk(4, 128, 16, 4, 1, 15)};
  case Suite::standard:
    return {mk(64, 4096, 256, 6, 0, 15), mk(64, 4096, 256, 6, 1, 15)}; // Flash
  case Suite::full:
    // Pro, and a Flash batch. The gate is bound by its FP64 projection and the reference's
    // O(tokens·dim·experts) double loop on the host (~5 s at 4096 x 4096 x 256); its >= 256 MB
    // bandwidth cases live in moe_gate_route (the gate after the projection).
    return {mk(512, 7168, 384, 6, 0, 25), mk(256, 7168, 384, 6, 1, 25),
            mk(4096, 4096, 256, 6, 0, 15)};
  }
  return {};
}

OpSpec make_moe_gate_op() {
  OpSpec op;
  op.name = "moe_gate";
  op.stem = "moe_gate";
  op.summary = "MoE gate: sqrt(softplus) scores, biased D4 top-k or tid2eid hash routing, "
               "renormalized x route_scale (spec 15)";
  op.row_param = "tokens";
  op.row_inputs = {"x", "ids"};
  op.cases = gate_cases;
  op.make_inputs = gate_inputs;
  op.outputs = {
      {"indices", ComparePolicy::bitwise(
                      "fp32 scores without near-ties: the D4 selection and order are exact")},
      {"weights", ComparePolicy::ulps(
                      16, "E_w/w = E_s/s + max E_s/s + (k+4)u with E_s/s ~ (dim+1)u sigma(l)/2 "
                          "for |l| ~ 1: a few fp32 ulp at dim 4096-7168; 16 ulp")},
      {"scores",
       ComparePolicy::ulps(8, "dot product order (dim+1)u sum|x w| ~ 2^-12 relative at dim 7168, "
                              "halved by sqrt, + softplus/sqrt roundings")},
  };
  op.properties = {
      {"weight_sum",
       [](const Case& c, const TensorMap&, const TensorMap& out) {
         return properties::check_gate_weight_sum(out.at("weights"), gate_route_scale(c));
       }},
      {"weights_from_scores",
       [](const Case& c, const TensorMap&, const TensorMap& out) {
         return properties::check_gate_weights_from_scores(out.at("weights"), out.at("indices"),
                                                           out.at("scores"), gate_route_scale(c));
       }},
      {"selection",
       [](const Case&, const TensorMap& in, const TensorMap& out) {
         if (in.count("tid2eid"))
           return properties::check_gate_hash(out.at("indices"), in.at("tid2eid"), in.at("ids"));
         return properties::check_gate_topk(out.at("indices"), out.at("scores"), &in.at("bias"));
       }},
  };
  op.cost = [](const Case& c) {
    const double t = double(c.i64("tokens")), d = double(c.i64("dim")),
                 e = double(c.i64("experts")), k = double(c.i64("k"));
    // x, w, then bias (score routing) or token ids and table rows (hash); weights, indices, scores.
    const double routing = c.i64_or("hash", 0) ? t * (8 + 4 * k) : 4 * e;
    return Cost{2 * t * d + 2 * e * d + routing + t * (8 * k + 4 * e), 2 * t * d * e};
  };
  op.max_invariance_rows = 4097;
  op.backends = {reference_backend(gate_reference)};
  return op;
}

} // namespace
V4_REGISTER_OP(make_moe_gate_op);
} // namespace v4::harness
