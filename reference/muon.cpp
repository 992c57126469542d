#include "reference/muon.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "reference/require.h"

namespace v4::reference {

double ns_polynomial(double x, NsCoefficients k) {
  const double x2 = x * x;
  return k.a * x + k.b * x2 * x + k.c * x2 * x2 * x;
}

double newton_schulz_scalar(double sigma) {
  double x = sigma;
  for (int s = 0; s < kMuonJordanSteps; ++s)
    x = ns_polynomial(x, kMuonJordan);
  for (int s = 0; s < kMuonPolishSteps; ++s)
    x = ns_polynomial(x, kMuonPolish);
  return x;
}

namespace {

// One step on X [r, c] (r <= c): X ← a·X + (b·A + c·A²)·X with A = X·Xᵀ. Plain loop nests.
void ns_step(std::vector<double>& x, int64_t r, int64_t c, NsCoefficients k) {
  std::vector<double> a(static_cast<size_t>(r * r), 0.0), b(static_cast<size_t>(r * r), 0.0),
      bx(static_cast<size_t>(r * c), 0.0);
  for (int64_t i = 0; i < r; ++i)
    for (int64_t j = i; j < r; ++j) {
      double s = 0.0;
      for (int64_t t = 0; t < c; ++t)
        s += x[size_t(i * c + t)] * x[size_t(j * c + t)];
      a[size_t(i * r + j)] = a[size_t(j * r + i)] = s; // A is symmetric
    }
  for (int64_t i = 0; i < r; ++i)
    for (int64_t t = 0; t < r; ++t) {
      const double ait = a[size_t(i * r + t)];
      for (int64_t j = 0; j < r; ++j)
        b[size_t(i * r + j)] += ait * a[size_t(t * r + j)]; // A²
    }
  for (int64_t i = 0; i < r * r; ++i)
    b[size_t(i)] = k.b * a[size_t(i)] + k.c * b[size_t(i)];
  for (int64_t i = 0; i < r; ++i)
    for (int64_t t = 0; t < r; ++t) {
      const double bit = b[size_t(i * r + t)];
      for (int64_t j = 0; j < c; ++j)
        bx[size_t(i * c + j)] += bit * x[size_t(t * c + j)];
    }
  for (int64_t i = 0; i < r * c; ++i)
    x[size_t(i)] = k.a * x[size_t(i)] + bx[size_t(i)];
}

} // namespace

void newton_schulz(double* out, const double* x, int64_t n, int64_t m) {
  require(n > 0 && m > 0, "newton_schulz", "matrix must be non-empty");
  const bool transpose = n > m; // D13: iterate with rows <= cols
  const int64_t r = transpose ? m : n, c = transpose ? n : m;
  std::vector<double> work(static_cast<size_t>(n * m));
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < m; ++j) {
      const double v = x[i * m + j];
      require(std::isfinite(v), "newton_schulz", "input is not finite");
      work[size_t(transpose ? j * c + i : i * c + j)] = v;
    }
  // The norm is summed in the oriented layout, so NS(Xᵀ) = NS(X)ᵀ bit for bit when n != m.
  double norm_sq = 0.0;
  for (double v : work)
    norm_sq += v * v;
  const double inv = 1.0 / (std::sqrt(norm_sq) + kMuonNsEps);
  for (double& v : work)
    v *= inv;
  for (int s = 0; s < kMuonJordanSteps; ++s)
    ns_step(work, r, c, kMuonJordan);
  for (int s = 0; s < kMuonPolishSteps; ++s)
    ns_step(work, r, c, kMuonPolish);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < m; ++j)
      out[i * m + j] = work[size_t(transpose ? j * c + i : i * c + j)];
}

void muon_step(double* w, double* momentum, double* update, const double* grad, int64_t n,
               int64_t m, const MuonOptions& o) {
  const int64_t count = n * m;
  std::vector<double> nesterov(static_cast<size_t>(count)), ortho(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    momentum[i] = o.momentum * momentum[i] + grad[i];
    nesterov[size_t(i)] = o.momentum * momentum[i] + grad[i];
  }
  newton_schulz(ortho.data(), nesterov.data(), n, m);
  const double scale = std::sqrt(double(std::max(n, m))) * o.update_rms;
  for (int64_t i = 0; i < count; ++i) {
    const double u = ortho[size_t(i)] * scale;
    if (update)
      update[i] = u;
    w[i] = w[i] * (1.0 - o.lr * o.weight_decay) - o.lr * u;
  }
}

} // namespace v4::reference
