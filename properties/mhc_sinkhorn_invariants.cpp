#include "properties/mhc_sinkhorn_invariants.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "harness/ops/mhc_budgets.h"
#include "reference/mhc_sinkhorn.h"

namespace v4::properties {

using harness::PropertyOutcome;
using harness::Tensor;

Mat4 to_mat4(const float* m) {
  Mat4 a;
  for (int i = 0; i < 16; ++i)
    a[size_t(i)] = m[i];
  return a;
}

double spectral_norm(const double* a, int n) {
  // G = AᵀA (symmetric positive semidefinite), then cyclic Jacobi rotations until the
  // off-diagonal part is negligible; the largest diagonal entry is σ_max².
  std::vector<double> g(size_t(n * n), 0.0);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j)
      for (int k = 0; k < n; ++k)
        g[size_t(i * n + j)] += a[k * n + i] * a[k * n + j];
  for (int sweep = 0; sweep < 100; ++sweep) {
    double off = 0, diag = 0;
    for (int i = 0; i < n; ++i) {
      diag += g[size_t(i * n + i)] * g[size_t(i * n + i)];
      for (int j = i + 1; j < n; ++j)
        off += g[size_t(i * n + j)] * g[size_t(i * n + j)];
    }
    if (off <= 1e-34 * diag)
      break;
    for (int p = 0; p < n; ++p) {
      for (int q = p + 1; q < n; ++q) {
        const double gpq = g[size_t(p * n + q)];
        if (gpq == 0)
          continue;
        const double theta = (g[size_t(q * n + q)] - g[size_t(p * n + p)]) / (2 * gpq);
        const double t =
            (theta >= 0 ? 1.0 : -1.0) / (std::fabs(theta) + std::sqrt(theta * theta + 1));
        const double c = 1 / std::sqrt(t * t + 1), s = t * c;
        for (int k = 0; k < n; ++k) { // G ← GJ, then JᵀG
          const double gkp = g[size_t(k * n + p)], gkq = g[size_t(k * n + q)];
          g[size_t(k * n + p)] = c * gkp - s * gkq;
          g[size_t(k * n + q)] = s * gkp + c * gkq;
        }
        for (int k = 0; k < n; ++k) {
          const double gpk = g[size_t(p * n + k)], gqk = g[size_t(q * n + k)];
          g[size_t(p * n + k)] = c * gpk - s * gqk;
          g[size_t(q * n + k)] = s * gpk + c * gqk;
        }
      }
    }
  }
  double top = 0;
  for (int i = 0; i < n; ++i)
    top = std::max(top, g[size_t(i * n + i)]);
  return std::sqrt(top);
}

double projective_diameter(const Mat4& k) {
  double d = 0;
  for (int i = 0; i < 4; ++i)
    for (int l = 0; l < 4; ++l)
      for (int j = 0; j < 4; ++j)
        for (int m = 0; m < 4; ++m) {
          const double v = std::log(k[size_t(i * 4 + j)]) + std::log(k[size_t(l * 4 + m)]) -
                           std::log(k[size_t(i * 4 + m)]) - std::log(k[size_t(l * 4 + j)]);
          d = std::max(d, v);
        }
  return d;
}

double CombStats::row_residual() const {
  return std::max(max_rowsum - 1, 1 - min_rowsum);
}
double CombStats::col_residual() const {
  return std::max(max_colsum - 1, 1 - min_colsum);
}

CombStats comb_stats(const float* comb) {
  CombStats s;
  s.min_entry = s.min_rowsum = s.min_colsum = std::numeric_limits<double>::infinity();
  s.max_entry = s.max_rowsum = s.max_colsum = -std::numeric_limits<double>::infinity();
  for (int j = 0; j < 4; ++j) {
    double row = 0, col = 0; // sums of four fp32 values in double: exact up to 2^-53 relative
    for (int k = 0; k < 4; ++k) {
      row += comb[j * 4 + k];
      col += comb[k * 4 + j];
      s.min_entry = std::min(s.min_entry, double(comb[j * 4 + k]));
      s.max_entry = std::max(s.max_entry, double(comb[j * 4 + k]));
    }
    s.min_rowsum = std::min(s.min_rowsum, row);
    s.max_rowsum = std::max(s.max_rowsum, row);
    s.min_colsum = std::min(s.min_colsum, col);
    s.max_colsum = std::max(s.max_colsum, col);
  }
  const Mat4 m = to_mat4(comb);
  s.spectral = spectral_norm(m.data(), 4);
  return s;
}

namespace {

// The reference's row step, restated to observe the state before the final column step.
void row_step(float* m, float eps) {
  for (int j = 0; j < 4; ++j) {
    double sum = 0;
    for (int k = 0; k < 4; ++k)
      sum += m[j * 4 + k];
    const float denominator = float(sum) + eps;
    for (int k = 0; k < 4; ++k)
      m[j * 4 + k] /= denominator;
  }
}

} // namespace

SinkhornTrajectory sinkhorn_trajectory(const float* logits, int iters, float eps) {
  SinkhornTrajectory t;
  for (int k = 1; k <= iters; ++k) {
    float c[16];
    reference::sinkhorn(c, logits, 1, k, eps);
    const CombStats s = comb_stats(c);
    t.row_residual.push_back(s.row_residual());
    t.min_colsum.push_back(s.min_colsum);
    if (k == iters - 1) {
      row_step(c, eps);
      for (int col = 0; col < 4; ++col)
        t.presum[size_t(col)] = double(c[col]) + c[4 + col] + c[8 + col] + c[12 + col];
    }
  }
  for (int j = 0; j < 4; ++j) { // K = softmax(A) + eps in double
    double row_max = logits[j * 4];
    for (int k = 1; k < 4; ++k)
      row_max = std::max(row_max, double(logits[j * 4 + k]));
    double sum = 0;
    for (int k = 0; k < 4; ++k)
      sum += std::exp(double(logits[j * 4 + k]) - row_max);
    for (int k = 0; k < 4; ++k) {
      t.k_matrix[size_t(j * 4 + k)] = std::exp(double(logits[j * 4 + k]) - row_max) / sum + eps;
    }
  }
  if (iters == 1) { // the final column step is the first: S = column sums of K
    for (int col = 0; col < 4; ++col) {
      t.presum[size_t(col)] = 0;
      for (int j = 0; j < 4; ++j)
        t.presum[size_t(col)] += t.k_matrix[size_t(j * 4 + col)];
    }
  }
  return t;
}

// ---- bounds ----
// Lower bounds on sums during the iteration (exact arithmetic; rounding is covered separately):
//  - every entry after a column step is at most its column's sum, which is < 1, so row sums
//    after a column step are < 4 (R <= 4);
//  - the softmax rows sum to 1 + 4eps and each column sum of K is at most 4 + 4eps, so the row
//    sums after the first column step are >= (1 + 4eps)/(4 + 5eps) > 1/4;
//  - a column sum before column step k >= 2 is S = Σ_i P_ij/(r_i + eps) >= C_j/(4 + eps), with
//    C_j = S'/(S' + eps) the column sum after the previous column step; C >= 4/5 after the first
//    (S' >= 4eps), so S >= 1/5 for every k >= 2, and then C >= 1 - 5eps.
// Column sums after the final column step: colsum = Σ_j fl(m_jk / fl(fl(S) + eps)) =
// S/(S + eps)·(1 ± 5u) for an fp32 sum in any order (3 roundings in S, 1 for + eps, 1 in each
// division), 3u for the reference. So, for iters >= 2: |colsum - 1| <= 5eps + 6u.
double colsum_slack(float eps) {
  return 5.0001 * double(eps) + 6 * kU32;
}

// Nested intervals (exact arithmetic): let P follow a column step, with column sums C_j and row
// sums in [r_min, r_max]. The row step gives Q = P_ij/(r_i + eps), whose column sums are convex
// combinations s_j ∈ [C_j/(r_max + eps), C_j/(r_min + eps)]; the column step then gives row sums
// ρ_i = Σ_j Q_ij/(s_j + eps), a combination of 1/(s_j + eps) with weights summing to
// r_i/(r_i + eps). Hence ρ_max <= r_max/C_min and ρ_min >= r_min/(1 + eps(r_min + eps)) >=
// r_min(1 - 5eps): max|rowsum - 1| can grow per iteration only by the factor 1/C_min <= 1 + 5eps
// (k >= 2) and by rounding (three half-steps of <= 5u each: 15u, rounded up to 16u). So
// D_{k+1} <= D_k + (1 + D_k)·δ with δ = 5eps + 16u. It is non-increasing up to δ for every
// logit range, not only the model's typical one.
double monotone_slack(float eps) {
  return 5.0001 * double(eps) + 16 * kU32;
}

// Birkhoff-Hopf (Franklin and Lorenz 1989): with K positive and τ = tanh(Δ(K)/4), each half-step
// contracts Hilbert's metric d_H between the scaling vector and the eps-free fixed point by τ.
// The first column scaling c_1 = 1/(Kᵀ1) and the fixed point c* = 1/(Kᵀr*) both lie in the image
// of Kᵀ, so d_H(c_1, c*) <= Δ and d_H(c_k, c*) <= τ^(2k-2)Δ. The row sums after the last column
// step are rowsum_i = (K c_T)_i / (K c_{T-1})_i, so osc(log rowsum) <= τ·d_H(c_T, c_{T-1}) <=
// τ^(2T-3)(1 + τ²)Δ. The eps in the denominators perturbs each half-step by at most
// log(1 + eps/S) in d_H: the first column step by log(1 + eps/S_min(K)), later column steps by
// 5eps (S >= 1/5), row steps by 4eps (row sums >= 1/4); rounding by 12u per half-step (two
// errors of <= 6u). Summing these without contraction credit gives σ, so osc <= τ^(2T-3)(1 +
// τ²)Δ + 2σ. The row sums average Σ colsum/4 ∈ [1 - 5eps - 6u, 1 + 6u], so
// max|rowsum - 1| <= (1 + 6u)·e^osc - 1 + 5eps + 6u. Δ is taken 1e-4 larger to cover the fp32
// rounding of K. Vacuous (> 3, the trivial bound) for wide-range logits, tight for narrow ones.
double birkhoff_rowsum_bound(const Mat4& k, int iters, float eps) {
  if (iters < 2)
    return 3.0;
  const double delta = projective_diameter(k) + 1e-4;
  const double tau = std::tanh(delta / 4);
  double smin = std::numeric_limits<double>::infinity();
  for (int col = 0; col < 4; ++col)
    smin = std::min(smin,
                    k[size_t(col)] + k[size_t(4 + col)] + k[size_t(8 + col)] + k[size_t(12 + col)]);
  const double sigma = std::log1p(eps / smin) + (iters - 1) * 9.0001 * eps + 2 * iters * 12 * kU32;
  const double osc = std::pow(tau, 2 * iters - 3) * (1 + tau * tau) * delta + 2 * sigma;
  return std::min(3.0, (1 + 6 * kU32) * std::exp(osc) - 1 + 5 * eps + 6 * kU32);
}

// The nested-interval chain from the reference's own residual after two iterations. A
// candidate's D_2 differs from the reference's by its entry errors after two iterations, at most
// sinkhorn_comb_ulps(2)·u relative (mhc_budgets.h), so D_T <= (1 + D_2)(1 + that)(1 + δ)^(T-2) - 1.
double chain_rowsum_bound(const SinkhornTrajectory& t, int iters, float eps) {
  if (iters < 2)
    return 3.0;
  const double two_iteration_error = harness::mhc_budget::sinkhorn_comb_ulps(2) * kU32;
  return (1 + t.row_residual[1]) * (1 + two_iteration_error) *
             std::pow(1 + monotone_slack(eps), iters - 2) -
         1;
}

// ---- domain properties ----
namespace {

int64_t tokens_of(const Tensor& comb) {
  return comb.numel() / 16;
}

PropertyOutcome finish(PropertyOutcome o, int64_t bad, const std::string& pass_detail) {
  o.passed = bad == 0;
  if (o.passed)
    o.detail = pass_detail;
  return o;
}

} // namespace

PropertyOutcome check_comb_positive(const Tensor& comb) {
  PropertyOutcome o;
  o.bound = "every comb entry > 0 (softmax + eps > 0, and positive divisions keep it so)";
  const float* c = comb.data<float>();
  double min_entry = std::numeric_limits<double>::infinity();
  int64_t bad = 0;
  for (int64_t i = 0; i < comb.numel(); ++i) {
    min_entry = std::min(min_entry, double(c[i]));
    if (!(c[i] > 0) && bad++ == 0)
      o.detail = fmt::format("token {} entry {}: {}", i / 16, i % 16, c[i]);
  }
  o.measured = min_entry;
  return finish(o, bad, fmt::format("min entry {:.3g} over {} tokens", min_entry, tokens_of(comb)));
}

PropertyOutcome check_colsums(const Tensor& comb, int iters, float eps) {
  PropertyOutcome o;
  // After the first column step alone, a column of K with only eps entries sums to 4/5.
  o.bound_value = iters >= 2 ? colsum_slack(eps) : 0.2 + 6 * kU32;
  o.bound =
      fmt::format("max |colsum - 1| <= {:.3g} (S/(S+eps) with S >= 1/5, and 6u)", o.bound_value);
  int64_t bad = 0;
  for (int64_t t = 0; t < tokens_of(comb); ++t) {
    const CombStats s = comb_stats(comb.data<float>() + t * 16);
    o.measured = std::max(o.measured, s.col_residual());
    if (s.col_residual() > o.bound_value && bad++ == 0)
      o.detail = fmt::format("token {}: |colsum - 1| = {:.3g}", t, s.col_residual());
  }
  return finish(
      o, bad, fmt::format("max |colsum - 1| = {:.3g} over {} tokens", o.measured, tokens_of(comb)));
}

PropertyOutcome check_colsums_match_presum(const Tensor& comb, const Tensor& logits, int iters,
                                           float eps) {
  PropertyOutcome o;
  // See colsum_slack: colsum_k = S_k/(S_k + eps)·(1 ± 5u); S_k is the reference's. A candidate's
  // own S differs by its comb error (< 3e-4 relative), which moves S/(S + eps) by < 2e-9 < u.
  o.bound_value = 6;
  o.bound = "|colsum_k - S_k/(S_k + eps)| <= 6u, S_k = column sum before the final column step";
  int64_t bad = 0;
  for (int64_t t = 0; t < tokens_of(comb); ++t) {
    const SinkhornTrajectory tr = sinkhorn_trajectory(logits.data<float>() + t * 16, iters, eps);
    const float* c = comb.data<float>() + t * 16;
    for (int k = 0; k < 4; ++k) {
      const double col = double(c[k]) + c[4 + k] + c[8 + k] + c[12 + k];
      const double s = tr.presum[size_t(k)], want = s / (s + eps);
      const double err_u = std::fabs(col - want) / kU32;
      o.measured = std::max(o.measured, err_u);
      if (err_u > o.bound_value && bad++ == 0) {
        o.detail = fmt::format("token {} column {}: colsum {:.9g}, S/(S+eps) {:.9g} ({:.3g}u)", t,
                               k, col, want, err_u);
      }
    }
  }
  return finish(o, bad, fmt::format("max {:.3g}u over {} tokens", o.measured, tokens_of(comb)));
}

PropertyOutcome check_rowsum_bound(const Tensor& comb, const Tensor& logits, int iters, float eps) {
  PropertyOutcome o;
  o.bound = "max |rowsum - 1| <= min(Birkhoff-Hopf bound from Δ(K) and iters, (1 + D_2)(1 + "
            "δ)^(iters-1) - 1)";
  int64_t bad = 0;
  double worst_ratio = 0;
  for (int64_t t = 0; t < tokens_of(comb); ++t) {
    const float* a = logits.data<float>() + t * 16;
    const SinkhornTrajectory tr = sinkhorn_trajectory(a, std::max(iters, 2), eps);
    const double bound = std::min(birkhoff_rowsum_bound(tr.k_matrix, iters, eps),
                                  chain_rowsum_bound(tr, iters, eps));
    const double d = comb_stats(comb.data<float>() + t * 16).row_residual();
    if (d > o.measured) {
      o.measured = d;
      o.bound_value = bound;
    }
    worst_ratio = std::max(worst_ratio, d / bound);
    if (d > bound && bad++ == 0)
      o.detail = fmt::format("token {}: max |rowsum - 1| = {:.4g} > {:.4g}", t, d, bound);
  }
  return finish(o, bad,
                fmt::format("max |rowsum - 1| = {:.4g} (its bound {:.4g}); worst residual/bound "
                            "{:.3g} over {} tokens",
                            o.measured, o.bound_value, worst_ratio, tokens_of(comb)));
}

PropertyOutcome check_rowsum_monotone(const Tensor& logits, int iters, float eps) {
  PropertyOutcome o;
  o.bound_value = monotone_slack(eps);
  o.bound = fmt::format(
      "D_(k+1) <= D_k + (1 + D_k)·{:.3g} for k >= 2 (nested intervals), D_k = max|rowsum - 1| "
      "after k iterations",
      o.bound_value);
  int64_t bad = 0, increases = 0;
  for (int64_t t = 0; t < logits.numel() / 16; ++t) {
    const SinkhornTrajectory tr = sinkhorn_trajectory(logits.data<float>() + t * 16, iters, eps);
    for (int k = 2; k < iters; ++k) {
      const double before = tr.row_residual[size_t(k - 1)], after = tr.row_residual[size_t(k)];
      if (after > before)
        ++increases;
      const double growth = (after - before) / (1 + before);
      o.measured = std::max(o.measured, growth);
      if (growth > o.bound_value && bad++ == 0) {
        o.detail =
            fmt::format("token {}: D_{} = {:.6g} -> D_{} = {:.6g}", t, k, before, k + 1, after);
      }
    }
  }
  return finish(
      o, bad,
      fmt::format("largest relative growth {:.3g} ({} rounding-level increases) over {} tokens",
                  o.measured, increases, logits.numel() / 16));
}

namespace {

// Per-token a-priori factors for the norms: the row-sum bound 1 + R_t (from the logits when
// known, else the measured max row sum) and the column-sum bound 1 + C.
double column_slack(int iters, float eps) {
  return iters >= 2 ? colsum_slack(eps) : 0.2 + 6 * kU32;
}
double row_factor(const float* comb, const Tensor& logits, int64_t t, int iters, float eps) {
  if (logits.numel() == 0)
    return comb_stats(comb).max_rowsum;
  const SinkhornTrajectory tr =
      sinkhorn_trajectory(logits.data<float>() + t * 16, std::max(iters, 2), eps);
  return 1 + std::min(birkhoff_rowsum_bound(tr.k_matrix, iters, eps),
                      chain_rowsum_bound(tr, iters, eps));
}

} // namespace

PropertyOutcome check_spectral(const Tensor& comb, const Tensor& logits, int iters, float eps) {
  PropertyOutcome o;
  // ‖B‖₂ <= sqrt(‖B‖₁‖B‖∞) = sqrt(max rowsum · max colsum) for B = combᵀ >= 0, and the sums are
  // bounded a priori: rows by 1 + R (check_rowsum_bound), columns by 1 + C (colsum_slack). Below,
  // ‖B‖₂ >= 1ᵀB1/4 = Σ colsum/4 >= 1 - C. The Jacobi value is accurate to ~1e-15: 1e-12 slack.
  const double c = column_slack(iters, eps);
  o.bound = fmt::format(
      "1 - {0:.3g} <= ||comb||_2 <= sqrt((1 + R_t)(1 + {0:.3g})), R_t the row-sum bound", c);
  int64_t bad = 0;
  double worst = 0;
  for (int64_t t = 0; t < tokens_of(comb); ++t) {
    const float* m = comb.data<float>() + t * 16;
    const double norm = spectral_norm(to_mat4(m).data(), 4);
    const double hi = std::sqrt(row_factor(m, logits, t, iters, eps) * (1 + c)) * (1 + 1e-12),
                 lo = (1 - c) * (1 - 1e-12);
    if (norm > worst) {
      worst = norm;
      o.bound_value = hi;
    }
    if ((norm > hi || norm < lo) && bad++ == 0) {
      o.detail =
          fmt::format("token {}: ||comb||_2 = {:.9g} outside [{:.9g}, {:.9g}]", t, norm, lo, hi);
    }
  }
  o.measured = worst;
  return finish(
      o, bad,
      fmt::format("max ||comb||_2 = 1 + {:.3g} over {} tokens", worst - 1, tokens_of(comb)));
}

PropertyOutcome check_products(const Tensor& comb, const Tensor& logits, int depth, int iters,
                               float eps) {
  PropertyOutcome o;
  // P = B_depth ⋯ B_1, B_t = comb_tᵀ >= 0. ‖P‖∞ <= Π max rowsum(B_t) = Π max colsum(comb_t) and
  // ‖P‖₁ <= Π max rowsum(comb_t), so ‖P‖₂ <= sqrt(‖P‖₁‖P‖∞) <= Π sqrt((1 + R_t)(1 + C)). Below:
  // B_t·1 = colsums of comb_t >= 1 - C entrywise, so P·1 >= (1 - C)^depth·1 and
  // ‖P‖₂ >= ‖P1‖/‖1‖ >= (1 - C)^depth.
  const double c = column_slack(iters, eps);
  o.bound = fmt::format(
      "(1 - C)^{0} <= ||B_{0} ... B_1||_2 <= prod sqrt((1 + R_t)(1 + C)), C = {1:.3g}", depth, c);
  const int64_t groups = tokens_of(comb) / depth;
  int64_t bad = 0;
  double worst = 0;
  for (int64_t g = 0; g < groups; ++g) {
    Mat4 p{};
    for (int i = 0; i < 4; ++i)
      p[size_t(i * 5)] = 1;
    double hi = 1;
    for (int d = 0; d < depth; ++d) {
      const int64_t t = g * depth + d;
      const float* m = comb.data<float>() + t * 16;
      hi *= std::sqrt(row_factor(m, logits, t, iters, eps) * (1 + c));
      Mat4 next{};
      for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j)
          for (int k = 0; k < 4; ++k)
            next[size_t(i * 4 + j)] += double(m[k * 4 + i]) * p[size_t(k * 4 + j)];
      p = next;
    }
    const double norm = spectral_norm(p.data(), 4);
    hi *= 1 + 1e-9;
    const double lo = std::pow(1 - c, depth) * (1 - 1e-9);
    if (norm > worst) {
      worst = norm;
      o.bound_value = hi;
    }
    if ((norm > hi || norm < lo) && bad++ == 0) {
      o.detail =
          fmt::format("group {}: ||P||_2 = {:.9g} outside [{:.9g}, {:.9g}]", g, norm, lo, hi);
    }
  }
  o.measured = worst;
  if (groups == 0) {
    o.passed = false;
    o.detail = fmt::format(
        "fewer than {} tokens: no product formed (the cases must have enough tokens)", depth);
    return o;
  }
  return finish(o, bad,
                fmt::format("max ||P||_2 = {:.6g} (its bound {:.6g}) over {} products of {}", worst,
                            o.bound_value, groups, depth));
}

PropertyOutcome check_uniform_tokens(const Tensor& comb, const Tensor& logits, float eps) {
  PropertyOutcome o;
  // All logits equal: the softmax is exactly 1/4, and every later step treats all 16 entries
  // alike, so they stay bitwise equal; each column step leaves x = S/(4(S + eps)) with S = 4x'
  // near 1, so |x - 1/4| <= eps/4 + 3u.
  o.bound_value = double(eps) / 4 + 3 * kU32;
  o.bound = fmt::format("uniform logits: all 16 entries bitwise equal and |x - 1/4| <= {:.3g}",
                        o.bound_value);
  int64_t bad = 0, found = 0;
  for (int64_t t = 0; t < tokens_of(comb); ++t) {
    const float* a = logits.data<float>() + t * 16;
    if (!std::all_of(a, a + 16, [&](float v) { return v == a[0]; }))
      continue;
    ++found;
    const float* c = comb.data<float>() + t * 16;
    const bool equal = std::all_of(c, c + 16, [&](float v) { return v == c[0]; });
    o.measured = std::max(o.measured, std::fabs(double(c[0]) - 0.25));
    if ((!equal || std::fabs(double(c[0]) - 0.25) > o.bound_value) && bad++ == 0) {
      o.detail = fmt::format("token {}: entries not all equal to ~1/4 (first {:.9g})", t, c[0]);
    }
  }
  if (found == 0) {
    o.passed = false;
    o.detail = "no token with uniform logits: the input generator must plant one";
    return o;
  }
  return finish(o, bad,
                fmt::format("{} uniform tokens, max |x - 1/4| = {:.3g}", found, o.measured));
}

namespace {

const std::vector<std::array<int, 4>>& all_permutations() {
  static const std::vector<std::array<int, 4>> perms = [] {
    std::vector<std::array<int, 4>> v;
    std::array<int, 4> p = {0, 1, 2, 3};
    do
      v.push_back(p);
    while (std::next_permutation(p.begin(), p.end()));
    return v;
  }();
  return perms;
}

} // namespace

bool find_permutation(const float* a, const float* b, std::array<int, 4>& rows,
                      std::array<int, 4>& cols) {
  std::array<float, 16> x, y;
  std::copy(a, a + 16, x.begin());
  std::copy(b, b + 16, y.begin());
  std::sort(x.begin(), x.end());
  std::sort(y.begin(), y.end());
  if (x != y)
    return false; // not even the same multiset of values
  for (const auto& r : all_permutations()) {
    for (const auto& q : all_permutations()) {
      float pa[16];
      permute(pa, a, r, q);
      if (!std::equal(pa, pa + 16, b))
        continue;
      rows = r;
      cols = q;
      return true;
    }
  }
  return false;
}

Mat4 permute(const Mat4& a, const std::array<int, 4>& rows, const std::array<int, 4>& cols) {
  Mat4 out;
  for (int j = 0; j < 4; ++j)
    for (int k = 0; k < 4; ++k)
      out[size_t(j * 4 + k)] = a[size_t(rows[size_t(j)] * 4 + cols[size_t(k)])];
  return out;
}

void permute(float* out, const float* a, const std::array<int, 4>& rows,
             const std::array<int, 4>& cols) {
  for (int j = 0; j < 4; ++j)
    for (int k = 0; k < 4; ++k)
      out[j * 4 + k] = a[rows[size_t(j)] * 4 + cols[size_t(k)]];
}

bool sums_exact_in_double(const float* logits, int iters, float eps) {
  // The softmax's exp values: exact sums need each nonzero e = exp(a - max) >= 2^-28, i.e.
  // a - max >= -19.4 (or e == 0 exactly, below -103.9).
  for (int j = 0; j < 4; ++j) {
    const float* row = logits + j * 4;
    const float row_max = *std::max_element(row, row + 4);
    for (int k = 0; k < 4; ++k) {
      const double d = double(row[k] - row_max);
      if (d < -19.4 && d > -104)
        return false;
    }
  }
  // Every iterate: entries after a column step are observed (>= 2^-25 required); those after a
  // row step are at least a quarter of the preceding ones (row sums < 4), so >= 2^-27.
  for (int k = 1; k <= iters; ++k) {
    float c[16];
    reference::sinkhorn(c, logits, 1, k, eps);
    if (*std::min_element(c, c + 16) < 0x1p-25f)
      return false;
  }
  return true;
}

PropertyOutcome check_permuted_tokens(const Tensor& comb, const Tensor& logits, int iters,
                                      float eps, double budget_ulps) {
  PropertyOutcome o;
  // Permutation equivariance S(PAQ) = P S(A) Q. Every step of the reference is a function of the
  // multiset of a row's (column's) values except the order of its double sums; a sum of four
  // fp32 values in [2^-28, 4] is exact in double (all are multiples of 2^-51 below 2^2), so then
  // the order cannot matter and the result is bitwise equivariant (sums_exact_in_double decides
  // this from the logits). Otherwise a double sum may round, and only when an exact sum lies
  // within 3 double ULPs of an fp32 rounding boundary (probability ~2^-27 per sum) does one fp32
  // rounding differ; such a pair is held to the comb budget instead. An implementation summing in
  // fp32 is equivariant only up to its own comb budget; this check asks the candidate for bitwise.
  o.bound = fmt::format(
      "bitwise comb(P A Q) == P comb(A) Q for planted permuted pairs whose sums are exact in "
      "double; <= {} ulp otherwise",
      budget_ulps);
  int64_t bad = 0, found = 0, inexact = 0;
  const float* a = logits.data<float>();
  const float* c = comb.data<float>();
  for (int64_t t = 1; t < tokens_of(comb); ++t) {
    std::array<int, 4> rows{}, cols{};
    if (!find_permutation(a + (t - 1) * 16, a + t * 16, rows, cols))
      continue;
    ++found;
    const bool exact = sums_exact_in_double(a + (t - 1) * 16, iters, eps);
    if (!exact)
      ++inexact;
    float pc[16];
    permute(pc, c + (t - 1) * 16, rows, cols);
    for (int i = 0; i < 16; ++i) {
      const double d = std::fabs(double(std::bit_cast<int32_t>(pc[i])) -
                                 double(std::bit_cast<int32_t>(c[t * 16 + i])));
      o.measured = std::max(o.measured, d); // positive entries: bit patterns are ordered
      if (d > (exact ? 0 : budget_ulps) && bad++ == 0) {
        o.detail = fmt::format("token {} entry {}: {:.9g} vs permuted {:.9g} ({} ulp)", t, i,
                               c[t * 16 + i], pc[i], d);
      }
    }
  }
  if (found == 0) {
    o.passed = false;
    o.detail = "no permuted token pair: the input generator must plant one";
    return o;
  }
  return finish(
      o, bad,
      fmt::format("{} permuted pairs ({} with possibly inexact double sums), max {} ulp apart",
                  found, inexact, o.measured));
}

PropertyOutcome check_gate_ranges(const Tensor& pre, const Tensor& post,
                                  const std::vector<float>& z_pre, const std::vector<float>& z_post,
                                  float eps) {
  PropertyOutcome o;
  // σ(z) ∈ [0, 1] in fp32, so pre = fl(σ + eps) ∈ [fl(eps), fl(1 + eps)] and post = 2σ ∈ [0, 2]
  // always. Strictly inside when the gate argument is moderate: σ >= 2^-44 (half the spacing at
  // eps) for z > -30.5, σ > 0 for z > -103, and fl(σ + eps) < fl(1 + eps), σ < 1 for z < 15.9
  // (1 - σ >= 2^-23): checked for -29 < z < 15.
  const float lo = eps, hi = 1.0f + eps;
  o.bound = fmt::format("pre in [{:g}, {:.9g}], post in [0, 2]; strict for -29 < z < 15", lo, hi);
  int64_t bad = 0;
  const float* p = pre.data<float>();
  const float* q = post.data<float>();
  for (int64_t i = 0; i < pre.numel(); ++i) {
    const bool moderate_pre = z_pre[size_t(i)] > -29 && z_pre[size_t(i)] < 15;
    const bool moderate_post = z_post[size_t(i)] > -29 && z_post[size_t(i)] < 15;
    const bool pre_ok = p[i] >= lo && p[i] <= hi && (!moderate_pre || (p[i] > lo && p[i] < hi));
    const bool post_ok = q[i] >= 0 && q[i] <= 2 && (!moderate_post || (q[i] > 0 && q[i] < 2));
    if ((!pre_ok || !post_ok) && bad++ == 0) {
      o.detail = fmt::format("token {} stream {}: pre {:.9g} (z {:g}), post {:.9g} (z {:g})", i / 4,
                             i % 4, p[i], z_pre[size_t(i)], q[i], z_post[size_t(i)]);
    }
  }
  o.measured = double(bad);
  return finish(o, bad, fmt::format("{} gate pairs in range", pre.numel()));
}

PropertyOutcome check_post_range(const Tensor& post, const std::vector<float>& z_post) {
  PropertyOutcome o;
  // As check_gate_ranges, for post alone (hc_pre keeps pre internal).
  o.bound = "post in [0, 2]; strict for -29 < z < 15";
  int64_t bad = 0;
  const float* q = post.data<float>();
  for (int64_t i = 0; i < post.numel(); ++i) {
    const bool moderate = z_post[size_t(i)] > -29 && z_post[size_t(i)] < 15;
    const bool ok = q[i] >= 0 && q[i] <= 2 && (!moderate || (q[i] > 0 && q[i] < 2));
    if (!ok && bad++ == 0)
      o.detail = fmt::format("token {} stream {}: post {:.9g} (z {:g})", i / 4, i % 4, q[i],
                             z_post[size_t(i)]);
  }
  o.measured = double(bad);
  return finish(o, bad, fmt::format("{} post gates in range", post.numel()));
}

} // namespace v4::properties
