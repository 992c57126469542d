// RapidCheck properties of the OPD reverse KL (spec §22): KL >= 0 and = 0 iff the distributions
// are identical, invariance to a constant added to either logit vector (bitwise for logits on a
// 2^-10 grid), and Σ_v ∂KL/∂z_v = 0 within the fp64 evaluation bound.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cmath>

#include "harness/generators.h"
#include "reference/opd_kl.h"

namespace v4::properties {
namespace {

std::vector<double> grid_logits(int64_t vocab, uint64_t seed, const char* name, double sigma) {
  const harness::Tensor t = harness::random_f32({vocab}, seed, name, sigma);
  std::vector<double> v(static_cast<size_t>(vocab));
  for (int64_t i = 0; i < vocab; ++i)
    v[size_t(i)] = std::round(double(t.data<float>()[i]) * 1024) / 1024;
  return v;
}

RC_GTEST_PROP(OpdKlProperties, NonNegativeShiftInvariantGradientSumsToZero, ()) {
  const int64_t vocab = *rc::gen::inRange<int64_t>(2, 3000);
  const uint64_t seed = *rc::gen::inRange<uint64_t>(1, 1u << 30);
  const double sigma = double(*rc::gen::inRange(1, 12));
  std::vector<double> z = grid_logits(vocab, seed, "z", sigma),
                      ze = grid_logits(vocab, seed, "ze", sigma);
  std::vector<double> g(static_cast<size_t>(vocab)), g2(g.size());
  const double kl = reference::opd_kl_row(g.data(), z.data(), ze.data(), vocab);
  RC_ASSERT(kl >= 0);
  RC_ASSERT((kl == 0) == (z == ze));
  double sum = 0, abs_sum = 0;
  for (double v : g)
    sum += v, abs_sum += std::fabs(v);
  RC_ASSERT(std::fabs(sum) <= 4 * double(vocab) * 0x1p-53 * (1 + abs_sum));
  const double cs = double(*rc::gen::inRange(-200, 200)), ct = double(*rc::gen::inRange(-200, 200));
  for (double& v : z)
    v += cs;
  for (double& v : ze)
    v += ct;
  RC_ASSERT(reference::opd_kl_row(g2.data(), z.data(), ze.data(), vocab) == kl);
  RC_ASSERT(g2 == g);
  RC_ASSERT(reference::opd_kl_row(nullptr, z.data(), z.data(), vocab) == 0.0);
}

} // namespace
} // namespace v4::properties
