// Synthetic results databases for the gate and report tests, written through the store's own API
// (begin_run / add_case / add_check / add_timing / finish_run) with samples from the counter RNG.
// Timing model per sample: base × factor × exp(run_shift + case_shift + sigma·N(0,1)), and with
// probability 5 % an outlier up to +50 % (a preempted launch): run-level and case-level shifts
// make two runs of one build differ by more than their within-run noise, as on real machines.
// The defaults are those of a GPU case under the harness's timing plan: 30 samples (the plan's
// maximum, reached by any kernel under ~0.6 ms) with 2 % spread (CUDA events, rotated inputs).
#pragma once

#include <cmath>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "harness/rng.h"
#include "harness/store.h"

namespace v4::harness::testing {

struct SyntheticCase {
  std::string op, backend, role = "candidate", device = "cuda", key;
  double base_seconds = 1e-4;
};

inline std::vector<SyntheticCase> synthetic_cases(int n) {
  std::vector<SyntheticCase> cases;
  const char* ops[] = {"act_quant", "rms_norm", "mhc.sinkhorn"};
  for (int i = 0; i < n; ++i) {
    const std::string op = ops[i % 3];
    cases.push_back({op, "cuda", "candidate", "cuda",
                     fmt::format("{} rows={} dim=4096 seed={}", op, 64 << (i % 6), i),
                     2e-5 * (1 + i)});
  }
  return cases;
}

struct SyntheticRun {
  std::string tag{}, commit = "0123456789abcdef";
  uint64_t seed = 1;
  int samples = 30;
  double sigma = 0.02;          // within-run noise (log scale)
  double run_sigma = 0.005;     // one shift for the whole run
  double case_sigma = 0.005;    // one shift per case and run
  std::vector<double> factor{}; // per case, default 1 (e.g. 1.2 = an injected 20 % slowdown)
};

inline int64_t add_synthetic_run(Store& store, const std::vector<SyntheticCase>& cases,
                                 const SyntheticRun& r) {
  RunInfo info;
  info.kind = "harness";
  info.tag = r.tag;
  info.suite = "default";
  info.seed = r.seed;
  info.git_commit = r.commit;
  info.gpu_name = "NVIDIA H200";
  info.host = "synthetic";
  const int64_t run = store.begin_run(info);
  const CounterRng rng(r.seed, "synthetic-timings");
  const double run_shift = r.run_sigma * rng.normal(0);
  uint64_t index = 1;
  for (size_t i = 0; i < cases.size(); ++i) {
    const SyntheticCase& c = cases[i];
    const int64_t id = store.add_case(run, c.op, c.backend, c.role, c.device, c.key, "{}");
    const double case_shift = r.case_sigma * rng.normal(index++);
    const double factor = i < r.factor.size() ? r.factor[i] : 1.0;
    TimingRecord rec;
    rec.result.method = "synthetic";
    for (int s = 0; s < r.samples; ++s) {
      double t = c.base_seconds * factor *
                 std::exp(run_shift + case_shift + r.sigma * rng.normal(index++));
      if (rng.uniform(index++) < 0.05)
        t *= 1 + 0.5 * rng.uniform(index++);
      rec.result.seconds.push_back(t);
    }
    rec.stats = summarize(rec.result.seconds);
    rec.cost.bytes = 64.0 * 4096 * 2 * 2;
    rec.gbps = rec.cost.bytes / rec.stats.median / 1e9;
    store.add_timing(id, rec);
  }
  store.finish_run(run, 0, 0);
  return run;
}

// An accuracy check with a given worst ULP (and its histogram), passed or not.
inline CheckOutcome accuracy_check(const std::string& op, const std::string& backend,
                                   const std::string& key, const std::string& output,
                                   double worst_ulp, bool passed) {
  CheckOutcome o;
  o.op = op;
  o.backend = backend;
  o.case_key = key;
  o.check = "accuracy." + output;
  o.passed = passed;
  o.bound = "ulp<=4 bf16";
  o.bound_value = 4;
  o.measured = worst_ulp;
  o.detail = passed ? "within bound" : "worst element beyond the bound";
  CompareResult cr;
  cr.passed = passed;
  cr.elements = 1000;
  cr.max_ulp = worst_ulp;
  cr.p9999_ulp = worst_ulp;
  cr.max_rel = worst_ulp * 0x1p-8;
  cr.calc_diff = 1e-7;
  cr.ulp_histogram = {900, 80, 15, 5};
  if (!passed)
    cr.first_divergence = ElementReport{17, {0, 17}, 1.5, 1.25, worst_ulp};
  o.compare = cr;
  return o;
}

inline CheckOutcome plain_check(const std::string& op, const std::string& backend,
                                const std::string& key, const std::string& name, bool passed) {
  CheckOutcome o;
  o.op = op;
  o.backend = backend;
  o.case_key = key;
  o.check = name;
  o.passed = passed;
  o.bound = "bitwise";
  o.detail = passed ? "identical" : "row 3 differs at batch size 129";
  return o;
}

// A fresh directory under the system temp dir, removed by the destructor.
struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& name) {
    path =
        std::filesystem::temp_directory_path() / fmt::format("v4harness-{}-{}", name, ::getpid());
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

} // namespace v4::harness::testing
