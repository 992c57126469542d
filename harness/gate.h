// The CI gate: a candidate run against a baseline run, decided from the results database alone
// (statistics and exit codes in docs/gate.md).
//   correctness: any failed check of the candidate; any op output whose worst ULP exceeds the
//                committed budget (results/ulp_budget.txt); invariances that passed in the
//                baseline and fail now are named as such;
//   performance: per timed case, a two-sided Mann-Whitney U test on the raw samples, the
//                Hodges-Lehmann relative change with its confidence interval, a minimum effect
//                size, and Benjamini-Hochberg FDR control across all cases of the run.
// Exit codes: 0 pass · 1 regression · 2 ambiguous (rerun) · 3 infrastructure or measurement error
// (thrown as GateError or StoreError/BudgetError, mapped to 3 by the command).
#pragma once

#include <cmath>
#include <cstdint>
#include <map>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "harness/store.h"
#include "harness/ulp_budget.h"

namespace v4::harness {

inline constexpr int kGatePass = 0;
inline constexpr int kGateRegression = 1;
inline constexpr int kGateAmbiguous = 2;
inline constexpr int kGateError = 3;

class GateError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

enum class Verdict { pass, fail, same, faster, slower, ambiguous };
std::string_view verdict_name(Verdict v); // PASS FAIL SAME FASTER SLOWER AMBIGUOUS

struct GateOptions {
  std::string baseline;     // run id or tag (the latest finished run with that tag)
  std::string candidate;    // run id or tag; empty: the latest finished run but the baseline
  double min_effect = 0.05; // smallest relative slowdown that counts as a regression
  double alpha = 0.05;      // the effect's interval has confidence 1 - alpha
  double fdr_q = 0.05;      // Benjamini-Hochberg level across all cases of the run
  int64_t min_samples = 5;  // fewer raw samples on either side: AMBIGUOUS
  std::string budget_path = "results/ulp_budget.txt";
  bool budget_required = false;           // a missing budget file is an error (else only a note)
  std::vector<std::string> perf_backends; // only these backends' timings are gated; empty: all
  bool aa = false;       // A/A: two runs of the same build; report the false-alarm rate
  void validate() const; // throws GateError for out-of-range parameters
};

struct RunRef {
  int64_t id = 0;
  std::string kind, tag, commit, started_at, gpu, host;
  bool dirty = false;
  std::string label() const; // "run 12 (tag main, commit abc1234)"
};

struct PerfVerdict {
  std::string op, backend, case_key;
  int64_t n_baseline = 0, n_candidate = 0;
  double baseline_median = 0, candidate_median = 0; // seconds
  // Relative change of the candidate's time (exp(Hodges-Lehmann shift of log times) - 1):
  // +0.20 means 20 % slower. NaN when not tested.
  double effect = NAN, ci_low = NAN, ci_high = NAN;
  double p_value = NAN, p_adjusted = NAN;
  bool exact = false;  // exact Mann-Whitney distribution
  bool tested = false; // enough samples: part of the Benjamini-Hochberg family
  Verdict verdict = Verdict::ambiguous;
  std::string reason;
};

struct CheckFinding {
  std::string kind;                         // "check" | "invariance" | "ulp_budget"
  std::string op, backend, case_key, check; // check: the check name, or the output (ulp_budget)
  Verdict verdict = Verdict::fail;
  double measured = NAN, threshold = NAN;
  std::string reason; // one readable line
  std::string replay; // argument of `v4harness replay`, where one applies
};

struct GateResult {
  bool aa = false;
  RunRef baseline, candidate;
  std::vector<CheckFinding> findings; // failed checks, then every ULP budget comparison
  std::vector<PerfVerdict> perf;
  std::vector<std::string> notes; // what was not compared, and why
  int64_t checks_passed = 0, checks_failed = 0;
  int64_t slower = 0, faster = 0, same = 0, ambiguous = 0;
  int64_t correctness_failures = 0;
  double false_alarm_rate = 0; // A/A: (SLOWER + FASTER) / compared cases
  int exit_code = kGatePass;
  std::string headline; // "REGRESSION: 1 case slower, 2 checks failed", ...
};

// Resolves a run id or tag to a finished run; throws GateError when there is none.
int64_t resolve_run(Store& store, const std::string& ref);

// One case: the rank test and the effect with its interval on the raw samples (seconds, > 0).
// The verdict here is provisional; decide_performance applies Benjamini-Hochberg and decides.
PerfVerdict compare_samples(std::span<const double> baseline, std::span<const double> candidate,
                            const GateOptions& options);
// Benjamini-Hochberg across the tested cases, then each case's verdict (docs/gate.md).
void decide_performance(std::vector<PerfVerdict>& cases, const GateOptions& options);

// The performance half of evaluate_gate: compares the timed cases of r.baseline and r.candidate,
// appends their verdicts to r.perf and notes what was not compared.
void evaluate_performance(Store& store, const GateOptions& options, GateResult& r);

// Worst accuracy ULP per (op, candidate backend, output) of a run, from checks that have one.
// With passed_only, outputs with a failed accuracy check are left out (for budget updates).
std::map<BudgetKey, double> measured_worst_ulp(Store& store, int64_t run_id,
                                               bool passed_only = false);

// The whole decision. Throws GateError/StoreError/BudgetError for infrastructure errors.
GateResult evaluate_gate(Store& store, const GateOptions& options);

// Writes every verdict into gate_verdicts in one transaction (the store must be read-write and at
// schema version 2); returns the gate_id.
int64_t record_gate(Store& store, const GateOptions& options, const GateResult& result);

// The Markdown summary for a pull-request comment.
std::string gate_markdown(const GateResult& result, const GateOptions& options);

} // namespace v4::harness
