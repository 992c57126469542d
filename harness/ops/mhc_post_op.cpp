// Registry entry: mhc_post, the mHC output side of a sublayer (spec §14 hc_post):
// X'_k = bf16(post_k·f + Σ_j comb[j, k]·X_j), comb used TRANSPOSED.
#include "harness/ops/mhc_budgets.h"
#include "harness/ops/mhc_inputs.h"
#include "harness/ops/mhc_policies.h"
#include "harness/ops/op_util.h"
#include "properties/mhc_post_invariants.h"
#include "reference/mhc_post.h"

namespace v4::harness {
namespace {

using reference::kHcMixes;
using reference::kHcMult;


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
  op.make_inputs = mhc_post_inputs;
  op.outputs = {{"out", mhc_post_policy()}};  // derivation: mhc_policies.h
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
