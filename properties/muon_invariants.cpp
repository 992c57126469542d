#include "properties/muon_invariants.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "harness/rng.h"
#include "reference/muon.h"

namespace v4::properties {

std::vector<double> symmetric_eigenvalues(std::vector<double> a, int64_t n) {
  for (int sweep = 0; sweep < 100; ++sweep) {
    double off = 0, total = 0;
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < n; ++j)
        (i == j ? total : off) += a[size_t(i * n + j)] * a[size_t(i * n + j)];
    if (off <= 1e-30 * (total + off))
      break;
    for (int64_t p = 0; p < n; ++p)
      for (int64_t q = p + 1; q < n; ++q) {
        const double apq = a[size_t(p * n + q)];
        if (apq == 0)
          continue;
        const double theta = (a[size_t(q * n + q)] - a[size_t(p * n + p)]) / (2 * apq);
        const double t =
            (theta >= 0 ? 1.0 : -1.0) / (std::fabs(theta) + std::sqrt(theta * theta + 1));
        const double c = 1 / std::sqrt(t * t + 1), s = t * c;
        for (int64_t k = 0; k < n; ++k) { // rotate rows p, q then columns p, q
          const double akp = a[size_t(k * n + p)], akq = a[size_t(k * n + q)];
          a[size_t(k * n + p)] = c * akp - s * akq;
          a[size_t(k * n + q)] = s * akp + c * akq;
        }
        for (int64_t k = 0; k < n; ++k) {
          const double apk = a[size_t(p * n + k)], aqk = a[size_t(q * n + k)];
          a[size_t(p * n + k)] = c * apk - s * aqk;
          a[size_t(q * n + k)] = s * apk + c * aqk;
        }
      }
  }
  std::vector<double> ev(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    ev[size_t(i)] = a[size_t(i * n + i)];
  std::sort(ev.begin(), ev.end());
  return ev;
}

std::vector<double> singular_values(const std::vector<double>& x, int64_t n, int64_t m) {
  const bool rows = n <= m;
  const int64_t r = rows ? n : m, c = rows ? m : n;
  std::vector<double> g(static_cast<size_t>(r * r), 0.0);
  auto at = [&](int64_t i, int64_t t) {
    return rows ? x[size_t(i * m + t)] : x[size_t(t * m + i)];
  };
  for (int64_t i = 0; i < r; ++i)
    for (int64_t j = i; j < r; ++j) {
      double s = 0;
      for (int64_t t = 0; t < c; ++t)
        s += at(i, t) * at(j, t);
      g[size_t(i * r + j)] = g[size_t(j * r + i)] = s;
    }
  std::vector<double> ev = symmetric_eigenvalues(std::move(g), r);
  for (double& v : ev)
    v = std::sqrt(std::max(v, 0.0));
  return ev;
}

std::pair<double, double> ns_band(double lo, double hi) {
  constexpr int kPoints = 200000;
  double mn = INFINITY, mx = -INFINITY, step = 0, prev = 0;
  for (int i = 0; i <= kPoints; ++i) {
    const double x = lo * std::pow(hi / lo, double(i) / kPoints);
    const double v = reference::newton_schulz_scalar(x);
    if (i)
      step = std::max(step, std::fabs(v - prev));
    prev = v;
    mn = std::min(mn, v);
    mx = std::max(mx, v);
  }
  return {mn - step, mx + step};
}

std::vector<double> matrix_with_spectrum(const std::vector<double>& sigma, int64_t n, int64_t m,
                                         uint64_t seed) {
  const int64_t r = int64_t(sigma.size());
  auto orthonormal = [&](int64_t rows, const char* name) {
    const harness::CounterRng rng(seed, name);
    std::vector<double> q(static_cast<size_t>(rows * r)); // column j at q[i * r + j]
    for (int64_t j = 0; j < r; ++j) {
      for (int pass = 0; pass < 2; ++pass) { // Gram–Schmidt, twice for orthogonality to fp64
        if (pass == 0)
          for (int64_t i = 0; i < rows; ++i)
            q[size_t(i * r + j)] = rng.normal(uint64_t(i * r + j));
        for (int64_t p = 0; p < j; ++p) {
          double dot = 0;
          for (int64_t i = 0; i < rows; ++i)
            dot += q[size_t(i * r + p)] * q[size_t(i * r + j)];
          for (int64_t i = 0; i < rows; ++i)
            q[size_t(i * r + j)] -= dot * q[size_t(i * r + p)];
        }
        double norm = 0;
        for (int64_t i = 0; i < rows; ++i)
          norm += q[size_t(i * r + j)] * q[size_t(i * r + j)];
        for (int64_t i = 0; i < rows; ++i)
          q[size_t(i * r + j)] /= std::sqrt(norm);
      }
    }
    return q;
  };
  const std::vector<double> u = orthonormal(n, "U"), v = orthonormal(m, "V");
  std::vector<double> x(static_cast<size_t>(n * m), 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < m; ++j) {
      double s = 0;
      for (int64_t p = 0; p < r; ++p)
        s += u[size_t(i * r + p)] * sigma[size_t(p)] * v[size_t(j * r + p)];
      x[size_t(i * m + j)] = s;
    }
  return x;
}

harness::PropertyOutcome check_singular_band(const std::vector<double>& update, int64_t n,
                                             int64_t m, std::pair<double, double> band,
                                             double tol) {
  const double scale = reference::kMuonUpdateRms * std::sqrt(double(std::max(n, m)));
  std::vector<double> o(update.size());
  for (size_t i = 0; i < o.size(); ++i)
    o[i] = update[i] / scale;
  const std::vector<double> sv = singular_values(o, n, m);
  harness::PropertyOutcome out;
  out.bound =
      fmt::format("singular values of O/(0.18 sqrt(max(n,m))) in [{:.9f}, {:.9f}] +- {:.2g}",
                  band.first, band.second, tol);
  out.bound_value = tol;
  const double lo = sv.front(), hi = sv.back();
  out.measured = std::max({0.0, band.first - lo, hi - band.second});
  out.passed = lo >= band.first - tol && hi <= band.second + tol;
  out.detail = fmt::format("singular values in [{:.9f}, {:.9f}]", lo, hi);
  return out;
}

} // namespace v4::properties
