#include "properties/mhc_sinkhorn_invariants.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "harness/ops/mhc_budgets.h"
#include "reference/mhc_sinkhorn.h"

namespace v4::properties {

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

} // namespace v4::properties
