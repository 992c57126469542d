// OPD reverse KL and log-softmax (spec §22): KL >= 0 and = 0 iff identical, invariance to a
// constant added to either logit vector, Σ grad = 0, the gradient against central differences
// (derived tolerance) at a small and at the full V = 129 280 vocabulary, and a stable log-softmax.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "harness/generators.h"
#include "reference/opd_kl.h"

namespace v4::reference {
namespace {

std::vector<double> grid_row(int64_t vocab, uint64_t seed, const char* name, double sigma = 3.0) {
  const harness::Tensor t = harness::random_f32({vocab}, seed, name, sigma);
  std::vector<double> v(static_cast<size_t>(vocab));
  for (int64_t i = 0; i < vocab; ++i)
    v[size_t(i)] = std::round(double(t.data<float>()[i]) * 1024) / 1024;
  return v;
}

TEST(OpdKl, NonNegativeAndZeroExactlyForIdenticalRows) {
  const std::vector<double> z = grid_row(500, 1, "z"), ze = grid_row(500, 1, "ze");
  std::vector<double> g(500);
  EXPECT_GT(opd_kl_row(g.data(), z.data(), ze.data(), 500), 0.0);
  EXPECT_EQ(opd_kl_row(g.data(), z.data(), z.data(), 500), 0.0);
  EXPECT_TRUE(std::all_of(g.begin(), g.end(), [](double v) { return v == 0.0; }));
  std::vector<double> close = z;
  close[7] += 0x1p-40; // a tiny difference still gives a positive KL
  EXPECT_GT(opd_kl_row(nullptr, z.data(), close.data(), 500), 0.0);
}

TEST(OpdKl, InvariantToAConstantOnEitherLogitVector) {
  // Logits on a 2^-10 grid plus integers stay exact, so the invariance is bitwise.
  const int64_t vocab = 777;
  std::vector<double> z = grid_row(vocab, 2, "z"), ze = grid_row(vocab, 2, "ze"), g(vocab),
                      g2(vocab);
  const double kl = opd_kl_row(g.data(), z.data(), ze.data(), vocab);
  for (double& v : z)
    v += 37;
  for (double& v : ze)
    v -= 5;
  EXPECT_EQ(opd_kl_row(g2.data(), z.data(), ze.data(), vocab), kl);
  EXPECT_EQ(g, g2);
}

TEST(OpdKl, GradientSumsToZero) {
  const int64_t vocab = kV4Vocab;
  const std::vector<double> z = grid_row(vocab, 3, "z"), ze = grid_row(vocab, 3, "ze");
  std::vector<double> g(vocab);
  opd_kl_row(g.data(), z.data(), ze.data(), vocab);
  double sum = 0, abs_sum = 0;
  for (double v : g)
    sum += v, abs_sum += std::fabs(v);
  // Σ_v p_v(d_v − KL) = 0 exactly; the fp64 evaluation (V exponentials, Σ q = 1 to ~V·2^-53):
  EXPECT_LE(std::fabs(sum), 4 * double(vocab) * 0x1p-53 * (1 + abs_sum));
  EXPECT_GT(abs_sum, 0.1);
}

// Central differences of KL along coordinate v: |FD − ∂KL/∂z_v| <= h²/6·max|∂³KL/∂z_v³| + E_f/h,
// with ∂³KL/∂z_v³ = g'' for g = p_v·D, D = d_v − KL: |g''| <= 0.2 + |D| (a = p_v in [0, 1]:
// 2·max a(1−a)|1−2a| <= 0.2 and a|1−2a| + 2a²(1−a) <= 1), |D| + 1 covering the step; and the fp64
// evaluation error E_f <= 4(V + 4)·2^-53·(1 + max|z| + max|z_E|)·(1 + KL).
void check_fd(int64_t vocab, const std::vector<int64_t>& coords, uint64_t seed) {
  std::vector<double> z = grid_row(vocab, seed, "z"), ze = grid_row(vocab, seed, "ze"),
                      g(static_cast<size_t>(vocab));
  const double kl = opd_kl_row(g.data(), z.data(), ze.data(), vocab);
  double zmax = 0;
  for (int64_t v = 0; v < vocab; ++v)
    zmax = std::max({zmax, std::fabs(z[size_t(v)]), std::fabs(ze[size_t(v)])});
  const double e_f = 4 * double(vocab + 4) * 0x1p-53 * (1 + 2 * zmax) * (1 + kl);
  const double h = 1e-4;
  // D_v = log p_v − log q_v − KL from the gradient: D = g/p needs p; recompute from logits.
  double lse = 0, lse_e = 0, mx = *std::max_element(z.begin(), z.end()),
         mxe = *std::max_element(ze.begin(), ze.end());
  for (int64_t v = 0; v < vocab; ++v)
    lse += std::exp(z[size_t(v)] - mx), lse_e += std::exp(ze[size_t(v)] - mxe);
  lse = mx + std::log(lse);
  lse_e = mxe + std::log(lse_e);
  for (int64_t v : coords) {
    const double d = (z[size_t(v)] - lse) - (ze[size_t(v)] - lse_e) - kl;
    const double tol = h * h / 6 * (1.2 + std::fabs(d)) + e_f / h;
    std::vector<double> zp = z, zm = z;
    zp[size_t(v)] += h;
    zm[size_t(v)] -= h;
    const double fd = (opd_kl_row(nullptr, zp.data(), ze.data(), vocab) -
                       opd_kl_row(nullptr, zm.data(), ze.data(), vocab)) /
                      (2 * h);
    EXPECT_NEAR(g[size_t(v)], fd, tol) << "vocab " << vocab << " coordinate " << v;
  }
}

TEST(OpdKl, GradientMatchesFiniteDifferencesSmallVocabulary) {
  std::vector<int64_t> all(64);
  for (int64_t v = 0; v < 64; ++v)
    all[size_t(v)] = v;
  check_fd(64, all, 4);
}

TEST(OpdKl, GradientMatchesFiniteDifferencesFullVocabulary) {
  check_fd(kV4Vocab, {0, 1, 4096, 65535, 99999, kV4Vocab - 1}, 5);
}

TEST(OpdKl, Fp32OutputsAreTheRoundedFp64Values) {
  const int64_t rows = 2, vocab = 3000;
  const harness::Tensor s = harness::random_f32({rows, vocab}, 6, "s", 3.0),
                        t = harness::random_f32({rows, vocab}, 6, "t", 3.0);
  std::vector<float> kl(rows), g(static_cast<size_t>(rows * vocab));
  opd_kl(kl.data(), g.data(), s.data<float>(), t.data<float>(), rows, vocab);
  for (int64_t r = 0; r < rows; ++r) {
    std::vector<double> z(s.data<float>() + r * vocab, s.data<float>() + (r + 1) * vocab),
        ze(t.data<float>() + r * vocab, t.data<float>() + (r + 1) * vocab),
        gd(static_cast<size_t>(vocab));
    EXPECT_EQ(kl[size_t(r)], float(opd_kl_row(gd.data(), z.data(), ze.data(), vocab)));
    for (int64_t v = 0; v < vocab; ++v)
      ASSERT_EQ(g[size_t(r * vocab + v)], float(gd[size_t(v)]));
  }
}

TEST(LogSoftmax, StableForHugeLogitsAndRoundedOnce) {
  const int64_t vocab = 5;
  const float zs[5] = {30000.0f, -30000.0f, 29990.0f, 0.0f, 30000.0f};
  std::vector<bf16> x(vocab), y16(vocab);
  for (int v = 0; v < vocab; ++v)
    x[size_t(v)] = bf16_encode(zs[v]);
  std::vector<float> y32(vocab);
  log_softmax(y32.data(), x.data(), 1, vocab);
  log_softmax(y16.data(), x.data(), 1, vocab);
  const double m = bf16_decode(x[0]);
  double sum = 0;
  for (int v = 0; v < vocab; ++v)
    sum += std::exp(double(bf16_decode(x[size_t(v)])) - m);
  for (int v = 0; v < vocab; ++v) {
    const double want = (double(bf16_decode(x[size_t(v)])) - m) - std::log(sum);
    EXPECT_EQ(y32[size_t(v)], float(want));
    EXPECT_EQ(y16[size_t(v)].bits, bf16_encode(float(want)).bits);
    EXPECT_TRUE(std::isfinite(y32[size_t(v)]));
  }
  std::vector<bf16> bad(2, bf16_encode(1.0f));
  bad[1] = bf16{0x7FC0};
  EXPECT_THROW(log_softmax(y32.data(), bad.data(), 1, 2), std::invalid_argument);
}

} // namespace
} // namespace v4::reference
