// Registry entry: mhc_boundary, the layer boundary at decode - hc_post of one sublayer followed
// by hc_pre of the next (spec §14) - the decode-latency unit of perf-targets.md (<= 15 µs at
// <= 16 tokens). Outputs: the new residual streams and the next sublayer's input and gates.
// Budgets: those of mhc_post and mhc_pre (mhc_policies.h). The candidate's hc_pre reads the
// candidate's own residual_out; the budgets hold because mhc_post's residual is bitwise or within
// its budget, and the pre budgets are derived for any input of the generator's magnitude.
#include "harness/ops/mhc_inputs.h"
#include "harness/ops/mhc_policies.h"
#include "harness/ops/op_util.h"
#include "reference/mhc_post.h"
#include "reference/mhc_pre.h"

namespace v4::harness {
namespace {

using reference::kHcMixes;
using reference::kHcMult;

TensorMap boundary_inputs(const Case& c) {
  const int64_t dim = c.i64("dim");
  TensorMap in = mhc_post_inputs(c);
  in.emplace("fn", mhc_fn(kHcMixes, dim, c.seed, "next.fn"));
  in.emplace("base", mhc_base(kHcMixes, c.seed, "next.base"));
  in.emplace("scale", mhc_scale(3, c.seed, "next.scale"));
  return in;
}

TensorMap boundary_reference(const Case& c, const TensorMap& in) {
  const int64_t t = c.i64("tokens"), d = c.i64("dim");
  Tensor residual = make_tensor<bf16>({t, kHcMult, d});
  reference::hc_post(residual.data<bf16>(), require_tensor(in, "f", "mhc_boundary").data<bf16>(),
                     in.at("residual").data<bf16>(), in.at("post").data<float>(),
                     in.at("comb").data<float>(), t, d);
  Tensor y = make_tensor<bf16>({t, d}), post = make_tensor<float>({t, kHcMult}),
         comb = make_tensor<float>({t, kHcMult, kHcMult});
  reference::hc_pre(y.data<bf16>(), post.data<float>(), comb.data<float>(), residual.data<bf16>(),
                    in.at("fn").data<float>(), in.at("base").data<float>(),
                    in.at("scale").data<float>(), t, d, int(c.i64("iters")), kHcEps, kNormEps);
  return {{"residual_out", residual}, {"y", y}, {"post_next", post}, {"comb_next", comb}};
}

std::vector<Case> boundary_cases(Suite suite) {
  auto make = [](int64_t tokens, int64_t dim) {
    return make_case("mhc_boundary", {{"tokens", tokens}, {"dim", dim}, {"iters", kHcSinkhornIters}});
  };
  if (suite == Suite::smoke)
    return {make(2, 256)};
  std::vector<Case> out;
  for (int64_t d : {4096, 7168})
    for (int64_t t : {1, 4, 16})
      out.push_back(make(t, d));
  return out;
}

OpSpec make_mhc_boundary_op() {
  OpSpec op;
  op.name = "mhc_boundary";
  op.stem = "mhc_post";
  op.summary = "mHC layer boundary at decode: hc_post, then the next hc_pre (spec 14)";
  op.row_param = "tokens";
  op.row_inputs = {"f", "residual", "post", "comb"};
  op.cases = boundary_cases;
  op.make_inputs = boundary_inputs;
  const MhcPrePolicies pre = mhc_pre_policies();
  op.outputs = {{"residual_out", mhc_post_policy()},
                {"y", pre.y},
                {"post_next", pre.post},
                {"comb_next", pre.comb}};
  op.cost = [](const Case& c) {
    // hc_post: f, 4 streams in, 4 out (18d bytes); hc_pre: 4 streams in, y out (10d) + fn.
    const double t = double(c.i64("tokens")), d = double(c.i64("dim"));
    return Cost{t * (18 * d + 10 * d) + 24 * 4 * d * 4, t * (40 * d + 2 * 24 * 4 * d)};
  };
  op.max_invariance_rows = 4097;
  op.backends = {reference_backend(boundary_reference)};
  return op;
}

} // namespace
V4_REGISTER_OP(make_mhc_boundary_op);
} // namespace v4::harness
