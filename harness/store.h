// The results store: one SQLite file (schema in results/schema.sql, documented in
// results/SCHEMA.md). WAL mode; each run is written inside one transaction, so a crashed or
// failed run leaves no half-written rows. Opening validates the file first (a corrupt file or an
// unknown schema version is refused with a clear message before anything is written).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "harness/checks.h"
#include "harness/registry.h"
#include "harness/timing.h"

struct sqlite3;
struct sqlite3_stmt;

namespace v4::harness {

// Thrown for every store failure; the message says which file and why.
class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct RunInfo {
  std::string kind = "harness";  // harness | benchmark | import
  std::string tag, suite;
  uint64_t seed = 0;
  std::string git_commit, build_type, compiler, cuda_version, driver_version, gpu_name, gpu_uuid, gpu_clocks,
      host, command_line;
  bool git_dirty = false;
  std::string started_at;  // filled by begin_run when empty
};

struct TimingRecord {
  TimingResult result;
  TimingStats stats;
  Cost cost;
  double gbps = 0, tflops = 0;
  std::optional<double> roofline_fraction;
  std::string roofline;
  std::optional<bool> timed_output_verified;
};

class Statement;

class Store {
 public:
  enum class Mode { read_write, read_only };
  // read_write creates the file (and its schema) when missing; read_only requires it to exist.
  static std::unique_ptr<Store> open(const std::string& path, Mode mode);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  int64_t begin_run(const RunInfo& info);  // starts the run's transaction
  int64_t add_case(int64_t run_id, const OpSpec& op, const Backend& backend, const Case& c);
  int64_t add_case(int64_t run_id, const std::string& op, const std::string& backend, const std::string& role,
                   const std::string& device, const std::string& case_key, const std::string& params_json);
  void add_check(int64_t case_id, const CheckOutcome& outcome);
  void add_timing(int64_t case_id, const TimingRecord& record);
  void finish_run(int64_t run_id, int64_t passed, int64_t failed);  // commits
  void abort_run();                                                 // rolls back

  sqlite3* handle() { return db_; }
  const std::string& path() const { return path_; }
  int schema_version() const;

  // Small query helpers for reports and the gate.
  void exec(const std::string& sql);
  std::unique_ptr<Statement> prepare(const std::string& sql);

 private:
  Store(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  void validate_and_migrate(Mode mode);
  sqlite3* db_;
  std::string path_;
  bool in_run_ = false;
};

// A prepared statement with typed binds and column reads. Columns are 0-based.
class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt, std::string sql) : db_(db), stmt_(stmt), sql_(std::move(sql)) {}
  ~Statement();
  Statement& bind(int index, int64_t v);  // 1-based, as SQLite
  Statement& bind(int index, double v);
  Statement& bind(int index, const std::string& v);
  Statement& bind_null(int index);
  bool step();  // true while a row is available; throws StoreError on error
  void run() {
    while (step()) {
    }
  }
  void reset();
  int64_t column_int(int col) const;
  double column_double(int col) const;
  std::string column_text(int col) const;
  bool column_is_null(int col) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  std::string sql_;
};

std::string utc_now_iso8601();

}  // namespace v4::harness
