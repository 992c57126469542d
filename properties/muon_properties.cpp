// RapidCheck properties of Muon's Newton–Schulz iteration (spec §19): NS(Xᵀ) = NS(X)ᵀ bitwise
// (D13 iterates on one orientation), diagonal inputs stay diagonal with the scalar map φ on the
// diagonal, and for a prescribed spectrum the output singular values are φ(σ_i/‖σ‖).
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cmath>

#include "harness/generators.h"
#include "properties/muon_invariants.h"
#include "reference/muon.h"

namespace v4::properties {
namespace {

RC_GTEST_PROP(MuonProperties, TransposeCommutesBitwise, ()) {
  const int64_t n = *rc::gen::inRange<int64_t>(1, 12), m = *rc::gen::inRange<int64_t>(1, 12);
  RC_PRE(n != m); // square matrices have no preferred orientation (XᵀX vs XXᵀ round differently)
  const harness::Tensor g =
      harness::random_f32({n, m}, *rc::gen::inRange<uint64_t>(1, 1u << 30), "g");
  std::vector<double> x(g.data<float>(), g.data<float>() + n * m), xt(x.size()), o(x.size()),
      ot(x.size());
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < m; ++j)
      xt[size_t(j * n + i)] = x[size_t(i * m + j)];
  reference::newton_schulz(o.data(), x.data(), n, m);
  reference::newton_schulz(ot.data(), xt.data(), m, n);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < m; ++j)
      RC_ASSERT(o[size_t(i * m + j)] == ot[size_t(j * n + i)]);
}

RC_GTEST_PROP(MuonProperties, DiagonalInputGivesDiagonalOutput, ()) {
  const int64_t n = *rc::gen::inRange<int64_t>(1, 8), m = n + *rc::gen::inRange<int64_t>(0, 5);
  const harness::Tensor d = harness::random_f32({n}, *rc::gen::inRange<uint64_t>(1, 1u << 30), "d");
  std::vector<double> x(static_cast<size_t>(n * m), 0.0), o(x.size());
  double norm = 0;
  for (int64_t i = 0; i < n; ++i)
    x[size_t(i * m + i)] = d.data<float>()[i], norm += x[size_t(i * m + i)] * x[size_t(i * m + i)];
  reference::newton_schulz(o.data(), x.data(), n, m);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < m; ++j) {
      if (i != j) {
        RC_ASSERT(o[size_t(i * m + j)] == 0.0);
        continue;
      }
      const double xi = x[size_t(i * m + i)];
      const double want =
          std::copysign(reference::newton_schulz_scalar(std::fabs(xi) /
                                                        (std::sqrt(norm) + reference::kMuonNsEps)),
                        xi);
      RC_ASSERT(std::fabs(o[size_t(i * m + i)] - want) <=
                1e-12); // same polynomial in another evaluation order
      if (xi != 0)
        RC_ASSERT(std::signbit(o[size_t(i * m + i)]) == std::signbit(xi)); // signs preserved
    }
}

RC_GTEST_PROP(MuonProperties, SingularValuesFollowTheScalarMap, ()) {
  const int64_t n = *rc::gen::inRange<int64_t>(2, 10), m = n + *rc::gen::inRange<int64_t>(0, 10);
  const double decades = double(*rc::gen::inRange(0, 5));
  std::vector<double> sigma(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    sigma[size_t(i)] = std::pow(10.0, -decades * double(i) / double(n - 1));
  const std::vector<double> x =
      matrix_with_spectrum(sigma, n, m, *rc::gen::inRange<uint64_t>(1, 1u << 30));
  std::vector<double> o(x.size());
  reference::newton_schulz(o.data(), x.data(), n, m);
  double norm = 0;
  for (double s : sigma)
    norm += s * s;
  std::vector<double> want;
  for (double s : sigma)
    want.push_back(
        std::fabs(reference::newton_schulz_scalar(s / (std::sqrt(norm) + reference::kMuonNsEps))));
  std::sort(want.begin(), want.end());
  const std::vector<double> got = singular_values(o, n, m);
  // The constructed X carries its singular values to ~1e-15 relative; φ amplifies input errors by
  // |φ'| <= ~1e5 (near 0), and the eigen-solver adds ~1e-15: 1e-9 absolute.
  for (size_t i = 0; i < want.size(); ++i)
    RC_ASSERT(std::fabs(got[i] - want[i]) <= 1e-9);
}

} // namespace
} // namespace v4::properties
