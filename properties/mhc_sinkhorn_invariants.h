// The mathematics of the mHC Sinkhorn invariants (spec §14, D11): row/column sums, spectral norm,
// projective diameter, the reference's trajectory over iteration counts, and the derived bounds,
// each derived in mhc_sinkhorn_invariants.cpp beside the code that applies it; none assumes exact
// double stochasticity. The per-token checks built on them are in mhc_comb_invariants.h.
// Matrices are 4×4, row-major, row j = comb[j, :] (as the reference stores them).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

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

// Whether every double sum of the reference's iteration on these logits is exact (then its
// permutation equivariance is bitwise; see check_permuted_tokens).
bool sums_exact_in_double(const float* logits, int iters, float eps);

// Permutation helpers: out = P·A·Q for row order `rows` (out row j = A row rows[j]) and column
// order `cols` (out column k = A column cols[k]).
Mat4 permute(const Mat4& a, const std::array<int, 4>& rows, const std::array<int, 4>& cols);
void permute(float* out, const float* a, const std::array<int, 4>& rows,
             const std::array<int, 4>& cols);
// Whether b == P·a·Q for some row/column permutations; if so, returns them.
bool find_permutation(const float* a, const float* b, std::array<int, 4>& rows,
                      std::array<int, 4>& cols);

} // namespace v4::properties
