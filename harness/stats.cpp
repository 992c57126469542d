#include "harness/stats.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace v4::harness {

double normal_cdf(double z) {
  return 0.5 * std::erfc(-z / std::sqrt(2.0));
}

double normal_quantile(double p) {
  if (!(p > 0 && p < 1))
    throw std::invalid_argument("normal_quantile: p must be in (0, 1)");
  double lo = -40, hi = 40; // Φ(±40) is 0 or 1 in double: the root is inside
  for (int i = 0; i < 200 && hi - lo > 1e-15 * std::max(1.0, std::abs(lo)); ++i) {
    const double mid = 0.5 * (lo + hi);
    (normal_cdf(mid) < p ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

std::vector<double> mann_whitney_counts(int64_t n1, int64_t n2) {
  // [n1+n2 choose n1]_q = prod_{i=1..n1} (1 - q^(n2+i)) / (1 - q^i); after step i the partial
  // product is [n2+i choose i]_q, a polynomial with non-negative integer coefficients.
  const int64_t max_u = n1 * n2;
  std::vector<double> c(size_t(max_u + 1), 0.0);
  c[0] = 1;
  for (int64_t i = 1; i <= n1; ++i) {
    const int64_t up = n2 + i;
    for (int64_t k = max_u; k >= up; --k)
      c[size_t(k)] -= c[size_t(k - up)]; // × (1 - q^up)
    for (int64_t k = i; k <= max_u; ++k)
      c[size_t(k)] += c[size_t(k - i)]; // ÷ (1 - q^i)
  }
  for (double& v : c)
    v = std::max(0.0, std::round(v)); // exact integers up to 2^53
  return c;
}

namespace {

bool use_exact(int64_t n1, int64_t n2) {
  return n1 * n2 <= kMannWhitneyExactLimit;
}

// P(U <= u) from the exact counts (u may be fractional only with ties, never here).
double exact_lower_tail(const std::vector<double>& counts, double u) {
  const double total = std::accumulate(counts.begin(), counts.end(), 0.0);
  double below = 0;
  for (size_t k = 0; k < counts.size() && double(k) <= u + 1e-9; ++k)
    below += counts[k];
  return std::min(1.0, below / total);
}

} // namespace

double mann_whitney_lower_tail(int64_t n1, int64_t n2, double u) {
  if (u < 0)
    return 0;
  if (use_exact(n1, n2))
    return exact_lower_tail(mann_whitney_counts(n1, n2), u);
  const double mu = double(n1) * double(n2) / 2;
  const double sigma = std::sqrt(double(n1) * double(n2) * double(n1 + n2 + 1) / 12);
  return normal_cdf((u + 0.5 - mu) / sigma);
}

MannWhitney mann_whitney_u(std::span<const double> x, std::span<const double> y) {
  if (x.empty() || y.empty())
    throw std::invalid_argument("mann_whitney_u: both samples must be non-empty");
  const int64_t n1 = int64_t(x.size()), n2 = int64_t(y.size()), n = n1 + n2;
  // Midranks of the pooled sample; tie groups feed the variance correction.
  std::vector<std::pair<double, int>> pooled;
  pooled.reserve(size_t(n));
  for (double v : x)
    pooled.push_back({v, 0});
  for (double v : y)
    pooled.push_back({v, 1});
  std::sort(pooled.begin(), pooled.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  double rank_sum_x = 0, tie_term = 0;
  for (size_t i = 0; i < pooled.size();) {
    size_t j = i;
    while (j < pooled.size() && pooled[j].first == pooled[i].first)
      ++j;
    const double t = double(j - i), midrank = (double(i + 1) + double(j)) / 2;
    for (size_t k = i; k < j; ++k) {
      if (pooled[k].second == 0)
        rank_sum_x += midrank;
    }
    tie_term += t * t * t - t;
    i = j;
  }
  MannWhitney r;
  r.u = rank_sum_x - double(n1) * double(n1 + 1) / 2;
  r.ties = tie_term > 0;
  const double mu = double(n1) * double(n2) / 2;
  if (!r.ties && use_exact(n1, n2)) {
    const std::vector<double> counts = mann_whitney_counts(n1, n2);
    const double lower = exact_lower_tail(counts, r.u);
    // P(U >= u) = P(U <= n1·n2 - u): the null distribution is symmetric.
    const double upper = exact_lower_tail(counts, double(n1 * n2) - r.u);
    r.exact = true;
    r.p_two_sided = std::min(1.0, 2 * std::min(lower, upper));
    return r;
  }
  const double var =
      double(n1) * double(n2) / 12 * (double(n + 1) - tie_term / (double(n) * double(n - 1)));
  if (var <= 0) { // every value equal: no evidence of any difference
    r.p_two_sided = 1;
    return r;
  }
  const double dev = std::max(0.0, std::abs(r.u - mu) - 0.5); // continuity correction
  r.z = (r.u >= mu ? dev : -dev) / std::sqrt(var);
  r.p_two_sided = std::min(1.0, std::erfc(std::abs(r.z) / std::sqrt(2.0)));
  return r;
}

namespace {

// Evenly spaced quantiles of a sample (linear interpolation), used to bound the pair count.
std::vector<double> thin(std::span<const double> v, size_t keep) {
  std::vector<double> s(v.begin(), v.end());
  std::sort(s.begin(), s.end());
  if (s.size() <= keep)
    return s;
  std::vector<double> out(keep);
  for (size_t i = 0; i < keep; ++i) {
    const double pos = double(i) * double(s.size() - 1) / double(keep - 1);
    const size_t lo = size_t(pos), hi = std::min(s.size() - 1, lo + 1);
    out[i] = s[lo] + (s[hi] - s[lo]) * (pos - double(lo));
  }
  return out;
}

} // namespace

ShiftEstimate hodges_lehmann_shift(std::span<const double> x_in, std::span<const double> y_in,
                                   double level) {
  if (x_in.empty() || y_in.empty())
    throw std::invalid_argument("hodges_lehmann_shift: empty sample");
  if (!(level > 0 && level < 1))
    throw std::invalid_argument("hodges_lehmann_shift: level must be in (0, 1)");
  std::vector<double> x(x_in.begin(), x_in.end()), y(y_in.begin(), y_in.end());
  while (int64_t(x.size()) * int64_t(y.size()) > kShiftPairLimit) {
    const size_t keep = size_t(std::sqrt(double(kShiftPairLimit)));
    x = thin(x, keep);
    y = thin(y, keep);
  }
  const int64_t n1 = int64_t(x.size()), n2 = int64_t(y.size()), pairs = n1 * n2;
  std::vector<double> d;
  d.reserve(size_t(pairs));
  for (double yj : y) {
    for (double xi : x)
      d.push_back(yj - xi);
  }
  std::sort(d.begin(), d.end());
  ShiftEstimate s;
  s.level = level;
  s.estimate =
      pairs % 2 ? d[size_t(pairs / 2)] : 0.5 * (d[size_t(pairs / 2 - 1)] + d[size_t(pairs / 2)]);
  // Largest k with P(U <= k-1) <= (1-level)/2; the lower tail is monotone in k.
  const double tail = (1 - level) / 2;
  int64_t k = 0;
  if (use_exact(n1, n2)) {
    const std::vector<double> counts = mann_whitney_counts(n1, n2);
    const double total = std::accumulate(counts.begin(), counts.end(), 0.0);
    double below = 0;
    while (k < pairs && (below + counts[size_t(k)]) / total <= tail)
      below += counts[size_t(k++)];
  } else {
    const double sigma = std::sqrt(double(n1) * double(n2) * double(n1 + n2 + 1) / 12);
    k = int64_t(std::floor(double(pairs) / 2 + 0.5 + normal_quantile(tail) * sigma));
    k = std::clamp<int64_t>(k, 0, pairs / 2);
  }
  if (k < 1) {
    s.low = -INFINITY;
    s.high = INFINITY;
  } else {
    s.low = d[size_t(k - 1)];
    s.high = d[size_t(pairs - k)];
  }
  return s;
}

FdrResult benjamini_hochberg(std::span<const double> p, double q) {
  const size_t m = p.size();
  FdrResult r;
  r.adjusted.assign(m, 1.0);
  r.rejected.assign(m, false);
  if (m == 0)
    return r;
  std::vector<size_t> order(m);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return p[a] < p[b]; });
  double running = 1.0; // min over j >= rank of m·p_(j)/j, from the largest rank down
  for (size_t rank = m; rank >= 1; --rank) {
    const size_t i = order[rank - 1];
    running = std::min(running, double(m) * p[i] / double(rank));
    r.adjusted[i] = std::min(1.0, running);
  }
  for (size_t i = 0; i < m; ++i)
    r.rejected[i] = r.adjusted[i] <= q;
  return r;
}

} // namespace v4::harness
