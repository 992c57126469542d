#include "harness/ops/moe_golden_bounds.h"

#include <algorithm>
#include <cmath>

#include "harness/ops/golden_bound.h"
#include "reference/linear.h"
#include "reference/moe_expert.h"
#include "reference/moe_gate.h"

namespace v4::harness {

namespace {

constexpr double u = kFp32Unit;
constexpr double kSiluSlope = 1.1; // max |silu'(g)| = 1.0998 (at g ≈ 2.4)

double bf16_rounded_error(double value, double pre_error) {
  return pre_error + ulp_spacing(DType::bf16, std::fabs(value) + pre_error);
}

// Bound on |v_ref − v_off| for a bf16·bf16 linear's fp32 accumulator, given input errors:
// Σ_j |w_j|·E_j (propagated) + (K + 1)·u·Σ_j |x_j w_j| (the two summations).
std::vector<double> linear_pre_error(const std::vector<double>& x, const std::vector<double>& x_err,
                                     const bf16* w, int64_t rows, int64_t in, int64_t out) {
  std::vector<double> e(size_t(rows * out));
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t o = 0; o < out; ++o) {
      double prop = 0, mag = 0;
      for (int64_t j = 0; j < in; ++j) {
        const double wv = std::fabs(double(reference::bf16_decode(w[o * in + j])));
        prop += wv * x_err[size_t(r * in + j)];
        mag += wv * (std::fabs(x[size_t(r * in + j)]) + x_err[size_t(r * in + j)]);
      }
      e[size_t(r * out + o)] = prop + double(in + 1) * u * mag;
    }
  return e;
}

std::vector<double> linear_values(const bf16* x, const bf16* w, int64_t rows, int64_t in,
                                  int64_t out) {
  std::vector<bf16> y(size_t(rows * out));
  reference::linear_bf16(y.data(), x, w, rows, in, out);
  std::vector<double> v(y.size());
  for (size_t i = 0; i < y.size(); ++i)
    v[i] = reference::bf16_decode(y[i]);
  return v;
}

} // namespace

GateScoreBounds gate_score_bounds(const Tensor& x, const Tensor& w, int64_t tokens, int64_t dim,
                                  int64_t experts) {
  GateScoreBounds b;
  b.score.resize(size_t(tokens * experts));
  b.error.resize(size_t(tokens * experts));
  std::vector<float> s(size_t(tokens * experts));
  reference::moe_gate_scores(s.data(), x.data<bf16>(), w.data<bf16>(), tokens, dim, experts);
  for (int64_t t = 0; t < tokens; ++t)
    for (int64_t e = 0; e < experts; ++e) {
      double dot = 0, mag = 0;
      for (int64_t j = 0; j < dim; ++j) {
        const double p = double(reference::bf16_decode(x.data<bf16>()[t * dim + j])) *
                         reference::bf16_decode(w.data<bf16>()[e * dim + j]);
        dot += p;
        mag += std::fabs(p);
      }
      const double e_l = double(dim + 1) * u * mag;
      const double sigma =
          1.0 / (1.0 + std::exp(-(dot + e_l))); // σ is increasing: bound at l + E_l
      const double score = s[size_t(t * experts + e)];
      const double sp = score * score;
      const double e_sp = sigma * e_l + 8 * u * (sp + sigma * e_l);
      const double s_lo = std::sqrt(std::max(sp - e_sp, 0.0));
      const double e_s =
          std::min(e_sp / (score + s_lo), std::sqrt(e_sp)) + 2 * u * (score + std::sqrt(e_sp));
      b.score[size_t(t * experts + e)] = score;
      b.error[size_t(t * experts + e)] = e_s;
    }
  return b;
}

std::vector<double> gate_weight_errors(const GateScoreBounds& b, const std::vector<float>& weights,
                                       const std::vector<int32_t>& indices, int64_t tokens,
                                       int64_t experts, int64_t k) {
  std::vector<double> err(size_t(tokens * k));
  for (int64_t t = 0; t < tokens; ++t) {
    double worst_rel = 0;
    for (int64_t j = 0; j < k; ++j) {
      const size_t i = size_t(t * experts + indices[size_t(t * k + j)]);
      worst_rel = std::max(worst_rel, b.error[i] / b.score[i]);
    }
    for (int64_t j = 0; j < k; ++j) {
      const size_t i = size_t(t * experts + indices[size_t(t * k + j)]);
      err[size_t(t * k + j)] = std::fabs(weights[size_t(t * k + j)]) *
                               (b.error[i] / b.score[i] + worst_rel + double(k + 4) * u);
    }
  }
  return err;
}

ExpertBound expert_bound(const bf16* x, const bf16* w1, const bf16* w2, const bf16* w3,
                         const std::vector<float>& route_weight,
                         const std::vector<double>& route_error, int64_t rows, int64_t dim,
                         int64_t inter, float limit) {
  std::vector<double> xv(size_t(rows * dim)), x_err(size_t(rows * dim), 0.0);
  for (size_t i = 0; i < xv.size(); ++i)
    xv[i] = reference::bf16_decode(x[i]);
  const std::vector<double> g = linear_values(x, w1, rows, dim, inter),
                            up = linear_values(x, w3, rows, dim, inter);
  const std::vector<double> g_pre = linear_pre_error(xv, x_err, w1, rows, dim, inter);
  const std::vector<double> u_pre = linear_pre_error(xv, x_err, w3, rows, dim, inter);
  // h (fp32) exactly as the reference computes it, and its bound.
  std::vector<float> gf(g.begin(), g.end()), uf(up.begin(), up.end()), hf(size_t(rows * inter));
  reference::swiglu_clamp(hf.data(), gf.data(), uf.data(),
                          route_weight.empty() ? nullptr : route_weight.data(), rows, inter, limit);
  std::vector<bf16> h16(hf.size());
  std::vector<double> hv(hf.size()), h_err(hf.size());
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t i = 0; i < inter; ++i) {
      const size_t n = size_t(r * inter + i);
      const double e_g = bf16_rounded_error(g[n], g_pre[n]),
                   e_u = bf16_rounded_error(up[n], u_pre[n]);
      double gc = g[n], uc = up[n];
      if (limit > 0)
        gc = std::min(gc, double(limit)), uc = std::clamp(uc, -double(limit), double(limit));
      const double silu = gc / (1 + std::exp(-gc));
      const double e_silu = kSiluSlope * e_g + 7 * u * (std::fabs(silu) + kSiluSlope * e_g);
      const double prod = silu * uc;
      const double e_prod =
          (std::fabs(uc) + e_u) * e_silu + (std::fabs(silu) + e_silu) * e_u +
          2 * u * (std::fabs(prod) + e_silu * (std::fabs(uc) + e_u) + std::fabs(silu) * e_u);
      double e_h = e_prod;
      if (!route_weight.empty()) {
        const double w = std::fabs(route_weight[size_t(r)]), e_w = route_error[size_t(r)];
        e_h = w * e_prod + e_w * (std::fabs(prod) + e_prod) +
              2 * u * (w + e_w) * (std::fabs(prod) + e_prod);
      }
      h16[n] = reference::bf16_encode(hf[n]);
      hv[n] = reference::bf16_decode(h16[n]);
      h_err[n] = bf16_rounded_error(hf[n], e_h);
    }
  ExpertBound b;
  b.y = linear_values(h16.data(), w2, rows, inter, dim);
  b.err = linear_pre_error(hv, h_err, w2, rows, inter, dim);
  b.err_out.resize(b.err.size());
  for (size_t i = 0; i < b.err.size(); ++i)
    b.err_out[i] = bf16_rounded_error(b.y[i], b.err[i]);
  return b;
}

} // namespace v4::harness
