// The v4_benchmarks command: clear errors and exit code 3 on bad flags, and a host-backend run
// stored as one 'benchmark' run with its samples. (Device backends: results/h200, waves 12-16.)
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "tests/cli_util.h"

namespace {

namespace fs = std::filesystem;

using Result = v4::test::CommandResult;

Result run_benchmarks(const std::string& args) {
  return v4::test::run_command(V4_BENCHMARKS_EXE, args);
}

int64_t count_rows(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return -1;
  }
  sqlite3_stmt* st = nullptr;
  int64_t n = -1;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW) {
    n = sqlite3_column_int64(st, 0);
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return n;
}

TEST(BenchmarksCli, BadSamplesIsAClearErrorWithExitCode3) {
  for (const char* bad : {"--samples=0", "--samples=x", "--samples=-4", "--samples=3x"}) {
    const Result r = run_benchmarks(std::string(bad) + " --suite=smoke --op=rms_norm");
    EXPECT_EQ(r.code, 3) << bad << "\n" << r.output;
    EXPECT_NE(r.output.find("--samples must be a positive integer"), std::string::npos)
        << bad << "\n"
        << r.output;
  }
}

TEST(BenchmarksCli, UnknownSuiteIsAClearErrorWithExitCode3) {
  const Result r = run_benchmarks("--suite=nope --op=rms_norm");
  EXPECT_EQ(r.code, 3) << r.output;
  EXPECT_NE(r.output.find("v4_benchmarks: error:"), std::string::npos) << r.output;
}

TEST(BenchmarksCli, HostRunIsStoredWithItsSamples) {
  const fs::path dir = fs::temp_directory_path() / ("v4bench_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string db = (dir / "b.sqlite").string();
  const Result r = run_benchmarks(
      "--suite=smoke --op=rms_norm --backend=reference --benchmark_min_time=0.0001 --db=" + db);
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(count_rows(db, "select count(*) from runs where kind = 'benchmark'"), 1);
  const int64_t cases =
      count_rows(db, "select count(*) from cases where op = 'rms_norm' and backend = 'reference'");
  EXPECT_GE(cases, 1);
  EXPECT_EQ(count_rows(db, "select count(*) from timings"), cases);
  EXPECT_EQ(count_rows(db, "select count(*) from timings where n < 1 or median_s <= 0"), 0);
  fs::remove_all(dir);
}

} // namespace
