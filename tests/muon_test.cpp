// Muon (spec §19, D13): the σ table, the polish polynomial, diagonal inputs, the transpose rule,
// the singular-value band for well-conditioned inputs, scale invariance and the update rule.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "harness/generators.h"
#include "properties/muon_invariants.h"
#include "reference/muon.h"

namespace v4::reference {
namespace {

TEST(Muon, ReproducesTheSpecSigmaTable) {
  // Spec §19: σ_out after 8 Jordan + 2 polish steps, printed to the digits given.
  struct Row {
    double in, out, half_unit;
  };
  for (const Row& r : {Row{1.0, 1.000014, 5e-7}, Row{1e-2, 1.000019, 5e-7},
                       Row{1e-3, 1.000001, 5e-7}, Row{1e-4, 1.002, 5e-4}, Row{1e-5, 0.686, 5e-4}}) {
    EXPECT_NEAR(newton_schulz_scalar(r.in), r.out, r.half_unit) << "sigma_in " << r.in;
  }
}

TEST(Muon, PolishPolynomialFixesOneWithZeroSlope) {
  EXPECT_EQ(ns_polynomial(1.0, kMuonPolish), 1.0);
  const double h = 1e-6; // p'(1) = 2 − 4.5 + 2.5 = 0: central difference O(h²)
  EXPECT_NEAR((ns_polynomial(1 + h, kMuonPolish) - ns_polynomial(1 - h, kMuonPolish)) / (2 * h),
              0.0, 1e-9);
}

TEST(Muon, DiagonalInputGivesTheScalarMapOnTheDiagonal) {
  const int64_t n = 4, m = 6;
  const double d[4] = {3.0, -0.5, 1e-2, 0.25};
  std::vector<double> x(static_cast<size_t>(n * m), 0.0), o(x.size());
  double norm = 0;
  for (int64_t i = 0; i < n; ++i)
    x[size_t(i * m + i)] = d[i], norm += d[i] * d[i];
  newton_schulz(o.data(), x.data(), n, m);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < m; ++j) {
      if (i != j) {
        EXPECT_EQ(o[size_t(i * m + j)], 0.0);
        continue;
      }
      const double want = std::copysign(
          newton_schulz_scalar(std::fabs(d[i]) / (std::sqrt(norm) + kMuonNsEps)), d[i]);
      EXPECT_NEAR(o[size_t(i * m + i)], want,
                  1e-12); // same polynomial, evaluated as matrix products
    }
}

TEST(Muon, TransposeRule) {
  // D13: the iteration runs on the rows <= cols orientation, so NS(Xᵀ) = NS(X)ᵀ bit for bit.
  const int64_t n = 7, m = 19;
  const harness::Tensor g = harness::random_f32({n, m}, 5, "g");
  std::vector<double> x(g.data<float>(), g.data<float>() + n * m), xt(x.size()), o(x.size()),
      ot(x.size());
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < m; ++j)
      xt[size_t(j * n + i)] = x[size_t(i * m + j)];
  newton_schulz(o.data(), x.data(), n, m);
  newton_schulz(ot.data(), xt.data(), m, n);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < m; ++j)
      ASSERT_EQ(o[size_t(i * m + j)], ot[size_t(j * n + i)]);
}

TEST(Muon, WellConditionedInputsLandInTheBand) {
  // σ_in/‖X‖_F ≳ 3e-5: every output singular value in [1, ~1.002] (spec §19).
  const int64_t n = 32, m = 80;
  std::vector<double> sigma(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    sigma[size_t(i)] = std::pow(10.0, -4.0 * double(i) / double(n - 1));
  double norm = 0;
  for (double s : sigma)
    norm += s * s;
  const std::vector<double> x = properties::matrix_with_spectrum(sigma, n, m, 3);
  std::vector<double> o(x.size());
  newton_schulz(o.data(), x.data(), n, m);
  const std::vector<double> sv = properties::singular_values(o, n, m);
  const auto band = properties::ns_band(sigma.back() / std::sqrt(norm), 1.0);
  EXPECT_GE(sigma.back() / std::sqrt(norm), 3e-5 * 0.5);
  EXPECT_GE(band.first, 1 - 1e-5); // [1, ~1.002], widened by the grid's largest step
  EXPECT_LE(band.second, 1.0021);
  for (double s : sv) {
    EXPECT_GE(s, band.first - 1e-12);
    EXPECT_LE(s, band.second + 1e-12);
  }
}

TEST(Muon, ScaleInvariantUpToTheEpsilon) {
  const int64_t n = 8, m = 12;
  const harness::Tensor g = harness::random_f32({n, m}, 8, "g");
  std::vector<double> x(g.data<float>(), g.data<float>() + n * m), y(x), o(x.size()), oy(x.size());
  for (double& v : y)
    v *= 1024.0;
  newton_schulz(o.data(), x.data(), n, m);
  newton_schulz(oy.data(), y.data(), n, m);
  // eps 1e-7 against ‖X‖_F ≈ 10 changes the normalized input by 1e-8 relative; φ' ≤ ~2e4 near 0.
  for (size_t i = 0; i < o.size(); ++i)
    EXPECT_NEAR(o[i], oy[i], 1e-4);
}

TEST(Muon, StepAppliesNesterovMomentumScaleAndDecoupledDecay) {
  const int64_t n = 6, m = 10;
  const harness::Tensor g = harness::random_f32({n, m}, 9, "g"),
                        m0 = harness::random_f32({n, m}, 9, "m0"),
                        w0 = harness::random_f32({n, m}, 9, "w0");
  std::vector<double> w(w0.data<float>(), w0.data<float>() + n * m),
      mom(m0.data<float>(), m0.data<float>() + n * m),
      grad(g.data<float>(), g.data<float>() + n * m), upd(w.size()), expect_in(w.size()),
      ns(w.size());
  MuonOptions o;
  o.lr = 1e-3;
  for (size_t i = 0; i < w.size(); ++i)
    expect_in[i] = 0.95 * (0.95 * mom[i] + grad[i]) + grad[i];
  newton_schulz(ns.data(), expect_in.data(), n, m);
  const std::vector<double> w_before = w, m_before = mom;
  muon_step(w.data(), mom.data(), upd.data(), grad.data(), n, m, o);
  double sq = 0;
  for (size_t i = 0; i < w.size(); ++i) {
    EXPECT_EQ(mom[i], 0.95 * m_before[i] + grad[i]);
    EXPECT_EQ(upd[i], ns[i] * (std::sqrt(10.0) * 0.18));
    EXPECT_EQ(w[i], w_before[i] * (1 - 1e-3 * 0.1) - 1e-3 * upd[i]);
    sq += upd[i] * upd[i];
  }
  // Full rank with every singular value ≈ 1: RMS(O) ≈ 0.18 (spec §19).
  EXPECT_NEAR(std::sqrt(sq / double(n * m)), 0.18, 0.18 * 0.03);
}

} // namespace
} // namespace v4::reference
