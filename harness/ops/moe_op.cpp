// Registry entry: moe, the whole MoE layer (spec §15–§17): gate, routed experts, shared expert,
// combine in ascending expert id then the shared expert, fp32, then bf16. fmt=0: bf16 weights
// (the golden config); fmt=1: the checkpoint formats (routed e2m1, shared e4m3). hash=1: a
// hash-routed layer (tid2eid).
#include <cmath>
#include <numeric>

#include "harness/generators.h"
#include "harness/ops/moe_inputs.h"
#include "harness/ops/op_util.h"
#include "harness/rng.h"
#include "properties/moe_gate_invariants.h"
#include "reference/moe.h"

namespace v4::harness {
namespace {

constexpr int64_t kVocab = 1024;

TensorMap moe_inputs(const Case& c) {
  const int64_t tokens = c.i64("tokens"), dim = c.i64("dim"), inter = c.i64("inter"),
                experts = c.i64("experts"), k = c.i64("k"), fmt = c.i64("fmt");
  TensorMap in;
  in["x"] = random_bf16({tokens, dim}, c.seed, "x", 3.0); // std 3, as the golden moe cases
  in["ids"] = uniform_i64({tokens}, c.seed, "ids", 0, kVocab - 1);
  in["gate_w"] = random_bf16({experts, dim}, c.seed, "gate_w", 1.0 / std::sqrt(double(dim)));
  if (c.i64_or("hash", 0)) {
    Tensor t = make_tensor<int32_t>({kVocab, k});
    const CounterRng rng(c.seed, "tid2eid");
    std::vector<int32_t> perm(static_cast<size_t>(experts));
    for (int64_t v = 0; v < kVocab; ++v) {
      std::iota(perm.begin(), perm.end(), 0);
      for (int64_t j = 0; j < k; ++j) {
        std::swap(perm[size_t(j)],
                  perm[size_t(rng.uniform_int(uint64_t(v * k + j), j, experts - 1))]);
        t.data<int32_t>()[v * k + j] = perm[size_t(j)];
      }
    }
    in["tid2eid"] = t;
  } else {
    in["gate_b"] = random_f32({experts}, c.seed, "gate_b", 0.1);
  }
  const int64_t routed = fmt == 0 ? kExpertBf16 : kExpertFp4,
                shared = fmt == 0 ? kExpertBf16 : kExpertFp8;
  add_weight(in, "w1", routed, experts, inter, dim, c.seed);
  add_weight(in, "w2", routed, experts, dim, inter, c.seed);
  add_weight(in, "w3", routed, experts, inter, dim, c.seed);
  add_weight(in, "sw1", shared, 1, inter, dim, c.seed);
  add_weight(in, "sw2", shared, 1, dim, inter, c.seed);
  add_weight(in, "sw3", shared, 1, inter, dim, c.seed);
  return in;
}

float route_scale_of(const Case& c) {
  return float(c.i64_or("route_scale_x10", 15)) / 10.0f;
}

TensorMap moe_reference(const Case& c, const TensorMap& in) {
  const Tensor& x = require_tensor(in, "x", "moe");
  const int64_t tokens = x.dim(0), dim = x.dim(1), inter = c.i64("inter"),
                experts = c.i64("experts"), k = c.i64("k"), fmt = c.i64("fmt");
  const int64_t routed = fmt == 0 ? kExpertBf16 : kExpertFp4,
                shared = fmt == 0 ? kExpertBf16 : kExpertFp8;
  reference::MoeParams p;
  p.gate.weight = in.at("gate_w").data<bf16>();
  p.gate.experts = experts;
  p.gate.k = k;
  p.gate.route_scale = route_scale_of(c);
  if (in.count("tid2eid")) {
    p.gate.tid2eid = in.at("tid2eid").data<int32_t>();
    p.gate.vocab = in.at("tid2eid").dim(0);
  } else {
    p.gate.bias = in.at("gate_b").data<float>();
  }
  for (int64_t e = 0; e < experts; ++e) {
    p.experts.push_back({weight_view(in, "w1", routed, e, inter, dim),
                         weight_view(in, "w2", routed, e, dim, inter),
                         weight_view(in, "w3", routed, e, inter, dim)});
  }
  p.shared = {weight_view(in, "sw1", shared, 0, inter, dim),
              weight_view(in, "sw2", shared, 0, dim, inter),
              weight_view(in, "sw3", shared, 0, inter, dim)};
  Tensor y = make_tensor<bf16>({tokens, dim}), w = make_tensor<float>({tokens, k}),
         idx = make_tensor<int32_t>({tokens, k});
  reference::moe(y.data<bf16>(), w.data<float>(), idx.data<int32_t>(), x.data<bf16>(),
                 in.at("ids").data<int64_t>(), p, tokens, dim);
  return {{"y", y}, {"weights", w}, {"indices", idx}};
}

std::vector<Case> moe_cases(Suite suite) {
  auto mk = [](int64_t fmt, int64_t hash, int64_t tokens, int64_t dim, int64_t inter,
               int64_t experts, int64_t k) {
    return make_case("moe", {{"fmt", fmt},
                             {"hash", hash},
                             {"tokens", tokens},
                             {"dim", dim},
                             {"inter", inter},
                             {"experts", experts},
                             {"k", k}});
  };
  switch (suite) {
  case Suite::smoke:
    return {mk(1, 0, 6, 128, 128, 4, 2), mk(0, 1, 5, 64, 32, 8, 2)};
  case Suite::standard:
    return {mk(1, 0, 16, 1024, 512, 16, 6), mk(1, 1, 16, 1024, 512, 16, 6)};
  case Suite::full:
    return {mk(1, 0, 8, 4096, 2048, 8, 6)}; // Flash expert shapes, 8 of the 256 experts
  }
  return {};
}

OpSpec make_moe_op() {
  OpSpec op;
  op.name = "moe";
  op.stem = "moe";
  op.summary = "MoE layer: gate, FP4 routed + FP8 shared SwiGLU experts, fp32 combine in ascending "
               "expert id (spec 15-17)";
  op.row_param = "tokens";
  op.row_inputs = {"x", "ids"};
  op.cases = moe_cases;
  op.make_inputs = moe_inputs;
  op.outputs = {
      {"y", ComparePolicy::ulps(
                4, "k + 1 expert outputs within 2 ulp each, summed in the same fp32 order; "
                   "one bf16 rounding")},
      {"weights", ComparePolicy::ulps(16, "as moe_gate")},
      {"indices", ComparePolicy::bitwise("as moe_gate: exact without near-ties")}};
  op.properties = {
      {"weight_sum",
       [](const Case& c, const TensorMap&, const TensorMap& out) {
         return properties::check_gate_weight_sum(out.at("weights"), route_scale_of(c));
       }},
      {"hash_selection",
       [](const Case&, const TensorMap& in, const TensorMap& out) {
         if (!in.count("tid2eid")) {
           PropertyOutcome o;
           o.bound = "hash layers only";
           o.detail = "score-routed case: the selection is checked by moe_gate";
           return o;
         }
         return properties::check_gate_hash(out.at("indices"), in.at("tid2eid"), in.at("ids"));
       }},
  };
  op.cost = [](const Case& c) {
    const double t = double(c.i64("tokens")), d = double(c.i64("dim")), i = double(c.i64("inter")),
                 e = double(c.i64("experts")), k = double(c.i64("k"));
    const double wb = c.i64("fmt") == 0 ? 2.0 : 0.53;
    return Cost{4 * t * d + 3 * d * i * (e * wb + 1), 2 * t * d * e + 6 * t * d * i * (k + 1)};
  };
  op.max_invariance_rows = 65; // 1, 2, 3 and RapidCheck sizes up to 65: k + 1 experts per token
  op.backends = {reference_backend(moe_reference)};
  return op;
}

} // namespace
V4_REGISTER_OP(make_moe_op);
} // namespace v4::harness
