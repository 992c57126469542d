// The results store: schema and WAL on creation, one transaction per run, and refusal (with the
// file left untouched) of corrupt, foreign, newer-schema and unwritable databases.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "harness/registry.h"
#include "harness/schema_sql.h"
#include "harness/store.h"

namespace v4::harness {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("v4store_" + std::to_string(::getpid()) + "_" +
                                        std::to_string(std::rand()));
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
};

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

int64_t count(Store& s, const std::string& table) {
  auto st = s.prepare("SELECT count(*) FROM " + table);
  st->step();
  return st->column_int(0);
}

TEST(Store, CreatesSchemaInWalMode) {
  TempDir dir;
  auto s = Store::open((dir.path / "sub" / "r.sqlite").string(), Store::Mode::read_write);
  EXPECT_EQ(s->schema_version(), v4::harness::kSchemaVersion);
  auto st = s->prepare("PRAGMA journal_mode");
  st->step();
  EXPECT_EQ(st->column_text(0), "wal");
}

TEST(Store, OneTransactionPerRun) {
  TempDir dir;
  const std::string path = (dir.path / "r.sqlite").string();
  const OpSpec& op = Registry::instance().get("rms_norm");
  {
    auto s = Store::open(path, Store::Mode::read_write);
    const int64_t run = s->begin_run(RunInfo{});
    const int64_t c = s->add_case(run, op, op.reference(), Case::parse("rms_norm rows=1 dim=8 seed=1"));
    CheckOutcome o;
    o.check = "determinism";
    o.passed = true;
    s->add_check(c, o);
    s->finish_run(run, 1, 0);
    const int64_t aborted = s->begin_run(RunInfo{});
    s->add_case(aborted, op, op.reference(), Case::parse("rms_norm rows=2 dim=8 seed=1"));
    s->abort_run();
    const int64_t crashed = s->begin_run(RunInfo{});  // left open: the destructor must roll it back
    s->add_case(crashed, op, op.reference(), Case::parse("rms_norm rows=3 dim=8 seed=1"));
  }
  auto s = Store::open(path, Store::Mode::read_only);
  EXPECT_EQ(count(*s, "runs"), 1);
  EXPECT_EQ(count(*s, "cases"), 1);
  EXPECT_EQ(count(*s, "checks"), 1);
}

TEST(Store, RefusesCorruptFilesAndLeavesThemUntouched) {
  TempDir dir;
  const fs::path path = dir.path / "corrupt.sqlite";
  {
    std::ofstream f(path, std::ios::binary);
    f << "this is not a database, just text that happens to be long enough to look like a header"
      << std::string(5000, 'x');
  }
  const std::string before = slurp(path);
  try {
    Store::open(path.string(), Store::Mode::read_write);
    FAIL() << "corrupt file accepted";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("corrupt"), std::string::npos) << e.what();
  }
  EXPECT_EQ(slurp(path), before);
  EXPECT_FALSE(fs::exists(path.string() + "-wal"));
}

TEST(Store, RefusesTruncatedDatabase) {
  TempDir dir;
  const fs::path path = dir.path / "r.sqlite";
  {
    auto s = Store::open(path.string(), Store::Mode::read_write);
    s->exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }
  fs::resize_file(path, 2048);  // keep the header page, lose the rest
  const std::string before = slurp(path);
  EXPECT_THROW(Store::open(path.string(), Store::Mode::read_write), StoreError);
  EXPECT_EQ(slurp(path), before);
}

TEST(Store, RefusesForeignAndNewerDatabases) {
  TempDir dir;
  const fs::path foreign = dir.path / "foreign.sqlite";
  sqlite3* db = nullptr;
  sqlite3_open(foreign.c_str(), &db);
  sqlite3_exec(db, "CREATE TABLE other(x)", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  EXPECT_THROW(Store::open(foreign.string(), Store::Mode::read_write), StoreError);

  const fs::path newer = dir.path / "newer.sqlite";
  Store::open(newer.string(), Store::Mode::read_write)->exec("UPDATE meta SET value = '999' WHERE key = 'schema_version'");
  try {
    Store::open(newer.string(), Store::Mode::read_write);
    FAIL() << "newer schema accepted";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("newer"), std::string::npos);
  }
}

TEST(Store, UnwritableAndMissingPathsGiveClearErrors) {
  EXPECT_THROW(Store::open("/proc/v4harness/results.sqlite", Store::Mode::read_write), StoreError);
  EXPECT_THROW(Store::open("/nonexistent/results.sqlite", Store::Mode::read_only), StoreError);
  TempDir dir;
  EXPECT_THROW(Store::open(dir.path.string(), Store::Mode::read_write), StoreError);  // a directory
  if (::geteuid() != 0) {  // root ignores permission bits
    const fs::path ro = dir.path / "ro.sqlite";
    Store::open(ro.string(), Store::Mode::read_write);
    fs::permissions(ro, fs::perms::owner_read);
    EXPECT_THROW(Store::open(ro.string(), Store::Mode::read_write), StoreError);
  }
}

}  // namespace
}  // namespace v4::harness
