// Registry entry: moe_expert, one SwiGLU expert with the V4 clamp (spec §16, §17). fmt=2: a
// routed expert (e2m1 weights, 1×32 scales, routing weight applied before w2); fmt=1: the shared
// expert (e4m3 weights, 128×128 scales, no routing weight, clamp per D2); fmt=0: bf16 weights
// (the golden config). xscale: the input's standard deviation (16 drives both clamps).
// Outputs: y and h = bf16(w_route·silu(min(g,10))·clamp(u,±10)), the w2 input.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "harness/generators.h"
#include "harness/ops/moe_inputs.h"
#include "harness/ops/op_util.h"
#include "properties/swiglu_invariants.h"
#include "reference/moe_expert.h"

namespace v4::harness {
namespace {

TensorMap expert_inputs(const Case& c) {
  const int64_t rows = c.i64("rows"), dim = c.i64("dim"), inter = c.i64("inter"),
                fmt = c.i64("fmt");
  TensorMap in;
  in["x"] = random_bf16({rows, dim}, c.seed, "x", double(c.i64_or("xscale", 1)));
  if (fmt != kExpertFp8)
    in["route"] = uniform_f32({rows}, c.seed, "route", 0.05, 1.5);
  add_weight(in, "w1", fmt, 1, inter, dim, c.seed);
  add_weight(in, "w2", fmt, 1, dim, inter, c.seed);
  add_weight(in, "w3", fmt, 1, inter, dim, c.seed);
  return in;
}

reference::ExpertWeights expert_views(const TensorMap& in, int64_t fmt, int64_t dim,
                                      int64_t inter) {
  return {weight_view(in, "w1", fmt, 0, inter, dim), weight_view(in, "w2", fmt, 0, dim, inter),
          weight_view(in, "w3", fmt, 0, inter, dim)};
}

TensorMap expert_reference(const Case& c, const TensorMap& in) {
  const Tensor& x = require_tensor(in, "x", "moe_expert");
  const int64_t rows = x.dim(0), dim = x.dim(1), inter = c.i64("inter"), fmt = c.i64("fmt");
  const reference::ExpertWeights w = expert_views(in, fmt, dim, inter);
  const float* route = in.count("route") ? in.at("route").data<float>() : nullptr;
  Tensor y = make_tensor<bf16>({rows, dim}), h = make_tensor<bf16>({rows, inter});
  reference::moe_expert_hidden(h.data<bf16>(), x.data<bf16>(), route, w, rows,
                               reference::kSwigluLimit);
  reference::linear(y.data<bf16>(), h.data<bf16>(), w.w2, rows);
  return {{"y", y}, {"h", h}};
}

std::vector<Case> expert_cases(Suite suite) {
  auto mk = [](int64_t fmt, int64_t rows, int64_t dim, int64_t inter, int64_t xscale) {
    return make_case(
        "moe_expert",
        {{"fmt", fmt}, {"rows", rows}, {"dim", dim}, {"inter", inter}, {"xscale", xscale}});
  };
  switch (suite) {
  case Suite::smoke:
    return {mk(kExpertFp4, 4, 128, 128, 16), mk(kExpertFp8, 3, 128, 128, 1),
            mk(kExpertBf16, 3, 128, 64, 16)};
  case Suite::standard:
    return {mk(kExpertFp4, 8, 4096, 2048, 1), mk(kExpertFp8, 8, 4096, 2048, 16)}; // Flash
  case Suite::full:
    return {mk(kExpertFp4, 4, 7168, 3072, 1), mk(kExpertFp8, 4, 7168, 3072, 16)}; // Pro
  }
  return {};
}

OpSpec make_moe_expert_op() {
  OpSpec op;
  op.name = "moe_expert";
  op.stem = "moe_expert";
  op.summary = "SwiGLU expert with the V4 clamp (u in [-10,10], g <= 10), weight before w2; FP4 "
               "routed / FP8 shared (spec 16, 17)";
  op.row_inputs = {"x", "route"};
  op.cases = expert_cases;
  op.make_inputs = expert_inputs;
  op.outputs = {
      {"y", ComparePolicy::ulps(
                2, "w2 GEMM: fp32 accumulation order + 1/2 ulp output rounding each side "
                   "(given identical h)")},
      {"h", ComparePolicy::ulps(
                1, "g, u bf16-identical; silu fp32 within a few ulp; one bf16 rounding")}};
  op.properties = {{"clamp_bound", [](const Case&, const TensorMap& in, const TensorMap& out) {
                      return properties::check_swiglu_clamp_bound(
                          out.at("h"), in.count("route") ? &in.at("route") : nullptr);
                    }}};
  op.cost = [](const Case& c) {
    const double r = double(c.i64("rows")), d = double(c.i64("dim")), i = double(c.i64("inter"));
    const double wb = c.i64("fmt") == kExpertFp4 ? 0.53 : c.i64("fmt") == kExpertFp8 ? 1.0 : 2.0;
    return Cost{2 * r * d + 3 * d * i * wb + 2 * r * d + 2 * r * i, 6 * r * d * i};
  };
  op.max_invariance_rows =
      65; // 1, 2, 3 and RapidCheck sizes up to 65: the reference is O(rows·dim·inter)
  op.backends = {reference_backend(expert_reference)};
  return op;
}

} // namespace
V4_REGISTER_OP(make_moe_expert_op);
} // namespace v4::harness
