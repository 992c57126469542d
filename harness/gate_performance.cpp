// The performance half of the gate: per case the rank test and effect interval on the raw
// samples, Benjamini-Hochberg across the run, then the verdicts (docs/gate.md).
#include <algorithm>
#include <cmath>
#include <tuple>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "harness/gate.h"
#include "harness/stats.h"

namespace v4::harness {

PerfVerdict compare_samples(std::span<const double> baseline, std::span<const double> candidate,
                            const GateOptions& o) {
  PerfVerdict v;
  v.n_baseline = int64_t(baseline.size());
  v.n_candidate = int64_t(candidate.size());
  auto median = [](std::span<const double> s) -> double {
    if (s.empty())
      return NAN;
    std::vector<double> t(s.begin(), s.end());
    std::sort(t.begin(), t.end());
    return t.size() % 2 ? t[t.size() / 2] : 0.5 * (t[t.size() / 2 - 1] + t[t.size() / 2]);
  };
  v.baseline_median = median(baseline);
  v.candidate_median = median(candidate);
  if (v.n_baseline < o.min_samples || v.n_candidate < o.min_samples) {
    v.verdict = Verdict::ambiguous;
    v.reason = fmt::format("too few samples ({} baseline, {} candidate; at least {} each needed)",
                           v.n_baseline, v.n_candidate, o.min_samples);
    return v;
  }
  // Times are compared on a log scale: the shift of log times is a ratio, the same at every size.
  // Ranks (and so the test) are unchanged by the logarithm.
  std::vector<double> lb, lc;
  for (double s : baseline)
    lb.push_back(std::log(s));
  for (double s : candidate)
    lc.push_back(std::log(s));
  const MannWhitney mw = mann_whitney_u(lc, lb);
  const ShiftEstimate shift = hodges_lehmann_shift(lb, lc, 1 - o.alpha);
  v.tested = true;
  v.exact = mw.exact;
  v.p_value = mw.p_two_sided;
  v.effect = std::expm1(shift.estimate);
  v.ci_low = std::expm1(shift.low);
  v.ci_high = std::expm1(shift.high);
  return v;
}

void decide_performance(std::vector<PerfVerdict>& cases, const GateOptions& o) {
  std::vector<double> p;
  std::vector<size_t> tested;
  for (size_t i = 0; i < cases.size(); ++i) {
    if (cases[i].tested) {
      p.push_back(cases[i].p_value);
      tested.push_back(i);
    }
  }
  const FdrResult fdr = benjamini_hochberg(p, o.fdr_q);
  const double t = o.min_effect;
  for (size_t j = 0; j < tested.size(); ++j) {
    PerfVerdict& v = cases[tested[j]];
    v.p_adjusted = fdr.adjusted[j];
    const bool significant = fdr.rejected[j];
    const std::string interval =
        fmt::format("{:+.1f}% ({:.0f}% CI {:+.1f}% … {:+.1f}%)", 100 * v.effect,
                    100 * (1 - o.alpha), 100 * v.ci_low, 100 * v.ci_high);
    const std::string evidence = fmt::format("p = {:.2g}, BH-adjusted {:.2g}, {} vs {} samples",
                                             v.p_value, v.p_adjusted, v.n_baseline, v.n_candidate);
    if (significant && v.ci_low > t) {
      v.verdict = Verdict::slower;
      v.reason =
          fmt::format("slower by {}, above the {:.0f}% threshold; {}", interval, 100 * t, evidence);
    } else if (significant && v.ci_high < -t) {
      v.verdict = Verdict::faster;
      v.reason = fmt::format("faster: {}; {}", interval, evidence);
    } else if (v.ci_high > t) {
      v.verdict = Verdict::ambiguous;
      v.reason =
          fmt::format("a slowdown above {:.0f}% is neither confirmed nor excluded: {}; {}; rerun",
                      100 * t, interval, evidence);
    } else {
      v.verdict = Verdict::same;
      v.reason = fmt::format("within the {:.0f}% threshold: {}; {}", 100 * t, interval, evidence);
    }
  }
}

namespace {

struct TimedCase {
  std::string role;
  std::vector<double> samples;
};
using CaseKey = std::tuple<std::string, std::string, std::string>; // op, backend, case key

std::map<CaseKey, TimedCase> load_timed_cases(Store& store, int64_t run_id) {
  auto st = store.prepare(
      "SELECT c.op, c.backend, c.case_key, c.backend_role, s.seconds FROM cases c JOIN timings t "
      "USING (case_id)"
      " LEFT JOIN samples s USING (case_id) WHERE c.run_id = ? ORDER BY c.case_id, s.sample_index");
  st->bind(1, run_id);
  std::map<CaseKey, TimedCase> out;
  while (st->step()) {
    TimedCase& tc = out[{st->column_text(0), st->column_text(1), st->column_text(2)}];
    tc.role = st->column_text(3);
    if (st->column_is_null(4))
      continue;
    const double s = st->column_double(4);
    if (!std::isfinite(s) || s <= 0) {
      throw GateError(
          fmt::format("measurement error: run {} case '{}' backend {} has a timing sample of {} s",
                      run_id, st->column_text(2), st->column_text(1), s));
    }
    tc.samples.push_back(s);
  }
  return out;
}

} // namespace

void evaluate_performance(Store& store, const GateOptions& o, GateResult& r) {
  const auto base = load_timed_cases(store, r.baseline.id);
  const auto cand = load_timed_cases(store, r.candidate.id);
  int64_t peers = 0, missing = 0, added = 0, unselected = 0;
  std::string first_missing;
  auto selected = [&](const std::string& backend) {
    return o.perf_backends.empty() || std::find(o.perf_backends.begin(), o.perf_backends.end(),
                                                backend) != o.perf_backends.end();
  };
  for (const auto& [key, b] : base) {
    if (b.role == "peer" || b.role == "negative_control") {
      peers += cand.count(key);
      continue;
    }
    if (!selected(std::get<1>(key))) {
      unselected += cand.count(key);
      continue;
    }
    auto it = cand.find(key);
    if (it == cand.end()) {
      if (missing++ == 0)
        first_missing = std::get<2>(key) + " backend=" + std::get<1>(key);
      continue;
    }
    PerfVerdict v = compare_samples(b.samples, it->second.samples, o);
    std::tie(v.op, v.backend, v.case_key) = key;
    r.perf.push_back(std::move(v));
  }
  for (const auto& [key, c] : cand)
    added += !base.count(key) && c.role != "peer" && selected(std::get<1>(key));
  if (!base.empty() && r.perf.empty() && missing > 0) {
    throw GateError(fmt::format(
        "no timed case of baseline run {} is in candidate run {} ({} missing): nothing to "
        "compare; were both runs made with the same suite?",
        r.baseline.id, r.candidate.id, missing));
  }
  if (missing)
    r.notes.push_back(fmt::format("{} timed baseline case{} not in the candidate (e.g. '{}')",
                                  missing, missing == 1 ? "" : "s", first_missing));
  if (added)
    r.notes.push_back(fmt::format("{} timed candidate case{} new (no baseline to compare with)",
                                  added, added == 1 ? "" : "s"));
  if (unselected)
    r.notes.push_back(fmt::format("{} timed case{} of other backends than {} not gated", unselected,
                                  unselected == 1 ? "" : "s", fmt::join(o.perf_backends, ", ")));
  if (peers)
    r.notes.push_back(
        fmt::format("{} peer case{} timed but not gated", peers, peers == 1 ? "" : "s"));
  decide_performance(r.perf, o);
}

} // namespace v4::harness
