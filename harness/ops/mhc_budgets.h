// ULP budgets of the mHC outputs (spec §14) when an fp32 implementation - a CUDA kernel, or the
// official torch code in the golden files - is compared with the reference. Each budget is
// computed here from rounding counts, so the derivation and the number cannot drift apart.
// u = 2^-24 (fp32 unit roundoff); a relative error e is fewer than e/u fp32 ULPs (the spacing of
// fp32 values exceeds u·|x|). Reference: sums in double rounded once, every other operation
// rounded to fp32 where the model rounds it. Implementation: fp32 throughout, any summation order,
// FMA allowed, expf within 2 ULPs (CUDA's documented bound), division or reciprocal-multiply.
#pragma once

#include <cmath>
#include <cstdint>

namespace v4::harness::mhc_budget {

// ---- Sinkhorn comb ------------------------------------------------------------------------------
// Each of the H = 2·iters half-steps (the row softmax counts as the first) divides a row or a
// column by (its sum + eps). Its rounding errors are of two kinds, in units of u:
//   common to the whole row/column (the rounded sum, + eps, a reciprocal):
//       reference: softmax 1 (sum), then 2 (sum, + eps);   implementation: softmax 4, then 5
//       (a 4-term fp32 sum in any order: 3; + eps: 1; reciprocal: 1);
//   per entry (the division; in the softmax also exp and + eps):
//       reference: softmax 3, then 1;                      implementation: softmax 6 (expf 2 ULP
//       = 4u, division, + eps), then 1.
// Propagation, in log coordinates with Hilbert's projective metric d_H on the scaling vectors:
// exact half-steps keep the cross ratios of the current kernel K and never expand d_H
// (Birkhoff-Hopf; no credit is taken for the contraction ratio tanh(Δ/4) < 1, which tends to 1
// for wide-range logits). A common error c_s moves the scaling by <= 2c_s once. Per-entry errors
// accumulate in K: κ_s = Σ_{t<=s} p_t, and every later half-step run with the perturbed K moves
// the scaling by <= 2κ (d_H(K'x, Kx) <= 2‖log K' - log K‖∞), so they grow with the number of
// steps left. The final column step pins each column's sum, so an entry's log error is at most
// the row scaling's d_H error before it plus 2κ_H + c_H:
//   B = 2c_1 + Σ_{s=2}^{H-1} (2κ_{s-1} + 2c_s) + 2κ_H + c_H.
// The budget is B_reference + B_implementation. A difference of δ (in u) between the two sides'
// logits moves the softmax's log entries by <= 2δ: it adds 2δ to the implementation's first
// per-entry error.
// Measured (docs/mhc.md): golden 10 ULPs; an fp32 model of the official order reaches 77 ULPs
// over 14 000 matrices with logits ×0.3 to ×100. The bound is a worst case, not a fit.
inline double sinkhorn_side_u(int iters, double softmax_common, double step_common,
                              double softmax_entry, double step_entry) {
  const int h = 2 * iters;
  double kappa = softmax_entry;  // κ_1
  double e = 2 * softmax_common; // d_H error of the scaling after half-step 1
  for (int s = 2; s <= h - 1; ++s) {
    e += 2 * kappa + 2 * step_common;
    kappa += step_entry; // κ_s
  }
  kappa += step_entry; // κ_H
  return e + 2 * kappa + step_common;
}
inline double sinkhorn_comb_ulps(int iters, double logit_error_u = 0) {
  const double extra = 2 * logit_error_u;
  return std::ceil(sinkhorn_side_u(iters, 1, 2, 3, 1) + sinkhorn_side_u(iters, 4, 5, 6 + extra, 1));
}

// ---- gates: pre = σ(z) + eps, post = 2σ(z), z = μ·scale + base ----
// σ = 1/(1 + e^-z): implementation expf (4u) + add + division =
// 6u relative, reference (correctly rounded) 1u: 7u. An FMA for z changes it by <= u·|μ·scale| <=
// z_fma_u and σ by (1 - σ)·that, relative. pre adds two + eps roundings (2u). post = 2σ is exact
// scaling.
inline double pre_ulps(double z_fma_u) {
  return 7 + 2 + z_fma_u;
}
inline double post_ulps(double z_fma_u) {
  return 7 + z_fma_u;
}

// ---- mixes μ = (fn·x̂)·rsqrt(mean(x̂²) + eps), a K = 4·dim term fp32 dot product ----
// No useful worst-case bound exists (γ_K·Σ|fn_i x_i| is ~10% of μ at K =
// 28672), so this is the probabilistic bound of Higham and Mary (2019): with independent zero-mean
// rounding errors, |Σ_k δ_k s_k| <= λ·u·sqrt(Σ_k s_k²) except with probability 2·exp(-λ²/2), for
// any order of the partial sums s_k. λ = 10 (failure <= 4e-22 per value). For the registered inputs
// (fn ~ N(0, 1/K), so μ ~ N(0, 1)), every partial sum stays below 8 (failure <= 2K·e^-32 per
// value) and |μ| <= 8:
//   dot:              λ·8·sqrt(K)·u
//   mean of squares:  positive terms, Σ s_k² <= (K/3)·total², relative λ·sqrt(K/3)·u, halved by
//                     the rsqrt, times |μ| <= 8
//   rsqrt (2 ULP), product, dot rounding: 4u·|μ|.
inline double mixes_abs_error_u(int64_t k) {
  const double lambda = 10, partial_max = 8, mu_max = 8;
  return std::ceil(lambda * partial_max * std::sqrt(double(k)) +
                   lambda / 2 * std::sqrt(double(k) / 3) * mu_max + 4 * mu_max);
}

// ---- bf16 outputs that can cancel: an absolute error, expressed through a floor ----
// y = bf16(Σ_j pre_j·X_j) with pre from μ: |Δpre_j| <= σ'·scale·|Δμ| + 11u <=
// mu_u/4 + 11 (in u, scale <= 1; 11u: the gate roundings incl. an FMA), and the four-term fp32 sum
// adds 7u·Σ|X_j| (both sides), so |Δy| <= 4·x_max·(mu_u/4 + 11)u + 28·x_max·u for streams with |X|
// <= x_max.
inline double weighted_sum_abs_error(double mu_u, double x_max) {
  return (4 * x_max * (mu_u / 4 + 11) + 28 * x_max) * 0x1p-24;
}
// The smallest power of two F whose bf16 spacing F·2^-7 exceeds an absolute error e: with this
// floor the two fp32 values are less than one spacing apart everywhere, so their bf16 roundings
// are at most 2 ULPs apart (measured at max(|x|, F)).
inline double bf16_floor_for(double e) {
  return std::exp2(std::floor(std::log2(e * 128)) + 1);
}

} // namespace v4::harness::mhc_budget
