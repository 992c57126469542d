#include "properties/mhc_comb_invariants.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "properties/mhc_sinkhorn_invariants.h"

namespace v4::properties {

using harness::PropertyOutcome;
using harness::Tensor;

// ---- per-token checks over [tokens, 4, 4] tensors ----
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
