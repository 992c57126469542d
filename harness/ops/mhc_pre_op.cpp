// Registry entry: mhc_pre, the mHC input side of a sublayer (spec §14 hc_pre): the 24 mixes of
// the RMS-scaled flattened streams, the split with Sinkhorn, and y = bf16(Σ_j pre_j·X_j).
#include "harness/ops/mhc_budgets.h"
#include "harness/ops/mhc_inputs.h"
#include "harness/ops/mhc_policies.h"
#include "harness/ops/op_util.h"
#include "properties/mhc_comb_invariants.h"
#include "properties/mhc_pre_invariants.h"
#include "properties/mhc_sinkhorn_invariants.h"
#include "reference/mhc_pre.h"

namespace v4::harness {
namespace {

using reference::kHcMixes;
using reference::kHcMult;

TensorMap pre_inputs(const Case& c) {
  const int64_t tokens = c.i64("tokens"), dim = c.i64("dim");
  return {{"x", mhc_streams(tokens, dim, c.seed, "x")},
          {"fn", mhc_fn(kHcMixes, dim, c.seed, "fn")},
          {"base", mhc_base(kHcMixes, c.seed, "base")},
          {"scale", mhc_scale(3, c.seed, "scale")}};
}

TensorMap pre_reference(const Case& c, const TensorMap& in) {
  const Tensor& x = require_tensor(in, "x", "mhc_pre");
  const int64_t tokens = x.dim(0), dim = x.dim(2);
  Tensor y = make_tensor<bf16>({tokens, dim}), post = make_tensor<float>({tokens, kHcMult}),
         comb = make_tensor<float>({tokens, kHcMult, kHcMult});
  reference::hc_pre(y.data<bf16>(), post.data<float>(), comb.data<float>(), x.data<bf16>(),
                    require_tensor(in, "fn", "mhc_pre").data<float>(),
                    require_tensor(in, "base", "mhc_pre").data<float>(),
                    require_tensor(in, "scale", "mhc_pre").data<float>(), tokens, dim,
                    int(c.i64("iters")), kHcEps, kNormEps);
  return {{"y", y}, {"post", post}, {"comb", comb}};
}

// The post gate arguments z = μ_{4+j}·scale1 + base_{4+j} from the reference's mixes.
std::vector<float> post_args(const TensorMap& in) {
  const Tensor& x = in.at("x");
  const int64_t tokens = x.dim(0), dim = x.dim(2);
  std::vector<float> mixes(size_t(tokens * kHcMixes)), z;
  reference::hc_mixes(mixes.data(), x.data<bf16>(), in.at("fn").data<float>(), tokens, dim,
                      kHcMixes, kNormEps);
  const float* base = in.at("base").data<float>();
  const float s = in.at("scale").data<float>()[1];
  for (int64_t t = 0; t < tokens; ++t)
    for (int64_t j = 0; j < kHcMult; ++j)
      z.push_back(mhc_gate_arg(mixes[size_t(t * kHcMixes + 4 + j)], s, base[4 + j]));
  return z;
}

std::vector<Case> pre_cases(Suite suite) {
  auto make = [](int64_t tokens, int64_t dim) {
    return make_case("mhc_pre", {{"tokens", tokens}, {"dim", dim}, {"iters", kHcSinkhornIters}});
  };
  switch (suite) {
  case Suite::smoke:
    return {make(5, 256)};
  case Suite::standard:
    return {make(128, 4096), make(64, 7168)};
  case Suite::full:
    return {make(8192, 4096), make(4096, 7168)};
  }
  return {};
}

OpSpec make_mhc_pre_op() {
  OpSpec op;
  op.name = "mhc_pre";
  op.stem = "mhc_pre";
  op.summary =
      "mHC hc_pre: RMS-scaled 24 mixes, split + Sinkhorn, y = bf16(sum pre_j X_j) (spec 14)";
  op.row_param = "tokens";
  op.row_inputs = {"x"};
  op.cases = pre_cases;
  op.make_inputs = pre_inputs;
  const MhcPrePolicies policies = mhc_pre_policies();
  op.outputs = {{"y", policies.y}, {"post", policies.post}, {"comb", policies.comb}};
  op.properties = {
      {"comb_positive",
       [](const Case&, const TensorMap&, const TensorMap& out) {
         return properties::check_comb_positive(out.at("comb"));
       }},
      {"colsum_near_one",
       [](const Case& c, const TensorMap&, const TensorMap& out) {
         return properties::check_colsums(out.at("comb"), int(c.i64("iters")), kHcEps);
       }},
      {"spectral_norm",
       [](const Case& c, const TensorMap&, const TensorMap& out) {
         return properties::check_spectral(out.at("comb"), make_tensor<float>({0, 4, 4}),
                                           int(c.i64("iters")), kHcEps);
       }},
      {"post_range",
       [](const Case&, const TensorMap& in, const TensorMap& out) {
         return properties::check_post_range(out.at("post"), post_args(in));
       }},
      {"y_in_pre_box",
       [](const Case&, const TensorMap& in, const TensorMap& out) {
         return properties::check_weighted_sum_box(out.at("y"), in.at("x"), kHcEps, 1.0f + kHcEps);
       }},
  };
  op.cost = [](const Case& c) {
    const double tokens = double(c.i64("tokens")), k = 4.0 * double(c.i64("dim"));
    return Cost{tokens * (k * 2 + double(c.i64("dim")) * 2 + 20 * 4) + 24 * k * 4,
                tokens * (2 * 24 * k + 2 * k + 8 * k / 4)};
  };
  op.max_invariance_rows = 4097;
  op.backends = {reference_backend(pre_reference)};
  return op;
}

} // namespace
V4_REGISTER_OP(make_mhc_pre_op);
} // namespace v4::harness
