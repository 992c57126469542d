#include "harness/timing.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

#include "harness/digest.h"

namespace v4::harness {

namespace {
double quantile(const std::vector<double>& sorted, double q) {  // linear interpolation
  if (sorted.empty()) return 0;
  const double pos = q * double(sorted.size() - 1);
  const size_t lo = size_t(std::floor(pos)), hi = std::min(sorted.size() - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - double(lo));
}
}  // namespace

TimingStats summarize(std::vector<double> samples) {
  TimingStats s;
  s.n = int64_t(samples.size());
  if (samples.empty()) return s;
  std::sort(samples.begin(), samples.end());
  s.min = samples.front();
  s.max = samples.back();
  s.median = quantile(samples, 0.5);
  s.p10 = quantile(samples, 0.1);
  s.p90 = quantile(samples, 0.9);
  s.q1 = quantile(samples, 0.25);
  s.q3 = quantile(samples, 0.75);
  s.mean = std::accumulate(samples.begin(), samples.end(), 0.0) / double(samples.size());
  double var = 0;
  for (double x : samples) var += (x - s.mean) * (x - s.mean);
  s.stdev = samples.size() > 1 ? std::sqrt(var / double(samples.size() - 1)) : 0.0;
  return s;
}

TimingResult measure_host(const std::function<TensorMap()>& run, const TimingPlan& plan) {
  using clock = std::chrono::steady_clock;
  TimingResult result;
  result.method = "steady_clock";
  for (int i = 0; i < plan.warmup; ++i) run();
  const auto start = clock::now();
  TensorMap last;
  for (int i = 0; i < plan.max_samples; ++i) {
    const auto t0 = clock::now();
    last = run();
    const auto t1 = clock::now();
    result.seconds.push_back(std::chrono::duration<double>(t1 - t0).count());
    const double elapsed = std::chrono::duration<double>(t1 - start).count();
    if (int(result.seconds.size()) >= plan.min_samples &&
        (elapsed >= plan.min_seconds || elapsed >= plan.max_seconds)) {
      break;
    }
  }
  result.timed_output_digest = digest(last);
  result.has_timed_output_digest = true;
  return result;
}

}  // namespace v4::harness
