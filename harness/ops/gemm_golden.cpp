// Golden checkers for the quantized linear path (linear_fp8, linear_fp4): act_quant + fp8_gemm /
// fp4_gemm against the official model.linear with pure-torch kernel replacements.
//
// Bounds. The activation quantization is exact arithmetic and compared bitwise (trace.x_fp8,
// trace.x_scale). For y, let S = Σ_k |A_k·B_k|·sA·sB (decoded operands) for one output element.
// The reference computes each block partial P exactly and rounds it once (≤ u|P|), then performs
// KB fp32 accumulations (each ≤ u·Σ|terms so far|): |v_ref − exact| ≤ (1 + KB)·u·S. The official
// code sums the same K products in fp32 in some order (≤ (K − 1)·u·S, any order, first order)
// plus the same KB accumulations: ≤ (K − 1 + KB)·u·S. Scale products are powers of two (exact).
// So |v_ref − v_off| ≤ (K + 2·KB)·u·S, and each side's rounding of v to bf16 adds at most half an
// ULP: allowed = (K + 2·KB)·u·S + ulp_bf16(max(|y_ref|, |y_off|)).
#include <algorithm>
#include <cmath>

#include "harness/ops/golden_bound.h"
#include "harness/ops/op_util.h"
#include "reference/act_quant.h"
#include "reference/gemm.h"

namespace v4::harness {
namespace {

// |A|·|B|ᵀ with the same scale structure as the GEMM: S[m, n] = Σ_k |a_k b_k| sA sB.
std::vector<double> abs_dot_fp8(const Tensor& q, const Tensor& sq, const Tensor& w,
                                const Tensor& sw, int64_t m, int64_t n, int64_t k) {
  std::vector<double> s(size_t(m * n), 0.0);
  const int64_t kb_count = k / 128;
  for (int64_t r = 0; r < m; ++r)
    for (int64_t c = 0; c < n; ++c)
      for (int64_t j = 0; j < k; ++j) {
        const double scale =
            double(reference::ue8m0_decode(sq.data<ue8m0>()[r * kb_count + j / 128])) *
            reference::ue8m0_decode(sw.data<ue8m0>()[(c / 128) * kb_count + j / 128]);
        s[size_t(r * n + c)] +=
            std::fabs(double(reference::e4m3_decode(q.data<e4m3>()[r * k + j])) *
                      reference::e4m3_decode(w.data<e4m3>()[c * k + j])) *
            scale;
      }
  return s;
}

std::vector<double> abs_dot_fp4(const Tensor& q, const Tensor& sq, const Tensor& w,
                                const Tensor& sw, int64_t m, int64_t n, int64_t k) {
  std::vector<double> s(size_t(m * n), 0.0);
  for (int64_t r = 0; r < m; ++r)
    for (int64_t c = 0; c < n; ++c)
      for (int64_t j = 0; j < k; ++j) {
        const double scale =
            double(reference::ue8m0_decode(sq.data<ue8m0>()[r * (k / 128) + j / 128])) *
            reference::ue8m0_decode(sw.data<ue8m0>()[c * (k / 32) + j / 32]);
        s[size_t(r * n + c)] +=
            std::fabs(double(reference::e4m3_decode(q.data<e4m3>()[r * k + j])) *
                      reference::e2m1_decode(reference::e2m1_get(w.data<e2m1x2>(), c * k + j))) *
            scale;
      }
  return s;
}

std::vector<double> gemm_allowed(const std::vector<double>& s, const Tensor& ours,
                                 const Tensor& official, double k_terms) {
  std::vector<double> allowed(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const double mag = std::max(std::fabs(element_value(ours, int64_t(i))),
                                std::fabs(element_value(official, int64_t(i))));
    allowed[i] = k_terms * kFp32Unit * s[i] + ulp_spacing(DType::bf16, mag);
  }
  return allowed;
}

std::vector<GoldenLine> check_linear(const GoldenCase& gc, bool fp4) {
  const Tensor x = gc.tensor("in.x"), w = gc.tensor("weight"), sw = gc.tensor("scale");
  const Tensor official = gc.tensor("out.y");
  const int64_t k = x.shape().back(), m = x.numel() / k, n = w.dim(0);
  Tensor q(DType::e4m3, gc.tensor("trace.x_fp8").shape()),
      sq(DType::ue8m0, gc.tensor("trace.x_scale").shape());
  reference::act_quant(q.data<e4m3>(), sq.data<ue8m0>(), x.data<bf16>(), m, k);
  Tensor y(DType::bf16, official.shape());
  std::vector<double> s;
  double k_terms = 0;
  if (fp4) {
    reference::fp4_gemm(y.data<bf16>(), q.data<e4m3>(), sq.data<ue8m0>(), w.data<e2m1x2>(),
                        sw.data<ue8m0>(), m, n, k);
    s = abs_dot_fp4(q, sq, w, sw, m, n, k);
    k_terms = double(k + 2 * (k / 32));
  } else {
    reference::fp8_gemm(y.data<bf16>(), q.data<e4m3>(), sq.data<ue8m0>(), w.data<e4m3>(),
                        sw.data<ue8m0>(), m, n, k);
    s = abs_dot_fp8(q, sq, w, sw, m, n, k);
    k_terms = double(k + 2 * (k / 128));
  }
  const std::string why =
      fp4 ? "(K + 2 K/32) u sum|a b s| + 1 bf16 ulp" : "(K + 2 K/128) u sum|a b s| + 1 bf16 ulp";
  return {
      golden_compare(gc, "trace.x_fp8", q, gc.tensor("trace.x_fp8"),
                     ComparePolicy::bitwise("act_quant: exact")),
      golden_compare(gc, "trace.x_scale", sq, gc.tensor("trace.x_scale"),
                     ComparePolicy::bitwise("power-of-two scale")),
      golden_compare_bounded(gc, "out.y", y, official, gemm_allowed(s, y, official, k_terms), why)};
}

} // namespace
V4_REGISTER_GOLDEN("linear_fp8", [](const GoldenCase& gc) { return check_linear(gc, false); });
V4_REGISTER_GOLDEN("linear_fp4", [](const GoldenCase& gc) { return check_linear(gc, true); });
} // namespace v4::harness
