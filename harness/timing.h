// Timing: raw samples and their statistics. CPU backends are timed here with the steady clock;
// CUDA backends supply their own measure function (CUDA events, rotated inputs, see optimized/).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "harness/tensor.h"

namespace v4::harness {

struct TimingPlan {
  int warmup = 2;
  int min_samples = 5;
  int max_samples = 30;
  double min_seconds = 0.02;  // keep sampling until both min_samples and min_seconds are reached
  double max_seconds = 1.0;   // stop early once the budget is spent (after min_samples)
};

struct TimingResult {
  std::vector<double> seconds;  // one entry per timed launch
  std::string method;           // "steady_clock", "cuda_events+l2_rotation", ...
  uint64_t timed_output_digest = 0;  // digest of the outputs of one timed iteration
  bool has_timed_output_digest = false;
  std::string note;
};

struct TimingStats {
  int64_t n = 0;
  double median = 0, min = 0, max = 0, mean = 0, stdev = 0, p10 = 0, p90 = 0, q1 = 0, q3 = 0;
};
TimingStats summarize(std::vector<double> samples);

// Times `run` on the host: `warmup` untimed calls, then samples until the plan is satisfied.
// The outputs of the last timed call are digested for timed-output verification.
TimingResult measure_host(const std::function<TensorMap()>& run, const TimingPlan& plan);

}  // namespace v4::harness
