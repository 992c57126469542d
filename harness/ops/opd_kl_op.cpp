// Registry entries: opd_kl, the per-token full-vocabulary reverse KL and its gradient w.r.t. the
// student logits (spec §22), and log_softmax (bf16 logits in; out=0: bf16, out=1: fp32 out).
// Logits are N(0, 3²) on a 2^-10 grid (so adding an integer is exact); same=1 makes the teacher
// equal to the student (KL and gradient must be exactly 0).
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "harness/generators.h"
#include "harness/ops/golden_bound.h"
#include "harness/ops/op_util.h"
#include "reference/opd_kl.h"

namespace v4::harness {
namespace {

Tensor grid_logits(int64_t rows, int64_t vocab, uint64_t seed, const char* name) {
  Tensor t = random_f32({rows, vocab}, seed, name, 3.0);
  for (int64_t i = 0; i < t.numel(); ++i)
    t.data<float>()[i] = std::round(t.data<float>()[i] * 1024.0f) / 1024.0f;
  return t;
}

TensorMap kl_inputs(const Case& c) {
  const int64_t rows = c.i64("rows"), vocab = c.i64("vocab");
  TensorMap in;
  in["student"] = grid_logits(rows, vocab, c.seed, "student");
  in["teacher"] = c.i64_or("same", 0) ? in["student"] : grid_logits(rows, vocab, c.seed, "teacher");
  return in;
}

TensorMap kl_reference(const Case&, const TensorMap& in) {
  const Tensor &s = require_tensor(in, "student", "opd_kl"),
               &t = require_tensor(in, "teacher", "opd_kl");
  const int64_t rows = s.dim(0), vocab = s.dim(1);
  Tensor kl = make_tensor<float>({rows}), grad = make_tensor<float>({rows, vocab});
  reference::opd_kl(kl.data<float>(), grad.data<float>(), s.data<float>(), t.data<float>(), rows,
                    vocab);
  return {{"kl", kl}, {"grad", grad}};
}

// KL >= 0, = 0 exactly iff the rows are identical (then the gradient is exactly 0 too), and
// |Σ_v grad_v| <= 2^-24·Σ|grad_v| + 4V·2^-53·(1 + KL): the exact gradient sums to zero; each fp32
// output rounds by ≤ u|g_v|, and the fp64 evaluation (lse, V exponentials, Σ q = 1 to ~V·2^-53)
// contributes the second term.
PropertyOutcome kl_invariants(const Case&, const TensorMap& in, const TensorMap& out) {
  const Tensor &s = in.at("student"), &t = in.at("teacher"), &kl = out.at("kl"),
               &g = out.at("grad");
  const int64_t rows = s.dim(0), vocab = s.dim(1);
  PropertyOutcome o;
  o.bound = "KL >= 0 (= 0 iff identical); |sum grad| <= u sum|grad| + 4 V 2^-53 (1 + KL)";
  for (int64_t r = 0; r < rows; ++r) {
    const bool same = std::equal(s.data<float>() + r * vocab, s.data<float>() + (r + 1) * vocab,
                                 t.data<float>() + r * vocab);
    const double k = kl.data<float>()[r];
    double sum = 0, abs_sum = 0;
    bool grad_zero = true;
    for (int64_t v = 0; v < vocab; ++v) {
      const double gv = g.data<float>()[r * vocab + v];
      sum += gv;
      abs_sum += std::fabs(gv);
      grad_zero = grad_zero && gv == 0;
    }
    const double allowed = 0x1p-24 * abs_sum + 4 * double(vocab) * 0x1p-53 * (1 + k);
    o.measured = std::max(o.measured, std::fabs(sum) / allowed);
    if (!(k >= 0) || same != (k == 0) || (same && !grad_zero) || std::fabs(sum) > allowed) {
      o.passed = false;
      o.detail = fmt::format("row {}: KL {}, identical {}, sum grad {} (allowed {})", r, k, same,
                             sum, allowed);
      return o;
    }
  }
  o.detail = fmt::format("worst |sum grad| / allowed = {:.3g}", o.measured);
  return o;
}

std::vector<Case> kl_cases(Suite suite) {
  auto mk = [](int64_t rows, int64_t vocab, int64_t same) {
    return make_case("opd_kl", {{"rows", rows}, {"vocab", vocab}, {"same", same}});
  };
  switch (suite) {
  case Suite::smoke:
    return {mk(3, 1000, 0), mk(2, 1000, 1)};
  case Suite::standard:
    return {mk(8, reference::kV4Vocab, 0), mk(2, reference::kV4Vocab, 1)};
  case Suite::full: // 256 rows: 397 MB at 12 B/element (>= 256 MB, a micro-batch slice)
    return {mk(256, reference::kV4Vocab, 0)};
  }
  return {};
}

// grad_v = p_v (d_v - KL) cancels where d_v ~ KL, so no bound relative to grad alone exists: both
// sides form d_v - KL in double, and its absolute error comes from the V-term sums behind L_s, L_t
// and KL. With the probabilistic bound of Higham and Mary (lambda = 10, as mhc_budgets.h) a
// sequential V-term sum of positive terms is off by <= lambda 2^-53 sqrt(V) = 4.0e-13 relatively
// at V = 129280, so |dL| <= 4.0e-13 per log-sum; the reference's KL moves by that times KL plus
// 2 (|dL_s| + |dL_t|) through d (sum |q - p| <= 2); the CUDA kernel's chains are 506 terms (10%
// more in total). So |d(d - KL)| <= delta = (6 + KL) 4.4e-13 <= 1.7e-11 for KL <= 32 (the
// registered N(0, 3^2) logits give KL ~ 9). |d grad| <= p delta + one rounding each side, p <= 1:
// at |grad| >= F = 2^-15, |d - KL| >= F and delta / (F 2^-24) < 9.3 ulps; below F, in ulps of F
// (2^-38): delta 2^38 < 4.7. Both + 1 ulp of rounding: within 16. (A pure ULP budget fails near
// d_v = KL: at the reference's typical KL error, ~2e-13, about 5e-8 per element, so ~5 % of the
// standard runs and most runs of the 33 M-element full case.)
constexpr double kGradFloor = 0x1p-15;

OpSpec make_opd_kl_op() {
  OpSpec op;
  op.name = "opd_kl";
  op.stem = "opd_kl";
  op.summary = "OPD full-vocabulary reverse KL(student || teacher) per token and d KL / d student "
               "logits (spec 22)";
  op.row_inputs = {"student", "teacher"};
  op.cases = kl_cases;
  op.make_inputs = kl_inputs;
  op.outputs = {
      {"kl", ComparePolicy::ulps(64, "fp32 log-softmax and a V-term fp32 sum: sqrt(V) u typical; "
                                     "cancellation in KL for near-identical rows")},
      {"grad",
       ComparePolicy::ulps_floor(16, kGradFloor,
                                 "p (d - KL): both sides' double d - KL within (6 + KL) 4.4e-13 "
                                 "(probabilistic, V-term sums); 2^-15 floor, KL <= 32")}};
  op.properties = {{"kl_invariants", kl_invariants}};
  op.cost = [](const Case& c) {
    const double n = double(c.i64("rows")) * double(c.i64("vocab"));
    return Cost{12 * n, 20 * n};
  };
  op.max_invariance_rows = 129;
  op.backends = {reference_backend(kl_reference)};
  return op;
}

TensorMap ls_inputs(const Case& c) {
  return {{"x", random_bf16({c.i64("rows"), c.i64("vocab")}, c.seed, "x", 3.0)}};
}

TensorMap ls_reference(const Case& c, const TensorMap& in) {
  const Tensor& x = require_tensor(in, "x", "log_softmax");
  const int64_t rows = x.dim(0), vocab = x.dim(1);
  if (c.i64("out") == 1) {
    Tensor y = make_tensor<float>({rows, vocab});
    reference::log_softmax(y.data<float>(), x.data<bf16>(), rows, vocab);
    return {{"y", y}};
  }
  Tensor y = make_tensor<bf16>({rows, vocab});
  reference::log_softmax(y.data<bf16>(), x.data<bf16>(), rows, vocab);
  return {{"y", y}};
}

// y <= 0 and |Σ_v e^(y_v) − 1| <= Σ_v e^(y_v)·(e^(½ ulp(y_v)) − 1) + V·2^-52: each output is the
// exact log-probability rounded to the output dtype (half an ULP), and e^y turns an absolute error
// in y into a relative one.
PropertyOutcome ls_invariants(const Case&, const TensorMap&, const TensorMap& out) {
  const Tensor& y = out.at("y");
  const int64_t rows = y.dim(0), vocab = y.dim(1);
  PropertyOutcome o;
  o.bound = "y <= 0; |sum exp(y) - 1| <= sum exp(y) (exp(ulp(y)/2) - 1) + V 2^-52";
  for (int64_t r = 0; r < rows; ++r) {
    double sum = 0, allowed = double(vocab) * 0x1p-52;
    for (int64_t v = 0; v < vocab; ++v) {
      const double yv = element_value(y, r * vocab + v);
      if (!(yv <= 0)) {
        o.passed = false;
        o.detail = fmt::format("row {} element {}: log-probability {} > 0", r, v, yv);
        return o;
      }
      sum += std::exp(yv);
      allowed += std::exp(yv) * std::expm1(0.5 * ulp_spacing(y.dtype(), yv));
    }
    o.measured = std::max(o.measured, std::fabs(sum - 1) / allowed);
    if (std::fabs(sum - 1) > allowed) {
      o.passed = false;
      o.detail =
          fmt::format("row {}: sum exp(y) = {:.9g}, allowed deviation {:.3g}", r, sum, allowed);
      return o;
    }
  }
  o.detail = fmt::format("worst |sum exp(y) - 1| / allowed = {:.3g}", o.measured);
  return o;
}

OpSpec make_log_softmax_op() {
  OpSpec op;
  op.name = "log_softmax";
  op.stem = "opd_kl";
  op.summary =
      "log-softmax over the vocabulary, bf16 logits in, bf16 (out=0) or fp32 (out=1) out (spec 22)";
  op.row_inputs = {"x"};
  op.cases = [](Suite suite) -> std::vector<Case> {
    auto mk = [](int64_t rows, int64_t vocab, int64_t outf) {
      return make_case("log_softmax", {{"rows", rows}, {"vocab", vocab}, {"out", outf}});
    };
    switch (suite) {
    case Suite::smoke:
      return {mk(3, 1000, 0), mk(3, 1000, 1)};
    case Suite::standard:
      return {mk(16, reference::kV4Vocab, 0), mk(16, reference::kV4Vocab, 1)};
    case Suite::full: // 530 MB (bf16 out, 4 B/element) and 397 MB (fp32 out, 6 B/element)
      return {mk(1024, reference::kV4Vocab, 0), mk(512, reference::kV4Vocab, 1)};
    }
    return {};
  };
  op.make_inputs = ls_inputs;
  op.outputs = {{"y", ComparePolicy::ulps(
                          2, "fp32 max/sum/log of V terms: relative error ~ log(V) u in lse, "
                             "below 1/2 ulp of bf16; for fp32 output a few ulp of |y| >= 2^-9")}};
  op.properties = {{"normalized", ls_invariants}};
  op.cost = [](const Case& c) {
    const double n = double(c.i64("rows")) * double(c.i64("vocab"));
    return Cost{n * (2 + (c.i64("out") == 1 ? 4 : 2)), 10 * n};
  };
  op.max_invariance_rows = 129;
  op.backends = {reference_backend(ls_reference)};
  return op;
}

} // namespace
V4_REGISTER_OP(make_opd_kl_op);
V4_REGISTER_OP(make_log_softmax_op);
} // namespace v4::harness
