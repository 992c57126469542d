// The CI gate's database side and command line: verdicts recorded with their thresholds, the
// v1 -> v2 schema migration, a corrupt database exiting 3 with a clear message (and a JUnit
// <error>), the exit codes and output files of `v4harness gate` end to end, and the ULP budget
// file (parsing, tightening that never raises, `gate --update-budget`).
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <fstream>
#include <sstream>

#include "harness/gate.h"
#include "synthetic_runs.h"

namespace v4::harness {
namespace {

using testing::add_synthetic_run;
using testing::SyntheticRun;
using testing::TempDir;

constexpr int kCases = 24;

GateOptions options(int64_t baseline, int64_t candidate) {
  GateOptions o;
  o.baseline = std::to_string(baseline);
  o.candidate = std::to_string(candidate);
  o.budget_path = "/nonexistent/ulp_budget.txt";
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
  const int status =
      std::system((std::string(V4HARNESS_EXE) + " " + args + " >" + log + " 2>&1").c_str());
  output = read_file(log);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
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
  auto st = store->prepare("SELECT count(*), min(threshold), max(threshold), sum(kind = "
                           "'overall'), max(exit_code), min(p_value >= 0)"
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
    auto ro = Store::open(path, Store::Mode::read_only); // read-only leaves it as it is
    EXPECT_EQ(ro->schema_version(), 1);
  }
  auto store = Store::open(path, Store::Mode::read_write);
  EXPECT_EQ(store->schema_version(), 2);
  auto st =
      store->prepare("SELECT (SELECT count(*) FROM sqlite_master WHERE name = 'gate_verdicts'),"
                     " (SELECT count(*) FROM runs), (SELECT count(*) FROM samples)");
  ASSERT_TRUE(st->step());
  EXPECT_EQ(st->column_int(0), 1);
  EXPECT_EQ(st->column_int(1), 1);
  EXPECT_EQ(st->column_int(2), 60); // 2 cases × 30 samples
}

TEST(Gate, CorruptDatabaseExitsThreeWithAClearMessage) {
  TempDir dir("gate-corrupt");
  const std::string garbage = dir.file("garbage.sqlite");
  std::ofstream(garbage) << "this is not a database, just some text that CI left here\n";
  std::string out;
  EXPECT_EQ(run_cli(fmt::format("gate --db {} --baseline 1 --junit {}", garbage, dir.file("j.xml")),
                    out, dir),
            3);
  EXPECT_NE(out.find("corrupt or not a SQLite file"), std::string::npos) << out;
  EXPECT_NE(read_file(dir.file("j.xml")).find("<error type=\"INFRASTRUCTURE\""), std::string::npos);

  // A real database whose pages were overwritten in the middle.
  const std::string damaged = dir.file("damaged.sqlite");
  {
    auto store = Store::open(damaged, Store::Mode::read_write);
    for (int i = 0; i < 3; ++i)
      add_synthetic_run(*store, testing::synthetic_cases(kCases), {.seed = uint64_t(i)});
    store->exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }
  {
    std::fstream f(damaged, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(4096 * 3);
    const std::string junk(4096 * 4, '\x5a');
    f.write(junk.data(), std::streamsize(junk.size()));
  }
  EXPECT_EQ(run_cli(fmt::format("gate --db {} --baseline 1", damaged), out, dir), 3);
  EXPECT_TRUE(out.find("corrupt") != std::string::npos ||
              out.find("integrity check") != std::string::npos)
      << out;
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
  const std::string common =
      fmt::format("gate --db {} --budget {} --baseline main", db, dir.file("none.txt"));
  EXPECT_EQ(run_cli(common + " --candidate 2", out, dir), 0) << out;
  EXPECT_EQ(run_cli(fmt::format("{} --markdown {} --junit {}", common, dir.file("pr.md"),
                                dir.file("junit.xml")),
                    out, dir),
            1)
      << out;
  EXPECT_NE(out.find("REGRESSION: 1 case slower"), std::string::npos) << out;
  EXPECT_NE(read_file(dir.file("pr.md")).find("### Slower"), std::string::npos);
  const std::string xml = read_file(dir.file("junit.xml"));
  EXPECT_EQ(xml.rfind("<?xml", 0), 0u);
  EXPECT_NE(xml.find("failures=\"1\""), std::string::npos) << xml.substr(0, 400);
  EXPECT_EQ(run_cli(fmt::format("gate --db {} --baseline 1 --candidate 2 --aa", db), out, dir), 0)
      << out;
  EXPECT_NE(out.find("false-alarm rate"), std::string::npos);
  EXPECT_EQ(run_cli(fmt::format("gate --db {} --baseline 99", db), out, dir), 3);
  EXPECT_NE(out.find("neither a run id nor the tag"), std::string::npos) << out;
  auto store = Store::open(db, Store::Mode::read_only);
  auto st = store->prepare("SELECT count(DISTINCT gate_id) FROM gate_verdicts");
  ASSERT_TRUE(st->step());
  EXPECT_EQ(st->column_int(0), 3); // every decision recorded; the failed lookup none
}

TEST(UlpBudget, ParsesAndReportsMalformedLines) {
  const UlpBudget b =
      UlpBudget::parse("# header\n\nrms_norm cuda y 2  # trailing comment\nact_quant cuda y 0\n");
  ASSERT_EQ(b.entries().size(), 2u);
  EXPECT_EQ(*b.find({"rms_norm", "cuda", "y"}), 2);
  EXPECT_EQ(b.find({"rms_norm", "cuda", "z"}), nullptr);
  try {
    UlpBudget::parse("a b c 1\na b c\n", "budget.txt");
    FAIL() << "no error";
  } catch (const BudgetError& e) {
    EXPECT_NE(std::string(e.what()).find("budget.txt:2"), std::string::npos) << e.what();
  }
  EXPECT_THROW(UlpBudget::parse("a b c -1\n"), BudgetError);
  EXPECT_THROW(UlpBudget::parse("a b c nan\n"), BudgetError);
  EXPECT_THROW(UlpBudget::parse("a b c 1\na b c 2\n"), BudgetError); // duplicate
}

TEST(UlpBudget, TightensAndAddsButNeverRaises) {
  UlpBudget b = UlpBudget::parse("op cuda y 4\nop cuda z 1\n");
  const auto changes =
      b.tighten({{{"op", "cuda", "y"}, 2}, {{"op", "cuda", "z"}, 3}, {{"op2", "cuda", "y"}, 0}});
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(*b.find({"op", "cuda", "y"}), 2);  // lowered
  EXPECT_EQ(*b.find({"op", "cuda", "z"}), 1);  // not raised
  EXPECT_EQ(*b.find({"op2", "cuda", "y"}), 0); // added
  EXPECT_EQ(changes[1].before, -1);
  EXPECT_EQ(UlpBudget::parse(b.format()).entries(), b.entries()); // format round-trips
}

TEST(UlpBudget, UpdateBudgetCommandOnlyTightens) {
  TempDir dir("gate-update-budget");
  const std::string db = dir.file("r.sqlite");
  {
    auto store = Store::open(db, Store::Mode::read_write);
    const int64_t run = store->begin_run(RunInfo{});
    const char* key = "rms_norm rows=4 seed=1";
    const int64_t id = store->add_case(run, "rms_norm", "cuda", "candidate", "cuda", key, "{}");
    store->add_check(id, testing::accuracy_check("rms_norm", "cuda", key, "y", 1, true));
    store->add_check(id, testing::accuracy_check("rms_norm", "cuda", key, "rstd", 6, true));
    store->add_check(id, testing::accuracy_check("rms_norm", "cuda", key, "bad", 9, false));
    store->finish_run(run, 2, 1);
  }
  const std::string budget = dir.file("ulp_budget.txt");
  std::ofstream(budget) << "rms_norm cuda y 3\nrms_norm cuda rstd 4\n";
  std::string out;
  EXPECT_EQ(run_cli(fmt::format("gate --db {} --budget {} --update-budget", db, budget), out, dir),
            0)
      << out;
  const UlpBudget b = UlpBudget::load(budget);
  EXPECT_EQ(*b.find({"rms_norm", "cuda", "y"}), 1);        // lowered from 3
  EXPECT_EQ(*b.find({"rms_norm", "cuda", "rstd"}), 4);     // measured 6: left for a reviewed edit
  EXPECT_EQ(b.find({"rms_norm", "cuda", "bad"}), nullptr); // its check failed: not added
  EXPECT_NE(out.find("lowered  rms_norm cuda y 3 -> 1"), std::string::npos) << out;
  EXPECT_NE(out.find("exceeds  rms_norm cuda rstd"), std::string::npos) << out;
  EXPECT_NE(out.find("skipped rms_norm cuda bad"), std::string::npos) << out;
}

} // namespace
} // namespace v4::harness
