#include "harness/ops/block_golden_bounds.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "harness/ops/mhc_budgets.h"
#include "harness/ops/moe_golden_bounds.h"
#include "harness/tensor.h"
#include "properties/interval_invariants.h"
#include "reference/dense_linear.h"
#include "reference/linear.h"
#include "reference/mhc_post.h"
#include "reference/mhc_pre.h"
#include "reference/mhc_sinkhorn.h"
#include "reference/moe_gate.h"
#include "reference/rms_norm.h"

namespace v4::harness {
namespace {

using properties::bf16_spread;
using properties::widen;
constexpr double u = 0x1p-24;
constexpr int64_t kMult = reference::kHcMult;

double val(bf16 b) {
  return double(reference::bf16_decode(b));
}

// ---- mHC -----------------------------------------------------------------------------------

// μ = fl32(fn·x̂)·ρ for n_mix rows of fn, per token, with bounds (header: E_μ).
struct Mixes {
  std::vector<float> mu;
  std::vector<double> e;
};
Mixes mixes_bounds(const BoundedBf16& x, const float* fn, int64_t tokens, int64_t dim,
                   int64_t n_mix, float norm_eps) {
  const int64_t K = kMult * dim;
  Mixes m;
  m.mu.resize(static_cast<size_t>(tokens * n_mix));
  m.e.resize(m.mu.size());
  reference::hc_mixes(m.mu.data(), x.v.data(), fn, tokens, dim, n_mix, norm_eps);
  for (int64_t t = 0; t < tokens; ++t) {
    double sum_sq = 0, dsum = 0;
    for (int64_t i = 0; i < K; ++i) {
      const double v = val(x.v[size_t(t * K + i)]), ev = x.e[size_t(t * K + i)];
      sum_sq += v * v;
      dsum += 2 * std::fabs(v) * ev + ev * ev;
    }
    const double rho = reference::rms_rsqrt(sum_sq, K, norm_eps);
    const double d_rho =
        dsum / double(K) / (2 * (sum_sq / double(K) + norm_eps)) + double(K + 4) * u;
    for (int64_t r = 0; r < n_mix; ++r) {
      double dot = 0, mag = 0, prop = 0;
      for (int64_t i = 0; i < K; ++i) {
        const double f = fn[r * K + i], v = val(x.v[size_t(t * K + i)]),
                     ev = x.e[size_t(t * K + i)];
        dot += f * v;
        mag += std::fabs(f) * (std::fabs(v) + ev);
        prop += std::fabs(f) * ev;
      }
      const double e_dot = prop + double(K) * u * mag + u * std::fabs(dot);
      const size_t n = size_t(t * n_mix + r);
      m.e[n] = rho * (1 + d_rho) * e_dot + std::fabs(dot) * rho * d_rho +
               2 * u * std::fabs(double(m.mu[n]));
    }
  }
  return m;
}

// z = μ·s + b and its bound (two fp32 roundings per side).
double gate_input_error(float mu, float s, float b, double e_mu) {
  const double ms = double(mu) * s;
  return std::fabs(double(s)) * e_mu + 2 * u * (std::fabs(ms) + std::fabs(ms + b));
}
// max σ'(z) over [z − e, z + e].
double sigmoid_slope_max(double z, double e) {
  if (z - e <= 0 && z + e >= 0)
    return 0.25;
  const double a = std::min(std::fabs(z - e), std::fabs(z + e));
  const double s = 1 / (1 + std::exp(-a));
  return s * (1 - s);
}

// The Sinkhorn iteration of reference/mhc_sinkhorn.cpp in double (for its Jacobian).
void sinkhorn_double(double* m, const double* a, int iters, double eps) {
  constexpr int n = int(kMult);
  for (int j = 0; j < n; ++j) {
    double mx = a[j * n], sum = 0, e[n];
    for (int k = 1; k < n; ++k)
      mx = std::max(mx, a[j * n + k]);
    for (int k = 0; k < n; ++k)
      sum += e[k] = std::exp(a[j * n + k] - mx);
    for (int k = 0; k < n; ++k)
      m[j * n + k] = e[k] / sum + eps;
  }
  const auto col = [&] {
    for (int k = 0; k < n; ++k) {
      double s = 0;
      for (int j = 0; j < n; ++j)
        s += m[j * n + k];
      for (int j = 0; j < n; ++j)
        m[j * n + k] /= s + eps;
    }
  };
  const auto row = [&] {
    for (int j = 0; j < n; ++j) {
      double s = 0;
      for (int k = 0; k < n; ++k)
        s += m[j * n + k];
      for (int k = 0; k < n; ++k)
        m[j * n + k] /= s + eps;
    }
  };
  col();
  for (int i = 1; i < iters; ++i)
    row(), col();
}

// Σ_m |∂comb/∂A_m|·e_A[m] per entry (central differences, step 1e-4: truncation ~1e-8
// relative, cancellation ~1e-12), widened by 2^-10 for the difference quotient.
void comb_logit_bounds(double* out, const float* a, const double* e_a, int iters, float eps) {
  constexpr int nn = int(kMult * kMult);
  constexpr double h = 1e-4;
  double base[nn], plus[nn], minus[nn], ap[nn];
  for (int i = 0; i < nn; ++i)
    base[i] = a[i], out[i] = 0;
  for (int m = 0; m < nn; ++m) {
    std::copy(base, base + nn, ap);
    ap[m] = base[m] + h;
    sinkhorn_double(plus, ap, iters, eps);
    ap[m] = base[m] - h;
    sinkhorn_double(minus, ap, iters, eps);
    for (int i = 0; i < nn; ++i)
      out[i] += std::fabs(plus[i] - minus[i]) / (2 * h) * e_a[m] * (1 + 0x1p-10);
  }
}

} // namespace

BoundedBf16 weighted_sum_bounds(const BoundedBf16& x, const std::vector<float>& pre,
                                const std::vector<double>& e_pre, int64_t tokens, int64_t dim) {
  BoundedBf16 y;
  y.v.resize(static_cast<size_t>(tokens * dim));
  y.e.resize(y.v.size());
  reference::hc_weighted_sum(y.v.data(), pre.data(), x.v.data(), tokens, dim);
  for (int64_t t = 0; t < tokens; ++t)
    for (int64_t i = 0; i < dim; ++i) {
      double sum = 0, radius = 0, mag = 0;
      for (int64_t j = 0; j < kMult; ++j) {
        const size_t s = size_t((t * kMult + j) * dim + i), p = size_t(t * kMult + j);
        const double xv = val(x.v[s]), ex = x.e[s];
        sum += double(pre[p]) * xv;
        radius += e_pre[p] * (std::fabs(xv) + ex) + double(pre[p]) * ex;
        mag += double(pre[p]) * (std::fabs(xv) + ex);
      }
      y.e[size_t(t * dim + i)] = bf16_spread(sum, radius + 5 * u * mag);
    }
  return y;
}

HcPre hc_pre_bounds(const BoundedBf16& x, const float* fn, const float* base, const float* scale,
                    int64_t tokens, int64_t dim, int iters, float hc_eps, float norm_eps) {
  constexpr int64_t nm = reference::kHcMixes, nn = kMult * kMult;
  const Mixes mx = mixes_bounds(x, fn, tokens, dim, nm, norm_eps);
  HcPre h;
  std::vector<float> pre(static_cast<size_t>(tokens * kMult));
  std::vector<double> e_pre(pre.size());
  h.post.resize(pre.size());
  h.e_post.resize(pre.size());
  h.comb.resize(static_cast<size_t>(tokens * nn));
  h.e_comb.resize(h.comb.size());
  reference::hc_split_sinkhorn(pre.data(), h.post.data(), h.comb.data(), mx.mu.data(), base, scale,
                               tokens, iters, hc_eps);
  const double comb_rel = mhc_budget::sinkhorn_comb_ulps(iters) * u;
  for (int64_t t = 0; t < tokens; ++t) {
    const float* mu = mx.mu.data() + t * nm;
    const double* e_mu = mx.e.data() + t * nm;
    for (int64_t j = 0; j < kMult; ++j) {
      const size_t p = size_t(t * kMult + j);
      const double ez0 = gate_input_error(mu[j], scale[0], base[j], e_mu[j]);
      const double z0 = double(mu[j]) * scale[0] + base[j];
      e_pre[p] = sigmoid_slope_max(z0, ez0) * ez0 + 9 * u * double(pre[p]);
      const double ez1 = gate_input_error(mu[4 + j], scale[1], base[4 + j], e_mu[4 + j]);
      const double z1 = double(mu[4 + j]) * scale[1] + base[4 + j];
      h.e_post[p] = 2 * sigmoid_slope_max(z1, ez1) * ez1 + 7 * u * double(h.post[p]);
    }
    float a[nn];
    double e_a[nn];
    for (int64_t m = 0; m < nn; ++m) {
      a[m] = mu[8 + m] * scale[2] + base[8 + m]; // as hc_split_sinkhorn
      e_a[m] = gate_input_error(mu[8 + m], scale[2], base[8 + m], e_mu[8 + m]);
      h.max_logit_error = std::max(h.max_logit_error, e_a[m]);
    }
    double e_c[nn];
    comb_logit_bounds(e_c, a, e_a, iters, hc_eps);
    for (int64_t m = 0; m < nn; ++m)
      h.e_comb[size_t(t * nn + m)] = e_c[m] + comb_rel * double(h.comb[size_t(t * nn + m)]);
  }
  h.y = weighted_sum_bounds(x, pre, e_pre, tokens, dim);
  return h;
}

BoundedBf16 hc_post_bounds(const BoundedBf16& f, const BoundedBf16& res, const HcPre& h,
                           int64_t tokens, int64_t dim) {
  constexpr int64_t nn = kMult * kMult;
  BoundedBf16 y;
  y.v.resize(res.v.size());
  y.e.resize(res.v.size());
  reference::hc_post(y.v.data(), f.v.data(), res.v.data(), h.post.data(), h.comb.data(), tokens,
                     dim);
  for (int64_t t = 0; t < tokens; ++t)
    for (int64_t k = 0; k < kMult; ++k)
      for (int64_t i = 0; i < dim; ++i) {
        const size_t fi = size_t(t * dim + i), pk = size_t(t * kMult + k);
        const double fv = val(f.v[fi]), ef = f.e[fi], post = h.post[pk];
        double sum = post * fv;
        double radius = h.e_post[pk] * (std::fabs(fv) + ef) + post * ef;
        double mag = post * (std::fabs(fv) + ef);
        for (int64_t j = 0; j < kMult; ++j) {
          const size_t s = size_t((t * kMult + j) * dim + i), c = size_t(t * nn + j * kMult + k);
          const double xv = val(res.v[s]), ex = res.e[s], cv = h.comb[c];
          sum += cv * xv;
          radius += h.e_comb[c] * (std::fabs(xv) + ex) + cv * ex;
          mag += cv * (std::fabs(xv) + ex);
        }
        y.e[size_t((t * kMult + k) * dim + i)] = bf16_spread(sum, radius + 10 * u * mag);
      }
  return y;
}

BoundedBf16 rms_norm_bounded(const BoundedBf16& x, const float* w, int64_t rows, int64_t dim,
                             float eps) {
  BoundedBf16 y;
  y.v.resize(x.v.size());
  reference::rms_norm(y.v.data(), x.v.data(), w, rows, dim, eps);
  y.e = properties::rms_norm_bounds(widen(x.v.data(), rows * dim), x.e, w, rows, dim, eps);
  return y;
}

// ---- MoE (exact-input bound) ------------------------------------------------------------------

MoeOut moe_bounds(const std::vector<bf16>& x, const int64_t* ids, const reference::MoeParams& p,
                  int64_t tokens, int64_t dim) {
  const int64_t k = p.gate.k, experts = p.gate.experts;
  MoeOut out;
  out.y.v.resize(static_cast<size_t>(tokens * dim));
  out.y.e.resize(out.y.v.size());
  out.idx.resize(static_cast<size_t>(tokens * k));
  std::vector<float> weights(out.idx.size());
  reference::moe(out.y.v.data(), weights.data(), out.idx.data(), x.data(), ids, p, tokens, dim);
  const std::vector<int32_t>& idx = out.idx;

  Tensor xt(DType::bf16, {tokens, dim}), wt(DType::bf16, {experts, dim});
  std::copy(x.begin(), x.end(), xt.data<bf16>());
  std::copy(p.gate.weight, p.gate.weight + experts * dim, wt.data<bf16>());
  const GateScoreBounds gb = gate_score_bounds(xt, wt, tokens, dim, experts);
  if (!p.gate.tid2eid) { // a flip needs a selected and an unselected biased score to overlap
    for (int64_t t = 0; t < tokens; ++t) {
      double lo_sel = INFINITY, hi_rest = -INFINITY;
      for (int64_t e = 0; e < experts; ++e) {
        const size_t n = size_t(t * experts + e);
        const double b = gb.score[n] + (p.gate.bias ? double(p.gate.bias[e]) : 0.0);
        const double eb = gb.error[n] + 2 * u * std::fabs(b);
        const bool sel = std::count(idx.begin() + t * k, idx.begin() + (t + 1) * k, int32_t(e));
        if (sel)
          lo_sel = std::min(lo_sel, b - eb);
        else
          hi_rest = std::max(hi_rest, b + eb);
      }
      out.flips += lo_sel <= hi_rest;
    }
  }
  const std::vector<double> e_w = gate_weight_errors(gb, weights, idx, tokens, experts, k);
  const int64_t inter = p.shared.inter();
  const auto b16 = [](const reference::LinearWeight& lw) {
    if (lw.format != reference::WeightFormat::bf16)
      throw std::invalid_argument("block golden bounds: expert weights must be bf16");
    return static_cast<const bf16*>(lw.data);
  };
  for (int64_t t = 0; t < tokens; ++t) {
    std::vector<int64_t> order(static_cast<size_t>(k)); // the reference adds experts by id
    std::iota(order.begin(), order.end(), int64_t(0));
    std::sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
      return idx[size_t(t * k + a)] < idx[size_t(t * k + b)];
    });
    std::vector<float> acc(static_cast<size_t>(dim), 0.0f);
    std::vector<double> err(static_cast<size_t>(dim), 0.0), mag(static_cast<size_t>(dim), 0.0);
    const auto add = [&](const ExpertBound& b) {
      for (int64_t c = 0; c < dim; ++c) {
        acc[size_t(c)] = acc[size_t(c)] + float(b.y[size_t(c)]);
        err[size_t(c)] += b.err_out[size_t(c)];
        mag[size_t(c)] += std::fabs(b.y[size_t(c)]);
      }
    };
    for (int64_t j : order) {
      const auto& w = p.experts[size_t(idx[size_t(t * k + j)])];
      add(expert_bound(x.data() + t * dim, b16(w.w1), b16(w.w2), b16(w.w3),
                       {weights[size_t(t * k + j)]}, {e_w[size_t(t * k + j)]}, 1, dim, inter,
                       p.swiglu_limit));
    }
    if (p.has_shared)
      add(expert_bound(x.data() + t * dim, b16(p.shared.w1), b16(p.shared.w2), b16(p.shared.w3), {},
                       {}, 1, dim, inter, p.swiglu_limit));
    for (int64_t c = 0; c < dim; ++c) {
      const size_t n = size_t(t * dim + c);
      if (reference::bf16_encode(acc[size_t(c)]).bits != out.y.v[n].bits)
        throw std::logic_error("block golden bounds: MoE recomputation differs from moe()");
      const double radius =
          err[size_t(c)] + double(k + 1) * 2 * u * (mag[size_t(c)] + err[size_t(c)]);
      out.y.e[n] = bf16_spread(acc[size_t(c)], radius);
    }
  }
  return out;
}

LogitBounds head_bounds(const BoundedBf16& x, const reference::ModelConfig& cfg,
                        const reference::HeadWeights& w) {
  const int64_t dim = cfg.dim, vocab = cfg.vocab_size;
  const float eps = float(cfg.norm_eps), hc_eps = float(cfg.hc_eps);
  const Mixes mx = mixes_bounds(x, w.hc_fn, 1, dim, kMult, eps);
  std::vector<float> pre(static_cast<size_t>(kMult));
  std::vector<double> e_pre(static_cast<size_t>(kMult));
  for (int64_t j = 0; j < kMult; ++j) { // as reference/mhc_head.cpp
    pre[size_t(j)] =
        reference::sigmoid_fp32(mx.mu[size_t(j)] * w.hc_scale[0] + w.hc_base[j]) + hc_eps;
    const double ez =
        gate_input_error(mx.mu[size_t(j)], w.hc_scale[0], w.hc_base[j], mx.e[size_t(j)]);
    const double z = double(mx.mu[size_t(j)]) * w.hc_scale[0] + w.hc_base[j];
    e_pre[size_t(j)] = sigmoid_slope_max(z, ez) * ez + 9 * u * double(pre[size_t(j)]);
  }
  const BoundedBf16 h = weighted_sum_bounds(x, pre, e_pre, 1, dim);
  const BoundedBf16 hn = rms_norm_bounded(h, w.norm, 1, dim, eps);
  LogitBounds lb;
  lb.logits.resize(static_cast<size_t>(vocab));
  lb.e.resize(static_cast<size_t>(vocab));
  reference::dense_linear_f32(lb.logits.data(), hn.v.data(), w.head, 1, dim, vocab);
  for (int64_t o = 0; o < vocab; ++o) {
    double prop = 0, mag = 0;
    for (int64_t i = 0; i < dim; ++i) {
      const double wv = std::fabs(double(w.head[o * dim + i]));
      prop += wv * hn.e[size_t(i)];
      mag += wv * (std::fabs(val(hn.v[size_t(i)])) + hn.e[size_t(i)]);
    }
    lb.e[size_t(o)] = prop + double(dim) * u * mag + u * std::fabs(double(lb.logits[size_t(o)]));
  }
  return lb;
}

BoundedBf16 mtp_input_bounds(const bf16* h, const int64_t* ids, int64_t tokens,
                             const reference::ModelConfig& cfg, const reference::MtpWeights& w) {
  const int64_t dim = cfg.dim, rows = tokens * kMult;
  const float eps = float(cfg.norm_eps);
  if (w.e_proj.format != reference::WeightFormat::bf16 ||
      w.h_proj.format != reference::WeightFormat::bf16)
    throw std::invalid_argument("mtp_input_bounds: e_proj / h_proj must be bf16");
  BoundedBf16 e, hx;
  e.v.resize(static_cast<size_t>(tokens * dim));
  e.e.assign(e.v.size(), 0.0);
  for (int64_t t = 0; t < tokens; ++t)
    std::copy(w.embed + ids[t] * dim, w.embed + (ids[t] + 1) * dim, e.v.begin() + t * dim);
  hx.v.assign(h, h + rows * dim);
  hx.e.assign(hx.v.size(), 0.0);
  const BoundedBf16 en = rms_norm_bounded(e, w.enorm, tokens, dim, eps);
  const BoundedBf16 hn = rms_norm_bounded(hx, w.hnorm, rows, dim, eps);
  BoundedBf16 a, b, x;
  a.v.resize(static_cast<size_t>(tokens * dim));
  b.v.resize(static_cast<size_t>(rows * dim));
  reference::linear(a.v.data(), en.v.data(), w.e_proj, tokens);
  reference::linear(b.v.data(), hn.v.data(), w.h_proj, rows);
  a.e = properties::linear_bf16_bounds(widen(en.v.data(), tokens * dim), en.e,
                                       static_cast<const bf16*>(w.e_proj.data), tokens, dim, dim);
  b.e = properties::linear_bf16_bounds(widen(hn.v.data(), rows * dim), hn.e,
                                       static_cast<const bf16*>(w.h_proj.data), rows, dim, dim);
  x.v.resize(static_cast<size_t>(rows * dim));
  x.e.resize(x.v.size());
  reference::mtp_input(x.v.data(), h, ids, tokens, cfg, w);
  for (int64_t t = 0; t < tokens; ++t)
    for (int64_t j = 0; j < kMult; ++j)
      for (int64_t i = 0; i < dim; ++i) {
        const size_t s = size_t((t * kMult + j) * dim + i), ai = size_t(t * dim + i);
        const float sum = reference::bf16_decode(a.v[ai]) + reference::bf16_decode(b.v[s]);
        // Each side rounds the fp32 sum of two bf16 values once.
        x.e[s] = bf16_spread(sum, a.e[ai] + b.e[s] +
                                      2 * u * (std::fabs(double(sum)) + a.e[ai] + b.e[s]));
      }
  return x;
}

RowScaleUlps row_scale_ulps(const std::vector<double>& e, const std::vector<double>& ours,
                            const std::vector<double>& official, int64_t row) {
  RowScaleUlps r;
  for (size_t first = 0; first < official.size(); first += size_t(row)) {
    double scale = 0;
    for (size_t i = first; i < first + size_t(row); ++i)
      scale = std::max(scale, std::fabs(official[i]));
    const double ulp = properties::bf16_ulp_of(scale);
    for (size_t i = first; i < first + size_t(row); ++i) {
      r.bound = std::max(r.bound, e[i] / ulp);
      r.diff = std::max(r.diff, std::fabs(ours[i] - official[i]) / ulp);
    }
  }
  return r;
}

} // namespace v4::harness
