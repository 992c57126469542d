// Registry entries: mHC hc_pre, hc_post, hc_head (spec §14) and hc_boundary, the layer boundary
// hc_post followed by the next hc_pre (the decode-latency unit of perf-targets.md).
//
// Inputs: X ~ N(0,1) bf16; fn ~ U(-a, a) with a = sqrt(3 / 4d), so that μ ~ N(0, 1);
// base ~ U(-1, 1); scale ~ U(0.5, 2); post ~ U(0, 2); comb ~ U(0, 1).
//
// Tolerances of a candidate against the reference (u = 2^-24):
//  * hc_post: bitwise. Every product of an fp32 weight and a bf16 value is exact in double; a
//    candidate that adds them in double in the reference's order (post·f, then j = 0..3) rounds
//    the same double twice (fp32, bf16) and gets the same bits.
//  * μ (internal): the reference rounds a double dot product of exact fp32·bf16 products; a
//    candidate with a double (or FP64 tensor-core) accumulation in another order differs from it
//    by at most (n_ref + n_cand)·2^-53·Σ|fn_i x_i| with n <= 4d + 1300 roundings, i.e. about
//    4e-12·Σ|p|, against an fp32 rounding spacing of 2^-24·|dot|: fl32(dot) is the same float
//    unless the exact dot lies that close to a rounding midpoint (for this generator Σ|p| ≈
//    240·|dot| typical: probability ~1e-4 per mix in the worst case, ~1e-7 for random-walk
//    errors); then it is one ulp off. The sum of squares, in double too, feeds the same
//    fl32(mean) + eps and rsqrt(double): the same inv except with probability ~1e-8. So μ is
//    bitwise or 1 ulp (plus 1 for the product with inv): |Δμ| <= 2^-22·|μ|.
//  * pre, post: z = fl32(μ·s + b): |Δz| <= |s|·|Δμ| + 1 ulp(z); σ in double then fl32 is the
//    same function on both sides, and relative errors of σ are (1 - σ)·|Δz| <= |Δz|. In ulps of
//    pre = σ + eps: <= 1 + 2^24·|s|·2^-22·|μ| + 1 = 2 + 4·|s·μ|. |s| <= 2 and |μ| <= 6 (six
//    standard deviations) give 50: budget 64 ulp fp32 (post = 2σ: the same relative error).
//  * comb: A = fl32(μ·s2 + b) moves by <= 2^-21·|μ s2| + 1 ulp relative; row and column
//    scalings are non-expansive in Hilbert's projective metric (Birkhoff-Hopf), so the entries move
//    relatively by at most twice that (48 ulp for |μ s2| <= 12), plus the Sinkhorn's own fp32
//    roundings, which need not repeat on perturbed inputs: 40 normalizations x 5 roundings, x2
//    entry-wise = 400 ulp (the bound of harness/ops/mhc_golden.cpp). Budget 512 ulp fp32.
//  * y (hc_pre, hc_head): with bitwise pre, y is bitwise (exact double products, the reference's
//    order). With one pre_j off by <= 64 ulp (relative 2^-18), Δy <= 2^-18·Σ_j |pre_j X_j|, which
//    is < 1 bf16 ulp (2^-8·|y|) unless |y| < 2^-10·Σ|pre_j X_j|; that needs both the rare μ flip
//    and a rare cancellation. Budget 2 ulp bf16: one rounding flip plus that margin.
#include <cmath>

#include "harness/generators.h"
#include "harness/ops/op_util.h"
#include "reference/mhc_head.h"
#include "reference/mhc_post.h"
#include "reference/mhc_pre.h"
#include "reference/mhc_sinkhorn.h"

namespace v4::harness {
namespace {

constexpr int kIters = 20;
constexpr float kHcEps = 1e-6f, kNormEps = 1e-6f;

const ComparePolicy kGatePolicy = ComparePolicy::ulps(64, "double dots: mu bitwise or 1 ulp; sigma slope x |s mu| <= 12: 2 + 4|s mu|");
const ComparePolicy kCombPolicy = ComparePolicy::ulps(512, "A moves 2^-21|mu s2|, Hilbert-contractive Sinkhorn x2, + 400 ulp own roundings");
const ComparePolicy kMhcYPolicy = ComparePolicy::ulps(2, "bitwise with bitwise pre; a 1-ulp mu flip moves y < 1 bf16 ulp unless cancellation");

Tensor fn_tensor(int64_t n_mix, int64_t dim, uint64_t seed) {
  const double a = std::sqrt(3.0 / double(4 * dim));
  return uniform_f32({n_mix, 4 * dim}, seed, "fn", -a, a);
}

TensorMap pre_params(const Case& c, int64_t n_mix, int64_t n_scale) {
  return {{"fn", fn_tensor(n_mix, c.i64("dim"), c.seed)},
          {"base", uniform_f32({n_mix}, c.seed, "base", -1.0, 1.0)},
          {"scale", uniform_f32({n_scale}, c.seed, "scale", 0.5, 2.0)}};
}

TensorMap pre_inputs(const Case& c, int64_t n_mix, int64_t n_scale) {
  TensorMap in = pre_params(c, n_mix, n_scale);
  in.emplace("x", random_bf16({c.i64("tokens"), 4, c.i64("dim")}, c.seed, "x"));
  return in;
}

TensorMap post_inputs(const Case& c) {
  const int64_t t = c.i64("tokens"), d = c.i64("dim");
  return {{"f", random_bf16({t, d}, c.seed, "f")},
          {"residual", random_bf16({t, 4, d}, c.seed, "residual")},
          {"post", uniform_f32({t, 4}, c.seed, "post", 0.0, 2.0)},
          {"comb", uniform_f32({t, 4, 4}, c.seed, "comb", 0.0, 1.0)}};
}

TensorMap run_pre(const Tensor& x, const TensorMap& in, int64_t t, int64_t d) {
  Tensor y = make_tensor<bf16>({t, d}), post = make_tensor<float>({t, 4}), comb = make_tensor<float>({t, 4, 4});
  reference::hc_pre(y.data<bf16>(), post.data<float>(), comb.data<float>(), x.data<bf16>(),
                    in.at("fn").data<float>(), in.at("base").data<float>(), in.at("scale").data<float>(), t, d, kIters,
                    kHcEps, kNormEps);
  return {{"y", y}, {"post", post}, {"comb", comb}};
}

Tensor run_post(const TensorMap& in, int64_t t, int64_t d) {
  Tensor out = make_tensor<bf16>({t, 4, d});
  reference::hc_post(out.data<bf16>(), in.at("f").data<bf16>(), in.at("residual").data<bf16>(),
                     in.at("post").data<float>(), in.at("comb").data<float>(), t, d);
  return out;
}

std::vector<Case> cases_for(const std::string& op, Suite suite, std::vector<std::pair<int64_t, int64_t>> full) {
  switch (suite) {
    case Suite::smoke: return {make_case(op, {{"tokens", 3}, {"dim", 256}})};
    case Suite::standard:
      return {make_case(op, {{"tokens", 1}, {"dim", 4096}}), make_case(op, {{"tokens", 16}, {"dim", 7168}}),
              make_case(op, {{"tokens", 200}, {"dim", 4096}})};
    case Suite::full: {
      std::vector<Case> out;
      for (auto [t, d] : full) out.push_back(make_case(op, {{"tokens", t}, {"dim", d}}));
      return out;
    }
  }
  return {};
}

OpSpec base_op(const std::string& name, const std::string& summary) {
  OpSpec op;
  op.name = name;
  op.stem = name == "hc_post" ? "mhc_post" : name == "hc_head" ? "mhc_head" : "mhc_pre";
  op.summary = summary;
  op.row_param = "tokens";
  op.max_invariance_rows = 4097;
  return op;
}

OpSpec make_hc_pre_op() {
  OpSpec op = base_op("hc_pre", "mHC pre: joint RMS, 24 mixes, sigmoid gates, Sinkhorn (D11), weighted sum (spec 14)");
  op.row_inputs = {"x"};
  op.row_outputs = {"y", "post", "comb"};
  // Flash T=8192 (336 MB) and Pro T=4096 (294 MB) at the 10d minimal bytes per token.
  op.cases = [](Suite s) { return cases_for("hc_pre", s, {{8192, 4096}, {4096, 7168}}); };
  op.make_inputs = [](const Case& c) { return pre_inputs(c, reference::kHcMixes, 3); };
  op.outputs = {{"y", kMhcYPolicy}, {"post", kGatePolicy}, {"comb", kCombPolicy}};
  op.cost = [](const Case& c) {
    const double t = double(c.i64("tokens")), d = double(c.i64("dim"));
    return Cost{t * 10 * d + 24 * 4 * d * 4, t * 2 * 24 * 4 * d};
  };
  op.backends = {reference_backend([](const Case& c, const TensorMap& in) {
    return run_pre(require_tensor(in, "x", "hc_pre"), in, c.i64("tokens"), c.i64("dim"));
  })};
  return op;
}

OpSpec make_hc_post_op() {
  OpSpec op = base_op("hc_post", "mHC post: X'_k = bf16(post_k f + sum_j comb[j,k] X_j), comb transposed (spec 14)");
  op.row_inputs = {"f", "residual", "post", "comb"};
  // Flash T=8192 (604 MB) and Pro T=4096 (528 MB) at 18d bytes per token.
  op.cases = [](Suite s) { return cases_for("hc_post", s, {{8192, 4096}, {4096, 7168}}); };
  op.make_inputs = post_inputs;
  op.outputs = {{"out", ComparePolicy::bitwise("exact double products summed in the reference's order")}};
  op.cost = [](const Case& c) {
    const double t = double(c.i64("tokens")), d = double(c.i64("dim"));
    return Cost{t * (18 * d + 80), t * d * 4 * 10};
  };
  op.backends = {reference_backend([](const Case& c, const TensorMap& in) {
    return TensorMap{{"out", run_post(in, c.i64("tokens"), c.i64("dim"))}};
  })};
  return op;
}

OpSpec make_hc_head_op() {
  OpSpec op = base_op("hc_head", "mHC head: 4 sigmoid gates and the weighted stream sum (spec 14)");
  op.row_inputs = {"x"};
  op.cases = [](Suite s) { return cases_for("hc_head", s, {{4096, 7168}}); };
  op.make_inputs = [](const Case& c) { return pre_inputs(c, reference::kHcMult, 1); };
  op.outputs = {{"y", kMhcYPolicy}};
  op.cost = [](const Case& c) {
    const double t = double(c.i64("tokens")), d = double(c.i64("dim"));
    return Cost{t * 10 * d + 4 * 4 * d * 4, t * 2 * 4 * 4 * d};
  };
  op.backends = {reference_backend([](const Case& c, const TensorMap& in) {
    const Tensor& x = require_tensor(in, "x", "hc_head");
    const int64_t t = c.i64("tokens"), d = c.i64("dim");
    Tensor y = make_tensor<bf16>({t, d});
    reference::hc_head(y.data<bf16>(), x.data<bf16>(), in.at("fn").data<float>(), in.at("base").data<float>(),
                       in.at("scale").data<float>(), t, d, kHcEps, kNormEps);
    return TensorMap{{"y", y}};
  })};
  return op;
}

// hc_post of the previous sublayer, then hc_pre of the next: outputs the new residual and the
// next sublayer's input and gates.
OpSpec make_hc_boundary_op() {
  OpSpec op = base_op("hc_boundary", "mHC layer boundary at decode: hc_post then the next hc_pre (spec 14)");
  op.row_inputs = {"f", "residual", "post", "comb"};
  op.cases = [](Suite suite) -> std::vector<Case> {
    if (suite == Suite::smoke) return {make_case("hc_boundary", {{"tokens", 2}, {"dim", 256}})};
    std::vector<Case> out;
    for (int64_t d : {4096, 7168}) {
      for (int64_t t : {1, 4, 16}) out.push_back(make_case("hc_boundary", {{"tokens", t}, {"dim", d}}));
    }
    return out;
  };
  op.make_inputs = [](const Case& c) {
    TensorMap in = post_inputs(c);
    in.merge(pre_params(c, reference::kHcMixes, 3));
    return in;
  };
  op.outputs = {{"residual_out", ComparePolicy::bitwise("hc_post: exact double products in the reference's order")},
                {"y", kMhcYPolicy},
                {"post_next", kGatePolicy},
                {"comb_next", kCombPolicy}};
  op.cost = [](const Case& c) {
    const double t = double(c.i64("tokens")), d = double(c.i64("dim"));
    return Cost{t * (18 * d + 10 * d) + 24 * 4 * d * 4, t * (40 * d + 2 * 24 * 4 * d)};
  };
  op.backends = {reference_backend([](const Case& c, const TensorMap& in) {
    const int64_t t = c.i64("tokens"), d = c.i64("dim");
    const Tensor residual = run_post(in, t, d);
    TensorMap pre = run_pre(residual, in, t, d);
    return TensorMap{{"residual_out", residual}, {"y", pre.at("y")}, {"post_next", pre.at("post")},
                     {"comb_next", pre.at("comb")}};
  })};
  return op;
}

}  // namespace
V4_REGISTER_OP(make_hc_pre_op);
V4_REGISTER_OP(make_hc_post_op);
V4_REGISTER_OP(make_hc_head_op);
V4_REGISTER_OP(make_hc_boundary_op);
}  // namespace v4::harness
