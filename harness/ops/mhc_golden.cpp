// Golden checkers for the mHC cases (hc_sinkhorn, hc_pre, hc_post, hc_head) against the official
// code's recorded tensors.
//
// Bounds (fp32 outputs, u = 2^-24): the official code rounds every fp32 operation; the reference
// accumulates sums in double and rounds once. One Sinkhorn normalization of a 4-vector performs
// at most 5 roundings in the official code (3 in the 4-term sum, 1 for + eps, 1 in the division),
// and row/column scalings are non-expansive in Hilbert's projective metric (Birkhoff-Hopf), so
// rounding errors add without amplification: 40 normalizations · 5 u, doubled when read back as
// an entry-wise relative error: 400 ulp fp32 for comb. pre/post: sigmoid of an fp32 argument
// (2 roundings in μ·scale + base, 1 in σ, 1 for + eps or ·2) after μ (mixes: K-term fp32 dot
// product, K = 4·dim: ≤ K u relative to Σ|fn·x|, then · rsqrt: +2): small, bounded by 8 ulp
// when μ is given (hc_sinkhorn case). bf16 outputs: one bf16 rounding of an fp32 value whose own
// error is a few fp32 ulp: at most 1 bf16 ulp.
#include "harness/golden.h"
#include "harness/ops/op_util.h"
#include "reference/mhc_head.h"
#include "reference/mhc_post.h"
#include "reference/mhc_pre.h"
#include "reference/mhc_sinkhorn.h"

namespace v4::harness {
namespace {

const ComparePolicy kComb = ComparePolicy::ulps(400, "40 normalizations x 5 fp32 roundings, non-expansive; x2 entry-wise");
const ComparePolicy kGate = ComparePolicy::ulps(8, "mu*scale+base, sigmoid, +eps / x2: 4 fp32 roundings, x2 margin for sigmoid slope");
const ComparePolicy kBf16 = ComparePolicy::ulps(1, "fp32 value within a few fp32 ulp, rounded once to bf16");

int iters_of(const GoldenCase& gc) { return gc.config().value("hc_sinkhorn_iters", 20); }
float hc_eps_of(const GoldenCase& gc) { return gc.config().value("hc_eps", 1e-6f); }
float norm_eps_of(const GoldenCase& gc) { return gc.config().value("norm_eps", 1e-6f); }

std::vector<GoldenLine> check_hc_sinkhorn(const GoldenCase& gc) {
  const Tensor mixes = gc.tensor("in.mixes");
  const int64_t tokens = mixes.numel() / reference::kHcMixes;
  Tensor pre(DType::f32, gc.tensor("out.pre").shape()), post(DType::f32, gc.tensor("out.post").shape()),
      comb(DType::f32, gc.tensor("out.comb").shape());
  reference::hc_split_sinkhorn(pre.data<float>(), post.data<float>(), comb.data<float>(), mixes.data<float>(),
                               gc.tensor("hc_base").data<float>(), gc.tensor("hc_scale").data<float>(), tokens,
                               iters_of(gc), hc_eps_of(gc));
  return {golden_compare(gc, "out.pre", pre, gc.tensor("out.pre"), kGate),
          golden_compare(gc, "out.post", post, gc.tensor("out.post"), kGate),
          golden_compare(gc, "out.comb", comb, gc.tensor("out.comb"), kComb)};
}

std::vector<GoldenLine> check_hc_pre(const GoldenCase& gc) {
  const Tensor x = gc.tensor("in.x");
  const int64_t dim = x.shape().back(), tokens = x.numel() / (4 * dim);
  Tensor y(DType::bf16, gc.tensor("out.y").shape()), post(DType::f32, gc.tensor("out.post").shape()),
      comb(DType::f32, gc.tensor("out.comb").shape()), mixes(DType::f32, gc.tensor("trace.mixes").shape());
  reference::hc_mixes(mixes.data<float>(), x.data<bf16>(), gc.tensor("hc_fn").data<float>(), tokens, dim,
                      reference::kHcMixes, norm_eps_of(gc));
  reference::hc_pre(y.data<bf16>(), post.data<float>(), comb.data<float>(), x.data<bf16>(),
                    gc.tensor("hc_fn").data<float>(), gc.tensor("hc_base").data<float>(),
                    gc.tensor("hc_scale").data<float>(), tokens, dim, iters_of(gc), hc_eps_of(gc), norm_eps_of(gc));
  // μ: a 4·dim-term fp32 dot product (official) vs double (reference): |error| <= 4·dim·u·Σ|fn_i x_i|,
  // which is many ulps of μ itself when terms cancel; bounded here in ulps of the result by 4·dim.
  const double k = double(4 * dim);
  return {golden_compare(gc, "trace.mixes", mixes, gc.tensor("trace.mixes"),
                         ComparePolicy::ulps(k + 2, "K-term fp32 dot product (K = 4 dim) + rsqrt product")),
          golden_compare(gc, "out.post", post, gc.tensor("out.post"), ComparePolicy::ulps(k + 10, "mixes bound + gate roundings")),
          golden_compare(gc, "out.comb", comb, gc.tensor("out.comb"), ComparePolicy::ulps(k + 400, "mixes bound + Sinkhorn bound")),
          golden_compare(gc, "out.y", y, gc.tensor("out.y"), kBf16)};
}

std::vector<GoldenLine> check_hc_post(const GoldenCase& gc) {
  const Tensor x = gc.tensor("in.x");
  const int64_t dim = x.shape().back(), tokens = x.numel() / dim;
  Tensor y(DType::bf16, gc.tensor("out.y").shape());
  reference::hc_post(y.data<bf16>(), x.data<bf16>(), gc.tensor("in.residual").data<bf16>(),
                     gc.tensor("in.post").data<float>(), gc.tensor("in.comb").data<float>(), tokens, dim);
  return {golden_compare(gc, "out.y", y, gc.tensor("out.y"), kBf16)};
}

std::vector<GoldenLine> check_hc_head(const GoldenCase& gc) {
  const Tensor x = gc.tensor("in.x");
  const int64_t dim = x.shape().back(), tokens = x.numel() / (4 * dim);
  Tensor y(DType::bf16, gc.tensor("out.y").shape());
  reference::hc_head(y.data<bf16>(), x.data<bf16>(), gc.tensor("hc_head_fn").data<float>(),
                     gc.tensor("hc_head_base").data<float>(), gc.tensor("hc_head_scale").data<float>(), tokens, dim,
                     hc_eps_of(gc), norm_eps_of(gc));
  return {golden_compare(gc, "out.y", y, gc.tensor("out.y"), kBf16)};
}

}  // namespace
V4_REGISTER_GOLDEN("hc_sinkhorn", check_hc_sinkhorn);
V4_REGISTER_GOLDEN("hc_pre", check_hc_pre);
V4_REGISTER_GOLDEN("hc_post", check_hc_post);
V4_REGISTER_GOLDEN("hc_head", check_hc_head);
}  // namespace v4::harness
