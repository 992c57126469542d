#include "harness/gate.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>
#include <tuple>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace v4::harness {

std::string_view verdict_name(Verdict v) {
  switch (v) {
  case Verdict::pass:
    return "PASS";
  case Verdict::fail:
    return "FAIL";
  case Verdict::same:
    return "SAME";
  case Verdict::faster:
    return "FASTER";
  case Verdict::slower:
    return "SLOWER";
  case Verdict::ambiguous:
    return "AMBIGUOUS";
  }
  return "?";
}

void GateOptions::validate() const {
  if (!(min_effect > 0 && min_effect < 10))
    throw GateError(fmt::format("--min-effect {} is not in (0, 10)", min_effect));
  if (!(alpha > 0 && alpha < 1))
    throw GateError(fmt::format("--alpha {} is not in (0, 1)", alpha));
  if (!(fdr_q > 0 && fdr_q < 1))
    throw GateError(fmt::format("--fdr {} is not in (0, 1)", fdr_q));
  if (min_samples < 2)
    throw GateError(fmt::format("--min-samples {} is below 2", min_samples));
}

std::string RunRef::label() const {
  std::string s = fmt::format("run {}", id);
  std::vector<std::string> parts;
  if (!tag.empty())
    parts.push_back("tag " + tag);
  if (!commit.empty())
    parts.push_back("commit " + commit.substr(0, 12) + (dirty ? "+dirty" : ""));
  if (!parts.empty())
    s += " (" + parts[0] + (parts.size() > 1 ? ", " + parts[1] : "") + ")";
  return s;
}

namespace {

bool all_digits(const std::string& s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

RunRef load_run(Store& store, int64_t id) {
  auto st = store.prepare("SELECT kind, coalesce(tag, ''), coalesce(git_commit, ''), started_at, "
                          "coalesce(gpu_name, ''),"
                          " coalesce(host, ''), coalesce(git_dirty, 0) FROM runs WHERE run_id = ?");
  st->bind(1, id);
  if (!st->step())
    throw GateError(fmt::format("run {} is not in '{}'", id, store.path()));
  RunRef r;
  r.id = id;
  r.kind = st->column_text(0);
  r.tag = st->column_text(1);
  r.commit = st->column_text(2);
  r.started_at = st->column_text(3);
  r.gpu = st->column_text(4);
  r.host = st->column_text(5);
  r.dirty = st->column_int(6) != 0;
  return r;
}

} // namespace

int64_t resolve_run(Store& store, const std::string& ref) {
  if (ref.empty())
    throw GateError("no run given");
  if (all_digits(ref)) {
    auto st = store.prepare("SELECT finished_at IS NOT NULL FROM runs WHERE run_id = ?");
    st->bind(1, int64_t(std::stoll(ref)));
    if (st->step()) {
      if (!st->column_int(0))
        throw GateError(fmt::format("run {} in '{}' never finished", ref, store.path()));
      return std::stoll(ref);
    }
  }
  auto st = store.prepare("SELECT max(run_id) FROM runs WHERE tag = ? AND finished_at IS NOT NULL");
  st->bind(1, ref);
  if (st->step() && !st->column_is_null(0))
    return st->column_int(0);
  throw GateError(fmt::format("'{}' is neither a run id nor the tag of a finished run in '{}'", ref,
                              store.path()));
}

std::map<BudgetKey, double> measured_worst_ulp(Store& store, int64_t run_id, bool passed_only) {
  auto st = store.prepare(
      "SELECT c.op, c.backend, substr(k.check_name, 10), max(k.max_ulp), min(k.passed)"
      " FROM checks k JOIN cases c USING (case_id)"
      " WHERE c.run_id = ? AND c.backend_role = 'candidate' AND k.check_name LIKE 'accuracy.%'"
      " AND k.max_ulp IS NOT NULL GROUP BY 1, 2, 3");
  st->bind(1, run_id);
  std::map<BudgetKey, double> out;
  while (st->step()) {
    if (passed_only && st->column_int(4) == 0)
      continue;
    out[{st->column_text(0), st->column_text(1), st->column_text(2)}] = st->column_double(3);
  }
  return out;
}

namespace {

bool is_invariance_check(const std::string& name) {
  return name == "determinism" || name == "batch_invariance" || name.rfind("property.", 0) == 0;
}

void evaluate_checks(Store& store, const GateOptions& o, GateResult& r) {
  {
    auto st = store.prepare("SELECT coalesce(sum(k.passed), 0), coalesce(sum(1 - k.passed), 0) "
                            "FROM checks k JOIN cases c USING (case_id)"
                            " WHERE c.run_id = ?");
    st->bind(1, r.candidate.id);
    st->step();
    r.checks_passed = st->column_int(0);
    r.checks_failed = st->column_int(1);
  }
  // Failed checks of the candidate, each with whether the same check passed in the baseline.
  auto st = store.prepare("SELECT c.op, c.backend, c.case_key, k.check_name, coalesce(k.bound, "
                          "''), k.measured, coalesce(k.detail, ''),"
                          " k.replay, k.negative_control, (SELECT max(b.passed) FROM checks b JOIN "
                          "cases bc USING (case_id)"
                          "  WHERE bc.run_id = ? AND bc.op = c.op AND bc.backend = c.backend AND "
                          "bc.case_key = c.case_key"
                          "  AND b.check_name = k.check_name)"
                          " FROM checks k JOIN cases c USING (case_id) WHERE c.run_id = ? AND "
                          "k.passed = 0 ORDER BY k.check_id");
  st->bind(1, r.baseline.id).bind(2, r.candidate.id);
  while (st->step()) {
    CheckFinding f;
    f.op = st->column_text(0);
    f.backend = st->column_text(1);
    f.case_key = st->column_text(2);
    f.check = st->column_text(3);
    f.measured = st->column_is_null(5) ? NAN : st->column_double(5);
    f.replay = st->column_text(7);
    const bool passed_before = !st->column_is_null(9) && st->column_int(9) == 1;
    f.kind = is_invariance_check(f.check) && passed_before ? "invariance" : "check";
    const std::string what = st->column_int(8) ? "negative control not caught" : "failed";
    f.reason = fmt::format(
        "{} {}{}: {} (bound: {})", f.check, what,
        f.kind == "invariance" ? fmt::format(", passed in baseline run {}", r.baseline.id) : "",
        st->column_text(6), st->column_text(4));
    r.findings.push_back(std::move(f));
  }
  // ULP budget.
  UlpBudget budget;
  if (std::filesystem::exists(o.budget_path)) {
    budget = UlpBudget::load(o.budget_path);
  } else if (o.budget_required) {
    throw GateError(fmt::format("ULP budget '{}' does not exist", o.budget_path));
  } else {
    r.notes.push_back(
        fmt::format("no ULP budget file at '{}': budgets not checked", o.budget_path));
  }
  std::vector<std::string> unbudgeted;
  for (const auto& [key, worst] : measured_worst_ulp(store, r.candidate.id)) {
    const double* limit = budget.find(key);
    if (!limit) {
      unbudgeted.push_back(key.to_string());
      continue;
    }
    CheckFinding f;
    f.kind = "ulp_budget";
    f.op = key.op;
    f.backend = key.backend;
    f.check = key.output;
    f.measured = worst;
    f.threshold = *limit;
    f.verdict = worst <= *limit ? Verdict::pass : Verdict::fail;
    f.reason = fmt::format("worst error of output '{}' is {:g} ULP, budget {:g} ULP ({})",
                           key.output, worst, *limit, o.budget_path);
    if (f.verdict == Verdict::fail) { // name the case that set the worst value
      auto w =
          store.prepare("SELECT c.case_key, k.replay FROM checks k JOIN cases c USING (case_id) "
                        "WHERE c.run_id = ? AND c.op = ?"
                        " AND c.backend = ? AND k.check_name = ? ORDER BY k.max_ulp DESC LIMIT 1");
      w->bind(1, r.candidate.id)
          .bind(2, key.op)
          .bind(3, key.backend)
          .bind(4, "accuracy." + key.output);
      if (w->step()) {
        f.case_key = w->column_text(0);
        f.replay = w->column_text(1);
      }
    }
    r.findings.push_back(std::move(f));
  }
  if (!unbudgeted.empty()) {
    r.notes.push_back(fmt::format(
        "{} output{} without a ULP budget entry (add with --update-budget): {}", unbudgeted.size(),
        unbudgeted.size() == 1 ? "" : "s", fmt::format("{}", fmt::join(unbudgeted, "; "))));
  }
}

} // namespace

GateResult evaluate_gate(Store& store, const GateOptions& o) {
  o.validate();
  GateResult r;
  r.aa = o.aa;
  r.baseline = load_run(store, resolve_run(store, o.baseline));
  if (o.candidate.empty()) {
    auto st =
        store.prepare("SELECT max(run_id) FROM runs WHERE finished_at IS NOT NULL AND run_id != ?");
    st->bind(1, r.baseline.id);
    if (!st->step() || st->column_is_null(0)) {
      throw GateError(
          fmt::format("no candidate: '{}' holds no finished run other than the baseline {}",
                      store.path(), r.baseline.id));
    }
    r.candidate = load_run(store, st->column_int(0));
  } else {
    r.candidate = load_run(store, resolve_run(store, o.candidate));
  }
  if (r.candidate.id == r.baseline.id) {
    throw GateError(fmt::format("baseline and candidate are the same run ({})", r.baseline.id));
  }
  if (o.aa && r.baseline.commit != r.candidate.commit) {
    r.notes.push_back(
        fmt::format("A/A runs should be of one build, but the commits differ ({} vs {})",
                    r.baseline.commit, r.candidate.commit));
  }
  if (!o.aa)
    evaluate_checks(store, o, r);
  evaluate_performance(store, o, r);

  for (const PerfVerdict& v : r.perf) {
    r.slower += v.verdict == Verdict::slower;
    r.faster += v.verdict == Verdict::faster;
    r.same += v.verdict == Verdict::same;
    r.ambiguous += v.verdict == Verdict::ambiguous;
  }
  for (const CheckFinding& f : r.findings)
    r.correctness_failures += f.verdict == Verdict::fail;
  if (o.aa) {
    r.false_alarm_rate = r.perf.empty() ? 0 : double(r.slower + r.faster) / double(r.perf.size());
    r.exit_code = r.false_alarm_rate <= o.fdr_q ? kGatePass : kGateRegression;
    r.headline =
        fmt::format("A/A {}: false-alarm rate {:.1f}% ({} of {} cases flagged, {} ambiguous)",
                    r.exit_code == kGatePass ? "PASS" : "FAIL", 100 * r.false_alarm_rate,
                    r.slower + r.faster, r.perf.size(), r.ambiguous);
    return r;
  }
  if (r.correctness_failures || r.slower) {
    r.exit_code = kGateRegression;
    std::vector<std::string> why;
    if (r.slower)
      why.push_back(fmt::format("{} case{} slower", r.slower, r.slower == 1 ? "" : "s"));
    if (r.correctness_failures) {
      why.push_back(fmt::format("{} correctness failure{}", r.correctness_failures,
                                r.correctness_failures == 1 ? "" : "s"));
    }
    r.headline = fmt::format("REGRESSION: {}", fmt::join(why, ", "));
  } else if (r.ambiguous) {
    r.exit_code = kGateAmbiguous;
    r.headline = fmt::format("AMBIGUOUS: {} case{} without enough evidence; rerun", r.ambiguous,
                             r.ambiguous == 1 ? "" : "s");
  } else {
    r.exit_code = kGatePass;
    r.headline = fmt::format("PASS: {} checks passed, {} cases compared ({} same, {} faster)",
                             r.checks_passed, r.perf.size(), r.same, r.faster);
  }
  return r;
}

} // namespace v4::harness
