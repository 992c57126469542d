// Statistics for the performance gate (docs/gate.md): the Mann-Whitney U rank test (exact null
// distribution for small samples without ties, normal approximation with tie and continuity
// correction otherwise), the Hodges-Lehmann shift with the confidence interval obtained by
// inverting that test, and Benjamini-Hochberg false-discovery-rate control.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace v4::harness {

double normal_cdf(double z);      // Φ(z), through std::erfc
double normal_quantile(double p); // Φ⁻¹(p) for p in (0, 1); bisection on normal_cdf

struct MannWhitney {
  double u = 0; // U of the first sample: #(x_i > y_j) + ½ #(x_i == y_j)
  double p_two_sided = 1;
  double z = 0;       // normal-approximation statistic (0 when the exact distribution is used)
  bool exact = false; // p from the exact null distribution
  bool ties = false;  // the pooled samples contain ties
};

// Exact p-values are used when there are no ties and n1·n2 <= kExactLimit; both samples must be
// non-empty (throws std::invalid_argument otherwise).
inline constexpr int64_t kMannWhitneyExactLimit = 10000;
MannWhitney mann_whitney_u(std::span<const double> x, std::span<const double> y);

// Number of arrangements of n1 x's and n2 y's with U = u, for u = 0 .. n1·n2 (as doubles: the
// coefficients of the Gaussian binomial [n1+n2 choose n1]_q).
std::vector<double> mann_whitney_counts(int64_t n1, int64_t n2);

// P(U <= u) under the null for samples of sizes n1, n2 without ties: exact within the limit,
// normal approximation with continuity correction beyond it.
double mann_whitney_lower_tail(int64_t n1, int64_t n2, double u);

// Hodges-Lehmann estimate of the shift of y relative to x (the median of all y_j - x_i) and the
// distribution-free confidence interval [D_(k), D_(N+1-k)] that inverts the rank test, where D are
// the N = n1·n2 sorted differences and k is the largest integer with P(U <= k-1) <= (1-level)/2.
// When even k = 1 is too wide for the level, the interval is infinite (too few samples).
// Samples with n1·n2 above kShiftPairLimit are first thinned to evenly spaced quantiles.
inline constexpr int64_t kShiftPairLimit = 1000000;
struct ShiftEstimate {
  double estimate = 0, low = 0, high = 0;
  double level = 0; // confidence level used
};
ShiftEstimate hodges_lehmann_shift(std::span<const double> x, std::span<const double> y,
                                   double level);

// Benjamini-Hochberg step-up procedure at FDR level q: rejected[i] when p[i] <= p_(k) with k the
// largest rank such that p_(k) <= k·q/m. adjusted[i] are the BH-adjusted p-values
// (min over j >= rank of m·p_(j)/j, capped at 1), so rejected[i] == (adjusted[i] <= q).
struct FdrResult {
  std::vector<double> adjusted;
  std::vector<bool> rejected;
};
FdrResult benjamini_hochberg(std::span<const double> p, double q);

} // namespace v4::harness
