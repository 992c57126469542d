// Golden checkers for the mHC cases (hc_sinkhorn, hc_pre, hc_post, hc_head) against the official
// code's recorded tensors. The official code is an fp32 implementation (torch; its elementwise
// kernels round μ·scale and + base separately), so the budgets of harness/ops/mhc_budgets.h
// apply, derived there from rounding counts:
//  - comb: the Sinkhorn bound (40 half-steps, common and per-entry roundings of both sides, no
//    contraction credit), plus the mixes error as a logit error in hc_pre;
//  - pre/post: sigmoid 7u (+ two eps roundings for pre); in hc_pre plus the mixes error;
//  - mixes: the probabilistic K-term dot-product bound (K = 4·dim), an absolute error, so it is
//    measured at max(|μ|, 1);
//  - bf16 outputs: one rounding apart when the fp32 values are within one spacing (hc_post:
//    5 products and 4 additions; hc_pre/hc_head y: the pre error times the golden |X| <= 6.5).
#include <cmath>

#include "harness/golden.h"
#include "harness/ops/mhc_budgets.h"
#include "harness/ops/op_util.h"
#include "reference/mhc_head.h"
#include "reference/mhc_post.h"
#include "reference/mhc_pre.h"
#include "reference/mhc_sinkhorn.h"

namespace v4::harness {
namespace {

namespace budget = mhc_budget;
constexpr double kGoldenXMax = 6.5; // largest |x| in the golden hc_* streams (6.5 in hc_head)

ComparePolicy comb_policy(int iters, double logit_error_u) {
  return ComparePolicy::ulps(budget::sinkhorn_comb_ulps(iters, logit_error_u),
                             "mhc_budgets.h: 40 half-steps of both sides, no contraction credit");
}
ComparePolicy bf16_policy(double abs_error, const char* why) {
  return ComparePolicy::ulps_floor(2, budget::bf16_floor_for(abs_error), why);
}

int iters_of(const GoldenCase& gc) {
  return gc.config().value("hc_sinkhorn_iters", 20);
}
float hc_eps_of(const GoldenCase& gc) {
  return gc.config().value("hc_eps", 1e-6f);
}
float norm_eps_of(const GoldenCase& gc) {
  return gc.config().value("norm_eps", 1e-6f);
}

std::vector<GoldenLine> check_hc_sinkhorn(const GoldenCase& gc) {
  const Tensor mixes = gc.tensor("in.mixes");
  const int64_t tokens = mixes.numel() / reference::kHcMixes;
  Tensor pre(DType::f32, gc.tensor("out.pre").shape()),
      post(DType::f32, gc.tensor("out.post").shape()),
      comb(DType::f32, gc.tensor("out.comb").shape());
  reference::hc_split_sinkhorn(pre.data<float>(), post.data<float>(), comb.data<float>(),
                               mixes.data<float>(), gc.tensor("hc_base").data<float>(),
                               gc.tensor("hc_scale").data<float>(), tokens, iters_of(gc),
                               hc_eps_of(gc));
  return {
      golden_compare(gc, "out.pre", pre, gc.tensor("out.pre"),
                     ComparePolicy::ulps(budget::pre_ulps(0), "sigmoid 7u + two eps roundings")),
      golden_compare(gc, "out.post", post, gc.tensor("out.post"),
                     ComparePolicy::ulps(budget::post_ulps(0), "sigmoid 7u")),
      golden_compare(gc, "out.comb", comb, gc.tensor("out.comb"), comb_policy(iters_of(gc), 0))};
}

std::vector<GoldenLine> check_hc_pre(const GoldenCase& gc) {
  const Tensor x = gc.tensor("in.x");
  const int64_t dim = x.shape().back(), tokens = x.numel() / (4 * dim);
  Tensor y(DType::bf16, gc.tensor("out.y").shape()),
      post(DType::f32, gc.tensor("out.post").shape()),
      comb(DType::f32, gc.tensor("out.comb").shape()),
      mixes(DType::f32, gc.tensor("trace.mixes").shape());
  reference::hc_mixes(mixes.data<float>(), x.data<bf16>(), gc.tensor("hc_fn").data<float>(), tokens,
                      dim, reference::kHcMixes, norm_eps_of(gc));
  reference::hc_pre(y.data<bf16>(), post.data<float>(), comb.data<float>(), x.data<bf16>(),
                    gc.tensor("hc_fn").data<float>(), gc.tensor("hc_base").data<float>(),
                    gc.tensor("hc_scale").data<float>(), tokens, dim, iters_of(gc), hc_eps_of(gc),
                    norm_eps_of(gc));
  Tensor pre(DType::f32, gc.tensor("trace.pre").shape()),
      post_again(DType::f32, gc.tensor("out.post").shape()),
      comb_again(DType::f32, gc.tensor("out.comb").shape());
  reference::hc_split_sinkhorn(
      pre.data<float>(), post_again.data<float>(), comb_again.data<float>(), mixes.data<float>(),
      gc.tensor("hc_base").data<float>(), gc.tensor("hc_scale").data<float>(), tokens, iters_of(gc),
      hc_eps_of(gc));
  const double mu = budget::mixes_abs_error_u(4 * dim); // in u, measured at max(|μ|, 1)
  return {
      golden_compare(
          gc, "trace.mixes", mixes, gc.tensor("trace.mixes"),
          ComparePolicy::ulps_floor(mu, 1.0, "probabilistic K-term dot product bound, K = 4 dim")),
      golden_compare(
          gc, "trace.pre", pre, gc.tensor("trace.pre"),
          ComparePolicy::ulps(std::ceil(mu + budget::pre_ulps(0)), "mixes bound + gate roundings")),
      golden_compare(gc, "out.post", post, gc.tensor("out.post"),
                     ComparePolicy::ulps(std::ceil(mu + budget::post_ulps(0)),
                                         "mixes bound + gate roundings")),
      golden_compare(gc, "out.comb", comb, gc.tensor("out.comb"), comb_policy(iters_of(gc), mu)),
      golden_compare(gc, "out.y", y, gc.tensor("out.y"),
                     bf16_policy(budget::weighted_sum_abs_error(mu, kGoldenXMax),
                                 "pre error x 4 streams, then bf16"))};
}

std::vector<GoldenLine> check_hc_post(const GoldenCase& gc) {
  const Tensor x = gc.tensor("in.x");
  const int64_t dim = x.shape().back(), tokens = x.numel() / dim;
  Tensor y(DType::bf16, gc.tensor("out.y").shape());
  reference::hc_post(y.data<bf16>(), x.data<bf16>(), gc.tensor("in.residual").data<bf16>(),
                     gc.tensor("in.post").data<float>(), gc.tensor("in.comb").data<float>(), tokens,
                     dim);
  // 5 products and 4 additions in fp32 (9u) and the reference's rounding (u), over
  // Σ|terms| <= 2·6.5 + 6.5·(1 + 4u).
  return {golden_compare(gc, "out.y", y, gc.tensor("out.y"),
                         bf16_policy(10 * (3 * kGoldenXMax) * 0x1p-24,
                                     "fp32 values within 10u sum|terms|, then bf16"))};
}

std::vector<GoldenLine> check_hc_head(const GoldenCase& gc) {
  const Tensor x = gc.tensor("in.x");
  const int64_t dim = x.shape().back(), tokens = x.numel() / (4 * dim);
  Tensor y(DType::bf16, gc.tensor("out.y").shape());
  reference::hc_head(y.data<bf16>(), x.data<bf16>(), gc.tensor("hc_head_fn").data<float>(),
                     gc.tensor("hc_head_base").data<float>(),
                     gc.tensor("hc_head_scale").data<float>(), tokens, dim, hc_eps_of(gc),
                     norm_eps_of(gc));
  const double mu = budget::mixes_abs_error_u(4 * dim);
  return {golden_compare(gc, "out.y", y, gc.tensor("out.y"),
                         bf16_policy(budget::weighted_sum_abs_error(mu, kGoldenXMax),
                                     "pre error x 4 streams, then bf16"))};
}

} // namespace
V4_REGISTER_GOLDEN("hc_sinkhorn", check_hc_sinkhorn);
V4_REGISTER_GOLDEN("hc_pre", check_hc_pre);
V4_REGISTER_GOLDEN("hc_post", check_hc_post);
V4_REGISTER_GOLDEN("hc_head", check_hc_head);
} // namespace v4::harness
