// The v4harness command end to end: exit codes, clear messages on bad input, existing results
// left intact, and two runs of the same suite producing bitwise-identical check outputs.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/cli_util.h"

namespace {

namespace fs = std::filesystem;

using Result = v4::test::CommandResult;

Result run(const std::string& args) { return v4::test::run_command(V4HARNESS_EXE, args); }

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("v4cli_" + std::to_string(::getpid()) + "_" + std::to_string(std::rand()));
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
  std::string db(const std::string& name = "r.sqlite") const { return (path / name).string(); }
};

std::string slurp(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// Every check's identity and outcome for one run, in a stable order (timing excluded).
std::string check_outputs(const std::string& db, int run_id) {
  sqlite3* h = nullptr;
  sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(h,
                     "SELECT c.op, c.backend, c.case_key, k.check_name, k.passed, k.measured, k.bound,"
                     " k.output_digest, k.detail, k.max_ulp FROM checks k JOIN cases c USING (case_id)"
                     " WHERE c.run_id = ? ORDER BY c.op, c.backend, c.case_key, k.check_name",
                     -1, &st, nullptr);
  sqlite3_bind_int(st, 1, run_id);
  std::string out;
  while (sqlite3_step(st) == SQLITE_ROW) {
    for (int i = 0; i < 10; ++i) {
      const unsigned char* t = sqlite3_column_text(st, i);
      out += t ? reinterpret_cast<const char*>(t) : "NULL";
      out += '|';
    }
    out += '\n';
  }
  sqlite3_finalize(st);
  sqlite3_close(h);
  return out;
}

TEST(Cli, ListShowsOpsAndNegativeControls) {
  const Result r = run("list");
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("act_quant"), std::string::npos);
  EXPECT_NE(r.output.find("negative_control"), std::string::npos);
}

TEST(Cli, TwoRunsGiveBitwiseIdenticalCheckOutputs) {
  TempDir dir;
  const Result first = run("run --suite smoke --no-timing --no-progress --op rms_norm* --op act_quant --db " + dir.db());
  ASSERT_EQ(first.code, 0) << first.output;
  const Result second = run("run --suite smoke --no-timing --no-progress --op rms_norm* --op act_quant --db " + dir.db());
  ASSERT_EQ(second.code, 0) << second.output;
  const std::string a = check_outputs(dir.db(), 1), b = check_outputs(dir.db(), 2);
  EXPECT_FALSE(a.empty());
  EXPECT_EQ(a, b);
  const Result report = run("report --db " + dir.db());
  EXPECT_EQ(report.code, 0);
  EXPECT_NE(report.output.find("# v4harness run 2"), std::string::npos) << report.output;
  EXPECT_NE(report.output.find("m_dispatch_control"), std::string::npos);
}

TEST(Cli, UnknownOpOrSuiteIsAClearErrorAndWritesNothing) {
  TempDir dir;
  Result r = run("run --op no_such_op --db " + dir.db());
  EXPECT_EQ(r.code, 3);
  EXPECT_NE(r.output.find("unknown op 'no_such_op'"), std::string::npos) << r.output;
  r = run("run --suite nightly --db " + dir.db());
  EXPECT_EQ(r.code, 3);
  EXPECT_NE(r.output.find("unknown suite 'nightly'"), std::string::npos) << r.output;
  r = run("run --backend warp_drive --db " + dir.db());
  EXPECT_EQ(r.code, 3);
  EXPECT_FALSE(fs::exists(dir.db()));
  r = run("replay \"no_such_op rows=1 seed=1\"");
  EXPECT_EQ(r.code, 3);
  r = run("frobnicate");
  EXPECT_EQ(r.code, 3);
}

TEST(Cli, BadDatabasesFailCleanlyAndStayIntact) {
  TempDir dir;
  Result r = run("run --suite smoke --op act_quant --db /proc/v4/nope.sqlite");
  EXPECT_EQ(r.code, 3);
  EXPECT_NE(r.output.find("not writable"), std::string::npos) << r.output;

  const std::string corrupt = dir.db("corrupt.sqlite");
  { std::ofstream(corrupt) << std::string(8192, 'z'); }
  r = run("run --suite smoke --op act_quant --db " + corrupt);
  EXPECT_EQ(r.code, 3);
  EXPECT_NE(r.output.find("corrupt"), std::string::npos) << r.output;
  EXPECT_EQ(slurp(corrupt), std::string(8192, 'z'));
  EXPECT_EQ(run("report --db " + corrupt).code, 3);
  EXPECT_EQ(run("report --db " + dir.db("missing.sqlite")).code, 3);
}

TEST(Cli, ReplayRerunsOneStoredCase) {
  Result r = run("replay \"rms_norm rows=5 dim=256 seed=1 backend=reference check=determinism\"");
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("PASS"), std::string::npos);
  r = run("replay \"rms_norm rows=5 dim=256 seed=1 backend=m_dispatch_control\"");
  EXPECT_EQ(r.code, 0) << r.output;  // a caught negative control is a pass
  EXPECT_NE(r.output.find("caught as it must be"), std::string::npos) << r.output;
}

}  // namespace
