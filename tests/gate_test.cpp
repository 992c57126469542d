// The CI gate on synthetic databases (tests/synthetic_runs.h): an injected 20 % slowdown fails
// (exit 1), noise alone passes (exit 0 in at least 95 of 100 seeded trials), 100 simulated A/A
// pairs keep the false-alarm rate under the FDR level, an ULP-budget breach and a failed or lost
// invariance fail, too few samples are ambiguous (exit 2), and a corrupt database or unknown run
// is an infrastructure error (exit 3) with a clear message. Also: verdicts recorded with their
// thresholds, the v1 -> v2 schema migration, and the command line end to end.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "harness/gate.h"
#include "harness/junit.h"
#include "synthetic_runs.h"

namespace v4::harness {
namespace {

using testing::add_synthetic_run;
using testing::SyntheticRun;
using testing::TempDir;

constexpr int kCases = 24;

GateOptions options(int64_t baseline, int64_t candidate, const std::string& budget = "/nonexistent/ulp_budget.txt") {
  GateOptions o;
  o.baseline = std::to_string(baseline);
  o.candidate = std::to_string(candidate);
  o.budget_path = budget;
  return o;
}

std::string read_file(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// Runs the v4harness binary; returns its exit code, with stdout+stderr in `output`.
int run_cli(const std::string& args, std::string& output, const TempDir& dir) {
  const std::string log = dir.file("cli.log");
  const int status = std::system((std::string(V4HARNESS_EXE) + " " + args + " >" + log + " 2>&1").c_str());
  output = read_file(log);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(Gate, InjectedSlowdownExitsOne) {
  TempDir dir("gate-slowdown");
  auto store = Store::open(dir.file("r.sqlite"), Store::Mode::read_write);
  const auto cases = testing::synthetic_cases(kCases);
  const int64_t base = add_synthetic_run(*store, cases, {.tag = "main", .seed = 11});
  SyntheticRun cand{.seed = 12};
  cand.factor.assign(kCases, 1.0);
  cand.factor[7] = 1.2;
  const int64_t run = add_synthetic_run(*store, cases, cand);
  const GateResult r = evaluate_gate(*store, options(base, run));
  EXPECT_EQ(r.exit_code, kGateRegression) << r.headline;
  ASSERT_EQ(r.perf.size(), size_t(kCases));
  EXPECT_EQ(r.slower, 1);
  const PerfVerdict& v = r.perf[size_t(std::find_if(r.perf.begin(), r.perf.end(),
                                                    [&](const PerfVerdict& p) { return p.case_key == cases[7].key; }) -
                                       r.perf.begin())];
  EXPECT_EQ(v.verdict, Verdict::slower) << v.reason;
  std::printf("injected +20%%: %s\n", v.reason.c_str());
  EXPECT_NEAR(v.effect, 0.2, 0.03);
  EXPECT_GT(v.ci_low, 0.05);
  EXPECT_LE(v.p_adjusted, 0.05);
  const std::string md = gate_markdown(r, options(base, run));
  EXPECT_NE(md.find("REGRESSION"), std::string::npos);
  EXPECT_NE(md.find(cases[7].key), std::string::npos);
  EXPECT_NE(md.find("slower by +"), std::string::npos) << md;
  const std::string xml = gate_junit(r, options(base, run));
  EXPECT_NE(xml.find("<failure type=\"SLOWER\""), std::string::npos);
}

TEST(Gate, NoiseOnlyPassesAtLeast95Of100Trials) {
  TempDir dir("gate-noise");
  auto store = Store::open(dir.file("r.sqlite"), Store::Mode::read_write);
  const auto cases = testing::synthetic_cases(kCases);
  int passed = 0, ambiguous = 0, regressions = 0;
  for (uint64_t trial = 0; trial < 100; ++trial) {
    const int64_t base = add_synthetic_run(*store, cases, {.seed = 1000 + 2 * trial});
    const int64_t run = add_synthetic_run(*store, cases, {.seed = 1001 + 2 * trial});
    const GateResult r = evaluate_gate(*store, options(base, run));
    passed += r.exit_code == kGatePass;
    ambiguous += r.exit_code == kGateAmbiguous;
    regressions += r.exit_code == kGateRegression;
  }
  std::printf("noise only: %d of 100 trials pass, %d ambiguous, %d regressions\n", passed, ambiguous, regressions);
  EXPECT_GE(passed, 95);
  EXPECT_EQ(regressions, 0);
}

TEST(Gate, AaFalseAlarmRateOver100SimulatedPairs) {
  TempDir dir("gate-aa");
  auto store = Store::open(dir.file("r.sqlite"), Store::Mode::read_write);
  const auto cases = testing::synthetic_cases(kCases);
  int64_t flagged = 0, compared = 0, pairs_passing = 0;
  for (uint64_t pair = 0; pair < 100; ++pair) {
    const int64_t a = add_synthetic_run(*store, cases, {.seed = 5000 + 2 * pair});
    const int64_t b = add_synthetic_run(*store, cases, {.seed = 5001 + 2 * pair});
    GateOptions o = options(a, b);
    o.aa = true;
    const GateResult r = evaluate_gate(*store, o);
    flagged += r.slower + r.faster;
    compared += int64_t(r.perf.size());
    pairs_passing += r.exit_code == kGatePass;
    EXPECT_LE(r.false_alarm_rate, o.fdr_q);
  }
  const double rate = double(flagged) / double(compared);
  std::printf("A/A: %lld of %lld case comparisons flagged (false-alarm rate %.4f), %lld of 100 pairs pass\n",
              (long long)flagged, (long long)compared, rate, (long long)pairs_passing);
  EXPECT_LE(rate, 0.05);
  EXPECT_EQ(pairs_passing, 100);
}

TEST(Gate, AaModeFlagsARealDifference) {
  // The A/A report must be able to fail: a 30 % shift on every case is far above the FDR level.
  TempDir dir("gate-aa-shift");
  auto store = Store::open(dir.file("r.sqlite"), Store::Mode::read_write);
  const auto cases = testing::synthetic_cases(kCases);
  const int64_t a = add_synthetic_run(*store, cases, {.seed = 1});
  SyntheticRun shifted{.seed = 2};
  shifted.factor.assign(kCases, 1.3);
  const int64_t b = add_synthetic_run(*store, cases, shifted);
  GateOptions o = options(a, b);
  o.aa = true;
  const GateResult r = evaluate_gate(*store, o);
  EXPECT_EQ(r.exit_code, kGateRegression);
  EXPECT_NEAR(r.false_alarm_rate, 1.0, 1e-12);
}

TEST(Gate, TooFewSamplesIsAmbiguous) {
  TempDir dir("gate-few");
  auto store = Store::open(dir.file("r.sqlite"), Store::Mode::read_write);
  const auto cases = testing::synthetic_cases(4);
  const int64_t base = add_synthetic_run(*store, cases, {.seed = 1, .samples = 3});
  const int64_t run = add_synthetic_run(*store, cases, {.seed = 2, .samples = 3});
  const GateResult r = evaluate_gate(*store, options(base, run));
  EXPECT_EQ(r.exit_code, kGateAmbiguous);
  EXPECT_EQ(r.ambiguous, 4);
  EXPECT_NE(r.perf[0].reason.find("too few samples"), std::string::npos);
}

TEST(Gate, UncertainSlowdownIsAmbiguous) {
  // 7 % slower but very noisy (sigma 15 %): the interval straddles the 5 % threshold.
  TempDir dir("gate-uncertain");
  auto store = Store::open(dir.file("r.sqlite"), Store::Mode::read_write);
  const auto cases = testing::synthetic_cases(1);
  const int64_t base = add_synthetic_run(*store, cases, {.seed = 3, .samples = 8, .sigma = 0.15});
  SyntheticRun cand{.seed = 4, .samples = 8, .sigma = 0.15};
  cand.factor = {1.07};
  const int64_t run = add_synthetic_run(*store, cases, cand);
  const GateResult r = evaluate_gate(*store, options(base, run));
  ASSERT_EQ(r.perf.size(), 1u);
  EXPECT_LT(r.perf[0].ci_low, 0.05);
  EXPECT_GT(r.perf[0].ci_high, 0.05);
  EXPECT_EQ(r.exit_code, kGateAmbiguous) << r.perf[0].reason;
}

// Two runs with identical timings and one accuracy check each; the candidate's worst ULP is 3.
struct BudgetFixture {
  TempDir dir{"gate-budget"};
  std::unique_ptr<Store> store = Store::open(dir.file("r.sqlite"), Store::Mode::read_write);
  std::vector<testing::SyntheticCase> cases = testing::synthetic_cases(3);
  int64_t base = 0, cand = 0;
  explicit BudgetFixture(double candidate_ulp, bool candidate_passed = true) {
    for (int k = 0; k < 2; ++k) {
      RunInfo info;
      info.git_commit = k ? "bbbb" : "aaaa";
      const int64_t run = store->begin_run(info);
      for (const auto& c : cases) {
        const int64_t id = store->add_case(run, c.op, c.backend, c.role, c.device, c.key, "{}");
        store->add_check(id, testing::accuracy_check(c.op, c.backend, c.key, "y", k ? candidate_ulp : 1, k ? candidate_passed : true));
        store->add_check(id, testing::plain_check(c.op, c.backend, c.key, "determinism", true));
      }
      store->finish_run(run, 0, 0);
      (k ? cand : base) = run;
    }
  }
  std::string budget(const std::string& text) const {
    std::ofstream(dir.file("ulp_budget.txt")) << text;
    return dir.file("ulp_budget.txt");
  }
};

TEST(Gate, UlpBudgetBreachExitsOne) {
  BudgetFixture fx(3);
  const std::string path = fx.budget("# op backend output max_ulp\nact_quant cuda y 2\nrms_norm cuda y 4\n");
  const GateResult r = evaluate_gate(*fx.store, options(fx.base, fx.cand, path));
  EXPECT_EQ(r.exit_code, kGateRegression) << r.headline;
  int breaches = 0, within = 0;
  for (const CheckFinding& f : r.findings) {
    if (f.kind != "ulp_budget") continue;
    if (f.verdict == Verdict::fail) {
      ++breaches;
      EXPECT_EQ(f.op, "act_quant");
      EXPECT_EQ(f.measured, 3);
      EXPECT_EQ(f.threshold, 2);
      EXPECT_NE(f.reason.find("3 ULP, budget 2 ULP"), std::string::npos) << f.reason;
      EXPECT_FALSE(f.replay.empty());
    } else {
      ++within;
    }
  }
  EXPECT_EQ(breaches, 1);
  EXPECT_EQ(within, 1);
  // mhc.sinkhorn has no entry: a note, not a failure.
  bool noted = false;
  for (const std::string& n : r.notes) noted |= n.find("mhc.sinkhorn cuda y") != std::string::npos;
  EXPECT_TRUE(noted);
  EXPECT_NE(gate_markdown(r, options(fx.base, fx.cand, path)).find("ULP BUDGET"), std::string::npos);
}

TEST(Gate, UlpBudgetWithinPasses) {
  BudgetFixture fx(3);
  const std::string path = fx.budget("act_quant cuda y 3\n");
  EXPECT_EQ(evaluate_gate(*fx.store, options(fx.base, fx.cand, path)).exit_code, kGatePass);
}

TEST(Gate, MalformedOrRequiredBudgetIsAnInfrastructureError) {
  BudgetFixture fx(1);
  EXPECT_THROW(evaluate_gate(*fx.store, options(fx.base, fx.cand, fx.budget("act_quant cuda y\n"))), BudgetError);
  GateOptions o = options(fx.base, fx.cand, fx.dir.file("missing.txt"));
  o.budget_required = true;
  EXPECT_THROW(evaluate_gate(*fx.store, o), GateError);
}

TEST(Gate, FailedCheckExitsOneWithReplay) {
  BudgetFixture fx(9, /*candidate_passed=*/false);
  const GateResult r = evaluate_gate(*fx.store, options(fx.base, fx.cand));
  EXPECT_EQ(r.exit_code, kGateRegression);
  EXPECT_EQ(r.checks_failed, 3);
  ASSERT_FALSE(r.findings.empty());
  EXPECT_EQ(r.findings[0].kind, "check");
  EXPECT_NE(r.findings[0].replay.find("check=accuracy.y"), std::string::npos);
}

TEST(Gate, LostInvarianceIsNamed) {
  TempDir dir("gate-invariance");
  auto store = Store::open(dir.file("r.sqlite"), Store::Mode::read_write);
  int64_t runs[2];
  for (int k = 0; k < 2; ++k) {
    runs[k] = store->begin_run(RunInfo{});
    const int64_t id = store->add_case(runs[k], "rms_norm", "cuda", "candidate", "cuda", "rms_norm rows=4 seed=1", "{}");
    store->add_check(id, testing::plain_check("rms_norm", "cuda", "rms_norm rows=4 seed=1", "batch_invariance", k == 0));
    store->finish_run(runs[k], k == 0, k == 1);
  }
  const GateResult r = evaluate_gate(*store, options(runs[0], runs[1]));
  EXPECT_EQ(r.exit_code, kGateRegression);
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].kind, "invariance");
  EXPECT_NE(r.findings[0].reason.find("passed in baseline run"), std::string::npos) << r.findings[0].reason;
}

TEST(Gate, BaselineByTagAndDefaultCandidate) {
  TempDir dir("gate-tag");
  auto store = Store::open(dir.file("r.sqlite"), Store::Mode::read_write);
  const auto cases = testing::synthetic_cases(3);
  const int64_t base = add_synthetic_run(*store, cases, {.tag = "release-1", .seed = 1});
  add_synthetic_run(*store, cases, {.seed = 2});
  const int64_t latest = add_synthetic_run(*store, cases, {.seed = 3});
  GateOptions o;
  o.baseline = "release-1";
  o.budget_path = "/nonexistent";
  const GateResult r = evaluate_gate(*store, o);
  EXPECT_EQ(r.baseline.id, base);
  EXPECT_EQ(r.candidate.id, latest);
  EXPECT_EQ(resolve_run(*store, "release-1"), base);
  EXPECT_THROW(resolve_run(*store, "no-such-tag"), GateError);
  o.candidate = "release-1";
  EXPECT_THROW(evaluate_gate(*store, o), GateError);  // the same run twice
}

TEST(Gate, NonPositiveSampleIsAMeasurementError) {
  TempDir dir("gate-bad-sample");
  auto store = Store::open(dir.file("r.sqlite"), Store::Mode::read_write);
  const auto cases = testing::synthetic_cases(2);
  const int64_t base = add_synthetic_run(*store, cases, {.seed = 1});
  const int64_t run = add_synthetic_run(*store, cases, {.seed = 2});
  store->exec(fmt::format("UPDATE samples SET seconds = 0 WHERE sample_index = 3 AND case_id IN "
                          "(SELECT case_id FROM cases WHERE run_id = {})", run));
  try {
    evaluate_gate(*store, options(base, run));
    FAIL() << "no error";
  } catch (const GateError& e) {
    EXPECT_NE(std::string(e.what()).find("measurement error"), std::string::npos) << e.what();
  }
}

TEST(Gate, VerdictsAreRecordedWithTheirThresholds) {
  TempDir dir("gate-record");
  auto store = Store::open(dir.file("r.sqlite"), Store::Mode::read_write);
  const auto cases = testing::synthetic_cases(5);
  const int64_t base = add_synthetic_run(*store, cases, {.seed = 1});
  const int64_t run = add_synthetic_run(*store, cases, {.seed = 2});
  GateOptions o = options(base, run);
  o.min_effect = 0.08;
  const GateResult r = evaluate_gate(*store, o);
  EXPECT_EQ(record_gate(*store, o, r), 1);
  EXPECT_EQ(record_gate(*store, o, r), 2);
  auto st = store->prepare(
      "SELECT count(*), min(threshold), max(threshold), sum(kind = 'overall'), max(exit_code), min(p_value >= 0)"
      " FROM gate_verdicts WHERE gate_id = 2");
  ASSERT_TRUE(st->step());
  EXPECT_EQ(st->column_int(0), 6);
  EXPECT_EQ(st->column_double(1), 0.08);
  EXPECT_EQ(st->column_double(2), 0.08);
  EXPECT_EQ(st->column_int(3), 1);
  EXPECT_EQ(st->column_int(4), r.exit_code);
  EXPECT_EQ(st->column_int(5), 1);
}

TEST(Gate, MigratesAVersionOneDatabase) {
  TempDir dir("gate-migrate");
  const std::string path = dir.file("v1.sqlite");
  {
    auto store = Store::open(path, Store::Mode::read_write);
    add_synthetic_run(*store, testing::synthetic_cases(2), {.seed = 1});
    // Make it exactly what a version-1 build wrote: no gate table, version 1.
    store->exec("DROP INDEX gate_verdicts_by_run; DROP TABLE gate_verdicts;"
                "UPDATE meta SET value = '1' WHERE key = 'schema_version'");
  }
  {
    auto ro = Store::open(path, Store::Mode::read_only);  // read-only leaves it as it is
    EXPECT_EQ(ro->schema_version(), 1);
  }
  auto store = Store::open(path, Store::Mode::read_write);
  EXPECT_EQ(store->schema_version(), 2);
  auto st = store->prepare("SELECT (SELECT count(*) FROM sqlite_master WHERE name = 'gate_verdicts'),"
                           " (SELECT count(*) FROM runs), (SELECT count(*) FROM samples)");
  ASSERT_TRUE(st->step());
  EXPECT_EQ(st->column_int(0), 1);
  EXPECT_EQ(st->column_int(1), 1);
  EXPECT_EQ(st->column_int(2), 60);  // 2 cases × 30 samples
}

TEST(Gate, CorruptDatabaseExitsThreeWithAClearMessage) {
  TempDir dir("gate-corrupt");
  const std::string garbage = dir.file("garbage.sqlite");
  std::ofstream(garbage) << "this is not a database, just some text that CI left here\n";
  std::string out;
  EXPECT_EQ(run_cli(fmt::format("gate --db {} --baseline 1 --junit {}", garbage, dir.file("j.xml")), out, dir), 3);
  EXPECT_NE(out.find("corrupt or not a SQLite file"), std::string::npos) << out;
  EXPECT_NE(read_file(dir.file("j.xml")).find("<error type=\"INFRASTRUCTURE\""), std::string::npos);

  // A real database whose pages were overwritten in the middle.
  const std::string damaged = dir.file("damaged.sqlite");
  {
    auto store = Store::open(damaged, Store::Mode::read_write);
    for (int i = 0; i < 3; ++i) add_synthetic_run(*store, testing::synthetic_cases(kCases), {.seed = uint64_t(i)});
    store->exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }
  {
    std::fstream f(damaged, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(4096 * 3);
    const std::string junk(4096 * 4, '\x5a');
    f.write(junk.data(), std::streamsize(junk.size()));
  }
  EXPECT_EQ(run_cli(fmt::format("gate --db {} --baseline 1", damaged), out, dir), 3);
  EXPECT_TRUE(out.find("corrupt") != std::string::npos || out.find("integrity check") != std::string::npos) << out;
}

TEST(Gate, CommandLineEndToEnd) {
  TempDir dir("gate-cli");
  const std::string db = dir.file("r.sqlite");
  {
    auto store = Store::open(db, Store::Mode::read_write);
    const auto cases = testing::synthetic_cases(kCases);
    add_synthetic_run(*store, cases, {.tag = "main", .seed = 21});
    add_synthetic_run(*store, cases, {.seed = 22});
    SyntheticRun slow{.seed = 23};
    slow.factor.assign(kCases, 1.0);
    slow.factor[3] = 1.2;
    add_synthetic_run(*store, cases, slow);
  }
  std::string out;
  const std::string common = fmt::format("gate --db {} --budget {} --baseline main", db, dir.file("none.txt"));
  EXPECT_EQ(run_cli(common + " --candidate 2", out, dir), 0) << out;
  EXPECT_EQ(run_cli(fmt::format("{} --markdown {} --junit {}", common, dir.file("pr.md"), dir.file("junit.xml")),
                    out, dir),
            1)
      << out;
  EXPECT_NE(out.find("REGRESSION: 1 case slower"), std::string::npos) << out;
  EXPECT_NE(read_file(dir.file("pr.md")).find("### Slower"), std::string::npos);
  const std::string xml = read_file(dir.file("junit.xml"));
  EXPECT_EQ(xml.rfind("<?xml", 0), 0u);
  EXPECT_NE(xml.find("failures=\"1\""), std::string::npos) << xml.substr(0, 400);
  EXPECT_EQ(run_cli(fmt::format("gate --db {} --baseline 1 --candidate 2 --aa", db), out, dir), 0) << out;
  EXPECT_NE(out.find("false-alarm rate"), std::string::npos);
  EXPECT_EQ(run_cli(fmt::format("gate --db {} --baseline 99", db), out, dir), 3);
  EXPECT_NE(out.find("neither a run id nor the tag"), std::string::npos) << out;
  auto store = Store::open(db, Store::Mode::read_only);
  auto st = store->prepare("SELECT count(DISTINCT gate_id) FROM gate_verdicts");
  ASSERT_TRUE(st->step());
  EXPECT_EQ(st->column_int(0), 3);  // every decision recorded; the failed lookup none
}

}  // namespace
}  // namespace v4::harness
