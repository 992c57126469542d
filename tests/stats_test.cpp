// The gate's statistics against hand-computed examples and published tables: the exact
// Mann-Whitney null distribution, critical values of U (two-sided alpha = 0.05), the normal
// approximation with tie and continuity correction, the Hodges-Lehmann interval, and
// Benjamini-Hochberg on hand-worked p-values.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <vector>

#include "harness/stats.h"

namespace v4::harness {
namespace {

TEST(Stats, NormalCdfAndQuantile) {
  EXPECT_NEAR(normal_cdf(0), 0.5, 1e-15);
  EXPECT_NEAR(normal_cdf(1.959963984540054), 0.975, 1e-12);
  EXPECT_NEAR(normal_quantile(0.975), 1.959963984540054, 1e-9);
  EXPECT_NEAR(normal_quantile(0.025), -1.959963984540054, 1e-9);
  EXPECT_NEAR(normal_quantile(0.5), 0.0, 1e-12);
  EXPECT_THROW(normal_quantile(0), std::invalid_argument);
}

// The number of arrangements with U = u is the number of partitions of u into at most n1 parts
// each at most n2 (the coefficients of the Gaussian binomial).
TEST(Stats, MannWhitneyExactCounts) {
  EXPECT_EQ(mann_whitney_counts(2, 2), (std::vector<double>{1, 1, 2, 1, 1}));
  EXPECT_EQ(mann_whitney_counts(3, 3), (std::vector<double>{1, 1, 2, 3, 3, 3, 3, 2, 1, 1}));
  const std::vector<double> c = mann_whitney_counts(5, 5);
  ASSERT_EQ(c.size(), 26u);
  EXPECT_EQ(std::vector<double>(c.begin(), c.begin() + 8),
            (std::vector<double>{1, 1, 2, 3, 5, 7, 9, 11}));
  EXPECT_EQ(std::accumulate(c.begin(), c.end(), 0.0), 252.0); // C(10, 5)
  for (size_t u = 0; u < c.size(); ++u)
    EXPECT_EQ(c[u], c[c.size() - 1 - u]) << u; // symmetric
  const std::vector<double> c47 = mann_whitney_counts(4, 7);
  EXPECT_EQ(std::accumulate(c47.begin(), c47.end(), 0.0), 330.0); // C(11, 4)
}

// Critical values of U for n1 = n2 = n at two-sided alpha = 0.05, as printed in the standard
// tables: the largest u with P(U <= u) <= 0.025.
TEST(Stats, MannWhitneyCriticalValuesMatchTables) {
  const std::pair<int, int> table[] = {{5, 2}, {8, 13}, {10, 23}, {20, 127}};
  for (const auto& [n, crit] : table) {
    EXPECT_LE(mann_whitney_lower_tail(n, n, crit), 0.025) << n;
    EXPECT_GT(mann_whitney_lower_tail(n, n, crit + 1), 0.025) << n;
  }
  EXPECT_NEAR(mann_whitney_lower_tail(5, 5, 2), 4.0 / 252, 1e-15);
}

TEST(Stats, MannWhitneyExactSeparatedSamples) {
  const std::vector<double> x = {1, 2, 3, 4, 5}, y = {6, 7, 8, 9, 10};
  const MannWhitney r = mann_whitney_u(x, y);
  EXPECT_TRUE(r.exact);
  EXPECT_FALSE(r.ties);
  EXPECT_EQ(r.u, 0);
  EXPECT_NEAR(r.p_two_sided, 2.0 / 252, 1e-15); // only U = 0 and U = 25 are as extreme
  const MannWhitney s = mann_whitney_u(y, x);
  EXPECT_EQ(s.u, 25);
  EXPECT_NEAR(s.p_two_sided, 2.0 / 252, 1e-15);
}

TEST(Stats, MannWhitneyExactInterleaved) {
  // x = {1, 4, 5}, y = {2, 3, 6}: pairs x > y are (4,2) (4,3) (5,2) (5,3) -> U = 4, the middle of
  // 0..9; P(U <= 4) = (1+1+2+3+3)/20 = 0.5 -> p = min(1, 2 * 0.5) = 1.
  const MannWhitney r = mann_whitney_u(std::vector<double>{1, 4, 5}, std::vector<double>{2, 3, 6});
  EXPECT_EQ(r.u, 4);
  EXPECT_TRUE(r.exact);
  EXPECT_NEAR(r.p_two_sided, 1.0, 1e-15);
}

// x = {1, 2, 2, 3}, y = {2, 3, 4, 5}. Pooled midranks: 1 -> 1; the three 2s -> 3; the two 3s
// -> 5.5; 4 -> 7; 5 -> 8. R_x = 1 + 3 + 3 + 5.5 = 12.5, U = 12.5 - 4·5/2 = 2.5, mean n1n2/2 = 8.
// Tie groups of 3 and 2: Σ(t³ - t) = 24 + 6 = 30; var = (16/12)(9 - 30/56) = 11.2857142857.
// z = -(|2.5 - 8| - 0.5)/sqrt(var) = -1.48835139447, p = erfc(|z|/√2) = 0.136658247738.
TEST(Stats, MannWhitneyNormalApproximationWithTies) {
  const MannWhitney r =
      mann_whitney_u(std::vector<double>{1, 2, 2, 3}, std::vector<double>{2, 3, 4, 5});
  EXPECT_TRUE(r.ties);
  EXPECT_FALSE(r.exact);
  EXPECT_EQ(r.u, 2.5);
  EXPECT_NEAR(r.z, -1.4883513944689681, 1e-12);
  EXPECT_NEAR(r.p_two_sided, 0.13665824773814753, 1e-12);
}

// n1 = n2 = 120 (14400 pairs, beyond the exact limit), y = x + 60.5 with x = 0..119: x_i > y_j
// iff i >= j + 61, so U = Σ_{k=1}^{59} k = 1770; sigma = sqrt(120·120·241/12) = 537.77;
// z = -(7200 - 1770 - 0.5)/sigma = -10.0962638849, p = 5.7387e-24.
TEST(Stats, MannWhitneyNormalApproximationLargeSamples) {
  std::vector<double> x, y;
  for (int i = 0; i < 120; ++i) {
    x.push_back(i);
    y.push_back(i + 60.5);
  }
  const MannWhitney r = mann_whitney_u(x, y);
  EXPECT_FALSE(r.exact);
  EXPECT_EQ(r.u, 1770);
  EXPECT_NEAR(r.z, -10.096263884869412, 1e-9);
  EXPECT_NEAR(r.p_two_sided / 5.738700033884415e-24, 1.0, 1e-6);
}

TEST(Stats, MannWhitneyAllEqualHasNoEvidence) {
  const MannWhitney r = mann_whitney_u(std::vector<double>{3, 3, 3}, std::vector<double>{3, 3});
  EXPECT_EQ(r.p_two_sided, 1.0);
  EXPECT_THROW(mann_whitney_u(std::vector<double>{}, std::vector<double>{1}),
               std::invalid_argument);
}

// x = {1, 2, 3}, y = {4, 5, 6}: the 9 differences y - x sorted are 1 2 2 3 3 3 4 4 5, median 3.
// Null counts for (3, 3): 1 1 2 3 3 3 3 2 1 1 over 20. At level 0.75 (tail 0.125): P(U <= 1) =
// 0.1 <= 0.125 < P(U <= 2) = 0.2, so k = 2 and the interval is [D_(2), D_(8)] = [2, 4]. At 0.95
// (tail 0.025) even P(U <= 0) = 0.05 is too large: the interval is infinite.
TEST(Stats, HodgesLehmannShiftAndInterval) {
  const std::vector<double> x = {1, 2, 3}, y = {4, 5, 6};
  const ShiftEstimate s = hodges_lehmann_shift(x, y, 0.75);
  EXPECT_EQ(s.estimate, 3);
  EXPECT_EQ(s.low, 2);
  EXPECT_EQ(s.high, 4);
  const ShiftEstimate wide = hodges_lehmann_shift(x, y, 0.95);
  EXPECT_EQ(wide.estimate, 3);
  EXPECT_TRUE(std::isinf(wide.low) && std::isinf(wide.high));
}

TEST(Stats, HodgesLehmannIntervalCoversAPureShift) {
  // y = x + 0.25 exactly: every interval must contain 0.25 and the estimate is exactly it.
  std::vector<double> x, y;
  for (int i = 0; i < 40; ++i) {
    x.push_back(std::sin(i * 1.7) + 0.01 * i);
    y.push_back(x.back() + 0.25);
  }
  const ShiftEstimate s = hodges_lehmann_shift(x, y, 0.95);
  EXPECT_NEAR(s.estimate, 0.25, 1e-12);
  EXPECT_LT(s.low, 0.25);
  EXPECT_GT(s.high, 0.25);
}

// p = {0.010, 0.039, 0.029, 0.005, 0.200}, m = 5, q = 0.05. Sorted: 0.005 0.010 0.029 0.039 0.200
// with thresholds k·q/m = 0.01 0.02 0.03 0.04 0.05; the largest k with p_(k) <= kq/m is 4.
// Adjusted (min over j >= rank of m·p_(j)/j): 0.2, 0.04875, 0.0483333, 0.025, 0.025 from the top.
TEST(Stats, BenjaminiHochbergHandExample) {
  const std::vector<double> p = {0.010, 0.039, 0.029, 0.005, 0.200};
  const FdrResult r = benjamini_hochberg(p, 0.05);
  EXPECT_EQ(r.rejected, (std::vector<bool>{true, true, true, true, false}));
  EXPECT_NEAR(r.adjusted[0], 0.025, 1e-15);
  EXPECT_NEAR(r.adjusted[1], 0.04875, 1e-15);
  EXPECT_NEAR(r.adjusted[2], 0.29 / 6, 1e-15);
  EXPECT_NEAR(r.adjusted[3], 0.025, 1e-15);
  EXPECT_NEAR(r.adjusted[4], 0.2, 1e-15);
}

// Step-up: p_(2) = 0.03 and p_(3) = 0.032 exceed their thresholds 0.02 and 0.03, but p_(4) = 0.035
// <= 0.04, so ranks 1-4 are all rejected (Bonferroni at 0.01 would reject only the first).
TEST(Stats, BenjaminiHochbergIsStepUp) {
  const std::vector<double> p = {0.9, 0.035, 0.001, 0.032, 0.03};
  const FdrResult r = benjamini_hochberg(p, 0.05);
  EXPECT_EQ(r.rejected, (std::vector<bool>{false, true, true, true, true}));
  EXPECT_NEAR(r.adjusted[1], 0.04375, 1e-15);
  EXPECT_NEAR(r.adjusted[4], 0.04375, 1e-15);
  EXPECT_NEAR(r.adjusted[2], 0.005, 1e-15);
  EXPECT_NEAR(r.adjusted[0], 0.9, 1e-15);
  EXPECT_TRUE(benjamini_hochberg(std::vector<double>{}, 0.05).rejected.empty());
}

} // namespace
} // namespace v4::harness
