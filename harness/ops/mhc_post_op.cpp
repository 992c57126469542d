// Registry entry: mhc_post, the mHC output side of a sublayer (spec §14 hc_post):
// X'_k = bf16(post_k·f + Σ_j comb[j, k]·X_j), comb used TRANSPOSED.
#include "harness/ops/mhc_budgets.h"
#include "harness/ops/mhc_inputs.h"
#include "harness/ops/op_util.h"
#include "properties/mhc_post_invariants.h"
#include "reference/mhc_post.h"

namespace v4::harness {
namespace {

using reference::kHcMixes;
using reference::kHcMult;

// f (the sublayer output) and the residual streams ~ N(0, 1) in bf16; post and comb as the model
// makes them: hc_split_sinkhorn of N(0, 1) mixes with model-like base and scale. Token 0 is
// planted (with 2 tokens or more): post = 0 and comb the 4-cycle comb[j, (j + 1) % 4] = 1, so
// X'_k must be exactly X_(k-1); a transposed comb gives X_(k+1).
TensorMap post_inputs(const Case& c) {
  const int64_t tokens = c.i64("tokens"), dim = c.i64("dim");
  const Tensor mixes = random_f32({tokens, kHcMixes}, c.seed, "mixes");
  const Tensor base = mhc_base(kHcMixes, c.seed, "base"), scale = mhc_scale(3, c.seed, "scale");
  Tensor pre = make_tensor<float>({tokens, kHcMult}), post = make_tensor<float>({tokens, kHcMult}),
         comb = make_tensor<float>({tokens, kHcMult, kHcMult});
  reference::hc_split_sinkhorn(pre.data<float>(), post.data<float>(), comb.data<float>(),
                               mixes.data<float>(), base.data<float>(), scale.data<float>(), tokens,
                               kHcSinkhornIters, kHcEps);
  if (tokens >= 2) {
    std::fill(post.data<float>(), post.data<float>() + 4, 0.0f);
    float* c0 = comb.data<float>();
    for (int j = 0; j < 4; ++j)
      for (int k = 0; k < 4; ++k)
        c0[j * 4 + k] = k == (j + 1) % 4 ? 1.0f : 0.0f;
  }
  return {{"f", random_bf16({tokens, dim}, c.seed, "f")},
          {"residual", mhc_streams(tokens, dim, c.seed, "residual")},
          {"post", post},
          {"comb", comb}};
}

TensorMap post_reference(const Case&, const TensorMap& in) {
  const Tensor& residual = require_tensor(in, "residual", "mhc_post");
  const int64_t tokens = residual.dim(0), dim = residual.dim(2);
  Tensor out = make_tensor<bf16>({tokens, kHcMult, dim});
  reference::hc_post(out.data<bf16>(), require_tensor(in, "f", "mhc_post").data<bf16>(),
                     residual.data<bf16>(), require_tensor(in, "post", "mhc_post").data<float>(),
                     require_tensor(in, "comb", "mhc_post").data<float>(), tokens, dim);
  return {{"out", out}};
}

OpSpec make_mhc_post_op() {
  OpSpec op;
  op.name = "mhc_post";
  op.stem = "mhc_post";
  op.summary =
      "mHC hc_post: X'_k = bf16(post_k f + sum_j comb[j,k] X_j), comb transposed (spec 14)";
  op.row_param = "tokens";
  op.row_inputs = {"f", "residual", "post", "comb"};
  op.cases = [](Suite suite) -> std::vector<Case> {
    auto make = [](int64_t tokens, int64_t dim) {
      return make_case("mhc_post", {{"tokens", tokens}, {"dim", dim}});
    };
    switch (suite) {
    case Suite::smoke:
      return {make(5, 64)};
    case Suite::standard:
      return {make(256, 4096), make(128, 7168)};
    case Suite::full:
      return {make(8192, 4096), make(4096, 7168)};
    }
    return {};
  };
  op.make_inputs = post_inputs;
  // An fp32 implementation (5 products, 4 additions, any order, FMA or not) is within 9u·Σ|terms|
  // of the exact value, the reference within u·|value|; Σ|terms| <= 2·8.6 + 8.6·(1 + 4u) < 25.8
  // for the generator's |x| <= 8.6, post <= 2 and comb column sums <= 1 + 4u. So the fp32 values
  // differ by < 10u·25.8 = 1.54e-5, less than the bf16 spacing at 2^-8 (2^-15): 2 ULPs measured
  // at max(|x|, 2^-8) (mhc_budgets.h bf16_floor_for).
  op.outputs = {
      {"out", ComparePolicy::ulps_floor(
                  2, mhc_budget::bf16_floor_for(10 * 25.8 * 0x1p-24),
                  "fp32 values within 10u * 25.8 < the bf16 spacing at the floor; + rounding")}};
  op.properties = {
      {"spec_formula_transposed",
       [](const Case&, const TensorMap& in, const TensorMap& out) {
         return properties::check_post_formula(out.at("out"), in.at("f"), in.at("residual"),
                                               in.at("post"), in.at("comb"));
       }},
      {"permutation_routing",
       [](const Case&, const TensorMap& in, const TensorMap& out) {
         return properties::check_permutation_routing(out.at("out"), in.at("residual"),
                                                      in.at("post"), in.at("comb"));
       }},
  };
  op.cost = [](const Case& c) {
    const double tokens = double(c.i64("tokens")), dim = double(c.i64("dim"));
    return Cost{tokens * (dim * 2 + 4 * dim * 2 + 20 * 4 + 4 * dim * 2), tokens * 4 * dim * 10};
  };
  op.max_invariance_rows = 4097;
  op.backends = {reference_backend(post_reference)};
  return op;
}

} // namespace
V4_REGISTER_OP(make_mhc_post_op);
} // namespace v4::harness
