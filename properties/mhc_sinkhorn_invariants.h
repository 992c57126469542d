// Invariants of the mHC Sinkhorn projection and of the stream mixing (spec §14, D11), shared by
// the RapidCheck properties and the domain properties of the mhc ops. Every bound is derived in
// mhc_sinkhorn_invariants.cpp beside the code that applies it; none assumes exact double
// stochasticity. Matrices are 4×4, row-major, row j = comb[j, :] (as the reference stores them).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "harness/registry.h"

namespace v4::properties {

inline constexpr double kU32 = 0x1p-24; // fp32 unit roundoff
using Mat4 = std::array<double, 16>;

Mat4 to_mat4(const float* m);
// Largest singular value of an n×n matrix (cyclic Jacobi on AᵀA; relative accuracy ~1e-15).
double spectral_norm(const double* a, int n);
// Δ(K) = max log(K_ij·K_lm / (K_im·K_lj)): Hilbert's projective diameter of a positive matrix.
double projective_diameter(const Mat4& k);

// Row and column sums of one comb, and its spectral norm.
struct CombStats {
  double min_entry = 0, max_entry = 0;
  double min_rowsum = 0, max_rowsum = 0, min_colsum = 0, max_colsum = 0;
  double spectral = 0;
  double row_residual() const; // max_j |rowsum_j - 1|
  double col_residual() const; // max_k |colsum_k - 1|
};
CombStats comb_stats(const float* comb);

// The reference's Sinkhorn on one logit matrix, observed at every iteration count 1..T:
// row_residual[k-1] = max|rowsum - 1| after k iterations, min_colsum[k-1] likewise; presum = the
// column sums S_k just before the final column step; k_matrix = softmax(A) + eps in double.
struct SinkhornTrajectory {
  std::vector<double> row_residual, min_colsum;
  std::array<double, 4> presum{};
  Mat4 k_matrix{};
};
SinkhornTrajectory sinkhorn_trajectory(const float* logits, int iters, float eps);

// Derived bounds (see the .cpp).
double colsum_slack(float eps);   // |colsum - 1| after >= 2 iterations
double monotone_slack(float eps); // per-iteration growth allowed to max|rowsum - 1|
double birkhoff_rowsum_bound(const Mat4& k, int iters, float eps);
double chain_rowsum_bound(const SinkhornTrajectory& t, int iters, float eps);

// ---- domain properties over many tokens ----
// comb: [tokens, 4, 4] fp32 · logits: [tokens, 4, 4] fp32 (A), or empty when unknown.
harness::PropertyOutcome check_comb_positive(const harness::Tensor& comb);
harness::PropertyOutcome check_colsums(const harness::Tensor& comb, int iters, float eps);
harness::PropertyOutcome check_colsums_match_presum(const harness::Tensor& comb,
                                                    const harness::Tensor& logits, int iters,
                                                    float eps);
harness::PropertyOutcome check_rowsum_bound(const harness::Tensor& comb,
                                            const harness::Tensor& logits, int iters, float eps);
harness::PropertyOutcome check_rowsum_monotone(const harness::Tensor& logits, int iters, float eps);
// 1 - C <= ‖comb‖₂ <= sqrt((1 + R)(1 + C)) with C the column-sum slack and R the row-sum bound
// from the logits (or, when `logits` is empty, the measured max row sum).
harness::PropertyOutcome check_spectral(const harness::Tensor& comb, const harness::Tensor& logits,
                                        int iters, float eps);
// Consecutive groups of `depth` tokens stand for `depth` mHC sites (about 120 in Pro): the
// product B_depth ⋯ B_1 of B = combᵀ stays within the same a-priori factors. Fails when no group
// can be formed.
harness::PropertyOutcome check_products(const harness::Tensor& comb, const harness::Tensor& logits,
                                        int depth, int iters, float eps);
// Planted structure in the inputs: tokens whose logits are all equal give J/4-like combs (all
// entries bitwise equal); a token whose logits are a row/column permutation P·A·Q of the
// previous token's gives P·S(A)·Q.
harness::PropertyOutcome check_uniform_tokens(const harness::Tensor& comb,
                                              const harness::Tensor& logits, float eps);
// Bitwise where every double sum of the reference is exact (sums_exact_in_double), else within
// budget_ulps.
harness::PropertyOutcome check_permuted_tokens(const harness::Tensor& comb,
                                               const harness::Tensor& logits, int iters, float eps,
                                               double budget_ulps);
bool sums_exact_in_double(const float* logits, int iters, float eps);
// pre: [tokens, 4] · post: [tokens, 4] · z_pre, z_post: [tokens, 4] the gate arguments (fp32).
harness::PropertyOutcome check_gate_ranges(const harness::Tensor& pre, const harness::Tensor& post,
                                           const std::vector<float>& z_pre,
                                           const std::vector<float>& z_post, float eps);

harness::PropertyOutcome check_post_range(const harness::Tensor& post,
                                          const std::vector<float>& z_post);

// Permutation helpers: out = P·A·Q for row order `rows` (out row j = A row rows[j]) and column
// order `cols` (out column k = A column cols[k]).
Mat4 permute(const Mat4& a, const std::array<int, 4>& rows, const std::array<int, 4>& cols);
void permute(float* out, const float* a, const std::array<int, 4>& rows,
             const std::array<int, 4>& cols);
// Whether b == P·a·Q for some row/column permutations; if so, returns them.
bool find_permutation(const float* a, const float* b, std::array<int, 4>& rows,
                      std::array<int, 4>& cols);

} // namespace v4::properties
