// Invariants of Muon's Newton–Schulz orthogonalization (spec §19), shared by the RapidCheck
// properties and the harness's domain-property checks.
#pragma once

#include <cstdint>
#include <vector>

#include "harness/registry.h"

namespace v4::properties {

// Eigenvalues of a symmetric matrix a [n, n] (cyclic Jacobi, fp64), ascending.
std::vector<double> symmetric_eigenvalues(std::vector<double> a, int64_t n);
// Singular values of x [n, m] (from the Gram matrix of the shorter side), ascending. Accurate
// to ~1e-15·σ_max² in σ², which is ample for outputs whose singular values are near 1.
std::vector<double> singular_values(const std::vector<double>& x, int64_t n, int64_t m);

// The range of φ (newton_schulz_scalar) over [lo, hi], from a dense log-spaced grid widened by
// the largest step between neighbouring grid values (φ is continuous): {min, max}.
std::pair<double, double> ns_band(double lo, double hi);

// A matrix with prescribed singular values: U·diag(sigma)·Vᵀ with orthonormal U [n, r] and
// V [m, r] (Gram–Schmidt of seeded Gaussian columns, fp64), r = sigma.size() <= min(n, m).
std::vector<double> matrix_with_spectrum(const std::vector<double>& sigma, int64_t n, int64_t m,
                                         uint64_t seed);

// The update O [n, m] divided by 0.18·sqrt(max(n, m)) has every singular value in
// [band.first − tol, band.second + tol].
harness::PropertyOutcome check_singular_band(const std::vector<double>& update, int64_t n,
                                             int64_t m, std::pair<double, double> band, double tol);

} // namespace v4::properties
