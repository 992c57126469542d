// Registry entry: moe_gate_route, the MoE gate after its projection (spec §15): fp32 logits in,
// sqrt(softplus) scores, biased D4 top-k (hash=0) or tid2eid hash routing (hash=1), weights
// renormalized and multiplied by route_scale. The memory-bound half of the gate (T·E·4 bytes of
// logits), with reference::moe_gate_from_logits as its reference; moe_gate adds the projection.
// ties=1 draws logits and bias on coarse grids so that many biased scores tie exactly and the D4
// rule (lower expert id wins) decides. Rows 8k+3 plant a logit at 20, 21 or 22 (torch's softplus
// threshold: 20 goes through log1p(exp), 21 and 22 are returned as they are).
// Domain properties: properties/moe_gate_invariants.h on the scores recomputed from the logits.
#include <cmath>

#include "harness/generators.h"
#include "harness/ops/moe_gate_inputs.h"
#include "harness/ops/op_util.h"
#include "properties/moe_gate_invariants.h"
#include "reference/moe_gate.h"

namespace v4::harness {
namespace {

TensorMap route_inputs(const Case& c) {
  const int64_t tokens = c.i64("tokens"), experts = c.i64("experts"), k = c.i64("k");
  const bool ties = c.i64_or("ties", 0) != 0;
  TensorMap in;
  Tensor logits = random_f32({tokens, experts}, c.seed, "logits", 2.0);
  float* l = logits.data<float>();
  for (int64_t t = 0; t < tokens; ++t) {
    if (ties) {
      for (int64_t e = 0; e < experts; ++e) // multiples of 1/4 in [-2, 2]: 17 values
        l[t * experts + e] =
            std::fmin(std::fmax(std::nearbyint(l[t * experts + e] * 2.0f) / 4.0f, -2.0f), 2.0f);
    }
    if (t % 8 == 3)
      l[t * experts + t % experts] = 20.0f + float(t % 3);
  }
  in["logits"] = std::move(logits);
  in["ids"] = uniform_i64({tokens}, c.seed, "ids", 0, kGateVocab - 1);
  if (c.i64_or("hash", 0)) {
    in["tid2eid"] = random_tid2eid(kGateVocab, experts, k, c.seed);
  } else {
    Tensor bias = random_f32({experts}, c.seed, "bias", 0.1);
    if (ties) {
      for (int64_t e = 0; e < experts; ++e) // multiples of 1/8: mostly 0 and ±1/8
        bias.data<float>()[e] = std::nearbyint(bias.data<float>()[e] * 8.0f) / 8.0f;
    }
    in["bias"] = std::move(bias);
  }
  return in;
}

reference::GateParams params_of(const Case& c, const TensorMap& in) {
  reference::GateParams p;
  p.experts = c.i64("experts");
  p.k = c.i64("k");
  p.route_scale = gate_route_scale(c);
  if (in.count("tid2eid")) {
    p.tid2eid = in.at("tid2eid").data<int32_t>();
    p.vocab = in.at("tid2eid").dim(0);
  } else {
    p.bias = in.at("bias").data<float>();
  }
  return p;
}

TensorMap route_reference(const Case& c, const TensorMap& in) {
  const Tensor& logits = require_tensor(in, "logits", "moe_gate_route");
  const int64_t tokens = logits.dim(0), k = c.i64("k");
  Tensor weights = make_tensor<float>({tokens, k}), indices = make_tensor<int32_t>({tokens, k});
  reference::moe_gate_from_logits(weights.data<float>(), indices.data<int32_t>(),
                                  logits.data<float>(), in.at("ids").data<int64_t>(),
                                  params_of(c, in), tokens);
  return {{"weights", weights}, {"indices", indices}};
}

// The reference's scores of the case's logits (the properties check against these).
Tensor scores_of(const TensorMap& in) {
  const Tensor& logits = in.at("logits");
  Tensor s = make_tensor<float>(logits.shape());
  reference::moe_gate_activate(s.data<float>(), logits.data<float>(), logits.numel());
  return s;
}

Case route_case(int64_t tokens, int64_t experts, int64_t hash, int64_t rs, int64_t ties = 0) {
  return make_case("moe_gate_route", {{"tokens", tokens},
                                      {"experts", experts},
                                      {"k", 6},
                                      {"hash", hash},
                                      {"route_scale_x10", rs},
                                      {"ties", ties}});
}

std::vector<Case> route_cases(Suite suite) {
  switch (suite) {
  case Suite::smoke:
    return {route_case(5, 16, 0, 15), route_case(4, 16, 1, 15), route_case(6, 16, 0, 15, 1)};
  case Suite::standard: // Flash 256 experts x 1.5, Pro 384 x 2.5
    return {route_case(4096, 256, 0, 15), route_case(4096, 256, 1, 15),
            route_case(1024, 384, 0, 25, 1)};
  case Suite::full: // 275 MB and 302 MB of logits; the hash case gathers 6 logits per token
    return {route_case(262144, 256, 0, 15), route_case(196608, 384, 0, 25),
            route_case(65536, 384, 1, 25)};
  }
  return {};
}

OpSpec make_moe_gate_route_op() {
  OpSpec op;
  op.name = "moe_gate_route";
  op.stem = "moe_gate";
  op.summary = "MoE gate after the projection: sqrt(softplus) of fp32 logits, biased D4 top-k or "
               "tid2eid hash routing, renormalized x route_scale (spec 15)";
  op.row_param = "tokens";
  op.row_inputs = {"logits", "ids"};
  op.cases = route_cases;
  op.make_inputs = route_inputs;
  op.outputs = {
      {"indices",
       ComparePolicy::bitwise(
           "scores equal or 1 fp32 ulp apart (libm): the D4 selection and order are exact "
           "unless two biased scores lie within an ulp")},
      // Each selected score equal to the reference's or 1 fp32 ulp (<= 2^-23 relative) away
      // (optimized/moe_gate.h). The exact sum moves <= 2^-23 relative, fl32(sum) <= 2^-22 with both
      // roundings; the exact ratio s_j/sum <= 3·2^-23; the two quotient roundings and the two
      // route_scale products add <= 2·2^-23: 5·2^-23 relative in all, and one fp32 ulp of w is
      // >= 2^-24·|w|: at most 10 ulp. Bitwise wherever the scores are.
      {"weights", ComparePolicy::ulps(10, "scores within 1 ulp: 5·2^-23 relative through sum, "
                                          "division and route_scale; ulp >= 2^-24|w|")},
  };
  op.properties = {
      {"weight_sum",
       [](const Case& c, const TensorMap&, const TensorMap& out) {
         return properties::check_gate_weight_sum(out.at("weights"), gate_route_scale(c));
       }},
      {"weights_from_scores",
       [](const Case& c, const TensorMap& in, const TensorMap& out) {
         return properties::check_gate_weights_from_scores(out.at("weights"), out.at("indices"),
                                                           scores_of(in), gate_route_scale(c));
       }},
      {"selection",
       [](const Case&, const TensorMap& in, const TensorMap& out) {
         if (in.count("tid2eid"))
           return properties::check_gate_hash(out.at("indices"), in.at("tid2eid"), in.at("ids"));
         return properties::check_gate_topk(out.at("indices"), scores_of(in), &in.at("bias"));
       }},
  };
  op.cost = [](const Case& c) {
    const double t = double(c.i64("tokens")), e = double(c.i64("experts")), k = double(c.i64("k"));
    // hash: token ids, table rows and the k gathered logits; else every logit and the bias.
    const double read = c.i64_or("hash", 0) ? t * (8 + 4 * k + 4 * k) : t * e * 4 + e * 4;
    return Cost{read + t * k * 8, t * e * 4};
  };
  op.max_invariance_rows = 4097;
  op.backends = {reference_backend(route_reference)};
  return op;
}

} // namespace
V4_REGISTER_OP(make_moe_gate_route_op);
} // namespace v4::harness
