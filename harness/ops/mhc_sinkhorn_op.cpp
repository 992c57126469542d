// Registry entries: mhc_sinkhorn (logits A [tokens, 4, 4] -> comb, spec §14, D11) and
// mhc_split_sinkhorn (the 24 mixes -> pre, post, comb, as hc_split_sinkhorn). Their domain
// properties are the doubly-stochastic constraints of properties/mhc_sinkhorn_invariants.h.
#include <array>
#include <cstring>

#include <fmt/format.h>

#include "harness/ops/mhc_budgets.h"
#include "harness/ops/mhc_inputs.h"
#include "harness/ops/op_util.h"
#include "harness/rng.h"
#include "properties/mhc_comb_invariants.h"
#include "properties/mhc_sinkhorn_invariants.h"

namespace v4::harness {
namespace {

using reference::kHcMixes;
using reference::kHcMult;

// Logit spreads: "model" A = 0.7·N(0, 1) + base (base ~ U(-1, 1) per entry, shared by all
// tokens: the model's scale2·μ + base); "wide" multiplies token t's N(0, 1) part by 0.3, 1, 3,
// 10, 30, 100 in turn, as the golden hc_sinkhorn case; "bits" draws random finite fp32 bit
// patterns (subnormals, ±0, up to ±3.4e38). With 3 tokens or more, token 0 has all logits
// equal and token 2 is a row/column permutation of token 1 (planted for the properties).
TensorMap sinkhorn_inputs(const Case& c) {
  const int64_t tokens = c.i64("tokens");
  const std::string kind = c.has("logits") ? c.str("logits") : "model";
  Tensor a = make_tensor<float>({tokens, kHcMult, kHcMult});
  const CounterRng g(c.seed, "logits"), base(c.seed, "logits.base");
  float* p = a.data<float>();
  static constexpr double kWide[] = {0.3, 1, 3, 10, 30, 100};
  for (int64_t t = 0; t < tokens; ++t) {
    for (int64_t i = 0; i < 16; ++i) {
      const uint64_t n = uint64_t(t * 16 + i);
      const double b = 2 * base.uniform(uint64_t(i)) - 1;
      if (kind == "model") {
        p[n] = float(0.7 * g.normal(n) + b);
      } else if (kind == "wide") {
        p[n] = float(kWide[t % 6] * g.normal(n) + b);
      } else if (kind == "bits") {
        uint32_t bits = g.bits32(n);
        if ((bits & 0x7F800000u) == 0x7F800000u)
          bits &= 0xBFFFFFFFu; // Inf/NaN -> a finite code
        std::memcpy(&p[n], &bits, 4);
      } else {
        throw std::invalid_argument("mhc_sinkhorn: logits must be model, wide or bits, not '" +
                                    kind + "'");
      }
    }
  }
  if (tokens >= 3) {
    const CounterRng perm(c.seed, "logits.planted");
    std::array<int, 4> rows = {0, 1, 2, 3}, cols = {0, 1, 2, 3};
    for (int64_t i = 3; i > 0; --i) { // Fisher-Yates; retried until not the identity
      std::swap(rows[size_t(i)], rows[size_t(perm.uniform_int(uint64_t(i), 0, i))]);
      std::swap(cols[size_t(i)], cols[size_t(perm.uniform_int(uint64_t(10 + i), 0, i))]);
    }
    if (rows == std::array<int, 4>{0, 1, 2, 3})
      std::swap(rows[0], rows[3]);
    std::fill(p, p + 16, 0.375f);
    properties::permute(p + 32, p + 16, rows, cols);
  }
  return {{"logits", a}};
}

TensorMap sinkhorn_reference(const Case& c, const TensorMap& in) {
  const Tensor& a = require_tensor(in, "logits", "mhc_sinkhorn");
  Tensor comb = make_tensor<float>(a.shape());
  reference::sinkhorn(comb.data<float>(), a.data<float>(), a.dim(0), int(c.i64("iters")), kHcEps);
  return {{"comb", comb}};
}

// The domain properties of a comb output, given the logits that produced it.
std::vector<DomainProperty> comb_properties(std::function<Tensor(const TensorMap&)> logits_of) {
  auto iters = [](const Case& c) { return int(c.i64_or("iters", kHcSinkhornIters)); };
  return {
      {"comb_positive",
       [](const Case&, const TensorMap&, const TensorMap& out) {
         return properties::check_comb_positive(out.at("comb"));
       }},
      {"colsum_near_one",
       [iters](const Case& c, const TensorMap&, const TensorMap& out) {
         return properties::check_colsums(out.at("comb"), iters(c), kHcEps);
       }},
      {"colsum_is_presum_ratio",
       [iters, logits_of](const Case& c, const TensorMap& in, const TensorMap& out) {
         return properties::check_colsums_match_presum(out.at("comb"), logits_of(in), iters(c),
                                                       kHcEps);
       }},
      {"rowsum_residual_bound",
       [iters, logits_of](const Case& c, const TensorMap& in, const TensorMap& out) {
         return properties::check_rowsum_bound(out.at("comb"), logits_of(in), iters(c), kHcEps);
       }},
      {"rowsum_residual_monotone",
       [iters, logits_of](const Case& c, const TensorMap& in, const TensorMap&) {
         return properties::check_rowsum_monotone(logits_of(in), iters(c), kHcEps);
       }},
      {"spectral_norm",
       [iters, logits_of](const Case& c, const TensorMap& in, const TensorMap& out) {
         return properties::check_spectral(out.at("comb"), logits_of(in), iters(c), kHcEps);
       }},
      {"product_of_120",
       [iters, logits_of](const Case& c, const TensorMap& in, const TensorMap& out) {
         return properties::check_products(out.at("comb"), logits_of(in), kMhcSites, iters(c),
                                           kHcEps);
       }},
  };
}

std::vector<Case> sinkhorn_cases(Suite suite) {
  auto make = [](int64_t tokens, const char* logits) {
    Case c = make_case("mhc_sinkhorn", {{"tokens", tokens}, {"iters", kHcSinkhornIters}});
    c.set("logits", logits);
    return c;
  };
  switch (suite) {
  case Suite::smoke:
    return {make(120, "model"), make(120, "wide")};
  case Suite::standard:
    return {make(4096, "model"), make(4096, "wide"), make(1024, "bits")};
  case Suite::full:
    return {make(8192, "model"), make(8192, "wide"), make(4096, "bits")};
  }
  return {};
}

OpSpec make_mhc_sinkhorn_op() {
  OpSpec op;
  op.name = "mhc_sinkhorn";
  op.stem = "mhc_sinkhorn";
  op.summary = "mHC Sinkhorn-Knopp on 4x4 logits, row softmax then 20 (row, column) steps, fp32 "
               "(spec 14, D11)";
  op.row_param = "tokens";
  op.row_inputs = {"logits"};
  op.cases = sinkhorn_cases;
  op.make_inputs = sinkhorn_inputs;
  op.outputs = {
      {"comb", ComparePolicy::ulps(mhc_budget::sinkhorn_comb_ulps(kHcSinkhornIters),
                                   "harness/ops/mhc_budgets.h: 40 half-steps, common and per-entry "
                                   "roundings of both sides, no contraction credit")}};
  op.properties = comb_properties([](const TensorMap& in) { return in.at("logits"); });
  op.properties.push_back(
      {"uniform_logits_give_quarter", [](const Case&, const TensorMap& in, const TensorMap& out) {
         return properties::check_uniform_tokens(out.at("comb"), in.at("logits"), kHcEps);
       }});
  op.properties.push_back(
      {"permutation_equivariance", [](const Case& c, const TensorMap& in, const TensorMap& out) {
         return properties::check_permuted_tokens(out.at("comb"), in.at("logits"),
                                                  int(c.i64("iters")), kHcEps,
                                                  mhc_budget::sinkhorn_comb_ulps(kHcSinkhornIters));
       }});
  op.cost = [](const Case& c) {
    const double tokens = double(c.i64("tokens")), halves = 2.0 * double(c.i64("iters"));
    return Cost{tokens * 16 * 4 * 2,
                tokens * (16 * 2 + halves * 36)}; // exp/sub, then sum + div per half-step
  };
  op.max_invariance_rows = 4097;
  op.backends = {reference_backend(sinkhorn_reference)};
  return op;
}

// ---- mhc_split_sinkhorn ----

TensorMap split_inputs(const Case& c) {
  return {{"mixes", random_f32({c.i64("tokens"), kHcMixes}, c.seed, "mixes")},
          {"base", mhc_base(kHcMixes, c.seed, "base")},
          {"scale", mhc_scale(3, c.seed, "scale")}};
}

TensorMap split_reference(const Case& c, const TensorMap& in) {
  const Tensor& mixes = require_tensor(in, "mixes", "mhc_split_sinkhorn");
  const int64_t tokens = mixes.dim(0);
  Tensor pre = make_tensor<float>({tokens, kHcMult}), post = make_tensor<float>({tokens, kHcMult}),
         comb = make_tensor<float>({tokens, kHcMult, kHcMult});
  reference::hc_split_sinkhorn(pre.data<float>(), post.data<float>(), comb.data<float>(),
                               mixes.data<float>(),
                               require_tensor(in, "base", "mhc_split_sinkhorn").data<float>(),
                               require_tensor(in, "scale", "mhc_split_sinkhorn").data<float>(),
                               tokens, int(c.i64("iters")), kHcEps);
  return {{"pre", pre}, {"post", post}, {"comb", comb}};
}

// A = μ_{8..23}·scale2 + base_{8..23} as [tokens, 4, 4], rounded as the reference rounds it.
Tensor split_logits(const TensorMap& in) {
  const Tensor& mixes = in.at("mixes");
  const float* mu = mixes.data<float>();
  const float* base = in.at("base").data<float>();
  const float s = in.at("scale").data<float>()[2];
  Tensor a = make_tensor<float>({mixes.dim(0), kHcMult, kHcMult});
  for (int64_t t = 0; t < mixes.dim(0); ++t)
    for (int64_t i = 0; i < 16; ++i)
      a.data<float>()[t * 16 + i] = mhc_gate_arg(mu[t * kHcMixes + 8 + i], s, base[8 + i]);
  return a;
}

PropertyOutcome split_gate_ranges(const TensorMap& in, const TensorMap& out) {
  const Tensor& mixes = in.at("mixes");
  const float* mu = mixes.data<float>();
  const float* base = in.at("base").data<float>();
  const float* scale = in.at("scale").data<float>();
  std::vector<float> z_pre, z_post;
  for (int64_t t = 0; t < mixes.dim(0); ++t) {
    for (int64_t j = 0; j < kHcMult; ++j) {
      z_pre.push_back(mhc_gate_arg(mu[t * kHcMixes + j], scale[0], base[j]));
      z_post.push_back(mhc_gate_arg(mu[t * kHcMixes + 4 + j], scale[1], base[4 + j]));
    }
  }
  return properties::check_gate_ranges(out.at("pre"), out.at("post"), z_pre, z_post, kHcEps);
}

OpSpec make_mhc_split_sinkhorn_op() {
  OpSpec op;
  op.name = "mhc_split_sinkhorn";
  op.stem = "mhc_sinkhorn";
  op.summary =
      "mHC split of the 24 mixes: pre = sigmoid + eps, post = 2 sigmoid, comb = Sinkhorn (spec 14)";
  op.row_param = "tokens";
  op.row_inputs = {"mixes"};
  op.cases = [](Suite suite) -> std::vector<Case> {
    auto make = [](int64_t tokens) {
      return make_case("mhc_split_sinkhorn", {{"tokens", tokens}, {"iters", kHcSinkhornIters}});
    };
    switch (suite) {
    case Suite::smoke:
      return {make(120)};
    case Suite::standard:
      return {make(4096)};
    case Suite::full:
      return {make(8192)};
    }
    return {};
  };
  op.make_inputs = split_inputs;
  // Mixes ~ N(0, 1) and scale <= 1, so |μ·scale| <= 8 and an FMA in the gate argument moves it
  // by <= 8u (and the comb logits by as much).
  const double z_fma_u = 8;
  op.outputs = {
      {"pre", ComparePolicy::ulps(mhc_budget::pre_ulps(z_fma_u),
                                  "sigmoid 7u, two + eps roundings, FMA in z: 8u")},
      {"post",
       ComparePolicy::ulps(mhc_budget::post_ulps(z_fma_u), "sigmoid 7u, FMA in z: 8u; x2 exact")},
      {"comb", ComparePolicy::ulps(mhc_budget::sinkhorn_comb_ulps(kHcSinkhornIters, z_fma_u),
                                   "mhc_budgets.h Sinkhorn bound with 8u logit error (FMA in A)")}};
  op.properties = comb_properties(split_logits);
  op.properties.push_back(
      {"gate_ranges", [](const Case&, const TensorMap& in, const TensorMap& out) {
         return split_gate_ranges(in, out);
       }});
  op.cost = [](const Case& c) {
    const double tokens = double(c.i64("tokens"));
    return Cost{tokens * (24 + 24) * 4,
                tokens * (24 * 2 + 8 * 4 + 2.0 * double(c.i64("iters")) * 36)};
  };
  op.max_invariance_rows = 4097;
  op.backends = {reference_backend(split_reference)};
  return op;
}

} // namespace
V4_REGISTER_OP(make_mhc_sinkhorn_op);
V4_REGISTER_OP(make_mhc_split_sinkhorn_op);
} // namespace v4::harness
