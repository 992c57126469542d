#include "harness/store.h"

#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <filesystem>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "harness/schema_sql.h"

namespace v4::harness {

namespace fs = std::filesystem;

std::string utc_now_iso8601() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// ---- Statement ------------------------------------------------------------------------------
Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::bind(int index, int64_t v) {
  sqlite3_bind_int64(stmt_, index, v);
  return *this;
}
Statement& Statement::bind(int index, double v) {
  sqlite3_bind_double(stmt_, index, v);
  return *this;
}
Statement& Statement::bind(int index, const std::string& v) {
  sqlite3_bind_text(stmt_, index, v.data(), int(v.size()), SQLITE_TRANSIENT);
  return *this;
}
Statement& Statement::bind_null(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}
bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  throw StoreError(fmt::format("SQLite error '{}' in: {}", sqlite3_errmsg(db_), sql_.substr(0, 120)));
}
void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}
int64_t Statement::column_int(int col) const { return sqlite3_column_int64(stmt_, col); }
double Statement::column_double(int col) const { return sqlite3_column_double(stmt_, col); }
std::string Statement::column_text(int col) const {
  const unsigned char* p = sqlite3_column_text(stmt_, col);
  return p ? std::string(reinterpret_cast<const char*>(p)) : std::string();
}
bool Statement::column_is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

// ---- Store ----------------------------------------------------------------------------------
std::unique_ptr<Store> Store::open(const std::string& path, Mode mode) {
  if (path.empty()) throw StoreError("no database path given");
  const bool exists = fs::exists(path);
  if (mode == Mode::read_only) {
    if (!exists) throw StoreError(fmt::format("database '{}' does not exist", path));
    if (::access(path.c_str(), R_OK) != 0) throw StoreError(fmt::format("database '{}' is not readable", path));
  } else if (exists) {
    if (fs::is_directory(path)) throw StoreError(fmt::format("database path '{}' is a directory", path));
    if (::access(path.c_str(), R_OK | W_OK) != 0) {
      throw StoreError(fmt::format("database '{}' is not writable (check its permissions)", path));
    }
  } else {
    const fs::path parent = fs::absolute(path).parent_path();
    std::error_code ec;
    fs::create_directories(parent, ec);
    if (ec || ::access(parent.c_str(), W_OK) != 0) {
      throw StoreError(fmt::format("cannot create database '{}': directory '{}' is not writable{}", path,
                                   parent.string(), ec ? " (" + ec.message() + ")" : ""));
    }
  }
  sqlite3* db = nullptr;
  const int flags = mode == Mode::read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    const std::string why = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    throw StoreError(fmt::format("cannot open database '{}': {}", path, why));
  }
  std::unique_ptr<Store> store(new Store(db, path));
  sqlite3_busy_timeout(db, 10000);
  store->validate_and_migrate(mode);
  return store;
}

Store::~Store() {
  if (in_run_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(db_);
}

void Store::exec(const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    const std::string why = err ? err : sqlite3_errmsg(db_);
    sqlite3_free(err);
    throw StoreError(fmt::format("database '{}': {}", path_, why));
  }
}

std::unique_ptr<Statement> Store::prepare(const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_, sql.c_str(), int(sql.size()), &stmt, nullptr) != SQLITE_OK) {
    throw StoreError(fmt::format("database '{}': {} in: {}", path_, sqlite3_errmsg(db_), sql.substr(0, 120)));
  }
  return std::make_unique<Statement>(db_, stmt, sql);
}

int Store::schema_version() const {
  sqlite3_stmt* stmt = nullptr;
  int version = 0;
  if (sqlite3_prepare_v2(db_, "SELECT value FROM meta WHERE key='schema_version'", -1, &stmt, nullptr) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW) {
    version = std::atoi(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)));
  }
  sqlite3_finalize(stmt);
  return version;
}

void Store::validate_and_migrate(Mode mode) {
  // 1. Is it an intact SQLite file? (Nothing has been written yet.)
  {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v2(db_, "PRAGMA quick_check", -1, &stmt, nullptr);
    std::string result;
    if (rc == SQLITE_OK) {
      rc = sqlite3_step(stmt);
      if (rc == SQLITE_ROW) result = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    const std::string why = sqlite3_errmsg(db_);
    sqlite3_finalize(stmt);
    if (rc != SQLITE_ROW) {
      throw StoreError(fmt::format("database '{}' is corrupt or not a SQLite file ({}); it was left untouched",
                                   path_, why));
    }
    if (result != "ok") {
      throw StoreError(fmt::format("database '{}' failed its integrity check ({}); it was left untouched", path_,
                                   result));
    }
  }
  // 2. Is it ours, and which schema version?
  int64_t tables = 0, has_meta = 0;
  {
    auto st = prepare("SELECT count(*), sum(name = 'meta') FROM sqlite_master WHERE type = 'table'");
    st->step();
    tables = st->column_int(0);
    has_meta = st->column_int(1);
  }
  if (tables > 0 && !has_meta) {
    throw StoreError(fmt::format("'{}' is a SQLite file but not a v4harness results database; it was left untouched",
                                 path_));
  }
  const int version = has_meta ? schema_version() : 0;
  if (version > kSchemaVersion) {
    throw StoreError(fmt::format("database '{}' has schema version {}, newer than this build's {}; use a newer v4harness",
                                 path_, version, kSchemaVersion));
  }
  if (has_meta && version == 0) {
    throw StoreError(fmt::format("database '{}' has no schema_version; it was left untouched", path_));
  }
  if (mode == Mode::read_only) {
    if (!has_meta) throw StoreError(fmt::format("database '{}' is empty (no v4harness results)", path_));
    exec("PRAGMA foreign_keys = ON");
    return;
  }
  exec("PRAGMA journal_mode = WAL");
  exec("PRAGMA foreign_keys = ON");
  if (version < kSchemaVersion) {
    // One transaction. Version 0 (new file): create everything. 1 -> 2: adds gate_verdicts.
    // schema.sql is idempotent (CREATE ... IF NOT EXISTS), so running it on an older database
    // adds exactly what that version lacks; a later change to an existing table adds its ALTER
    // statements here, guarded by `version`.
    exec("BEGIN IMMEDIATE");
    try {
      exec(kSchemaSql);
      exec(fmt::format("INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', '{}')", kSchemaVersion));
      exec("COMMIT");
    } catch (...) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  }
}

int64_t Store::begin_run(const RunInfo& info) {
  if (in_run_) throw StoreError("begin_run: a run is already open");
  exec("BEGIN IMMEDIATE");
  in_run_ = true;
  auto st = prepare(
      "INSERT INTO runs(kind, tag, started_at, suite, seed, git_commit, git_dirty, build_type, compiler, cuda_version,"
      " driver_version, gpu_name, gpu_uuid, gpu_clocks, host, command_line) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  auto text_or_null = [&](int i, const std::string& v) {
    if (v.empty()) st->bind_null(i);
    else st->bind(i, v);
  };
  st->bind(1, info.kind);
  text_or_null(2, info.tag);
  st->bind(3, info.started_at.empty() ? utc_now_iso8601() : info.started_at);
  text_or_null(4, info.suite);
  st->bind(5, int64_t(info.seed));
  text_or_null(6, info.git_commit);
  st->bind(7, int64_t(info.git_dirty));
  text_or_null(8, info.build_type);
  text_or_null(9, info.compiler);
  text_or_null(10, info.cuda_version);
  text_or_null(11, info.driver_version);
  text_or_null(12, info.gpu_name);
  text_or_null(13, info.gpu_uuid);
  text_or_null(14, info.gpu_clocks);
  text_or_null(15, info.host);
  text_or_null(16, info.command_line);
  st->run();
  return sqlite3_last_insert_rowid(db_);
}

int64_t Store::add_case(int64_t run_id, const OpSpec& op, const Backend& backend, const Case& c) {
  nlohmann::ordered_json params;
  for (const auto& [name, value] : c.params) params[name] = value;
  params["seed"] = c.seed;
  return add_case(run_id, op.name, backend.name, std::string(role_name(backend.role)), backend.device, c.key(),
                  params.dump());
}

int64_t Store::add_case(int64_t run_id, const std::string& op, const std::string& backend, const std::string& role,
                        const std::string& device, const std::string& case_key, const std::string& params_json) {
  auto st = prepare(
      "INSERT INTO cases(run_id, op, backend, backend_role, device, case_key, params_json) VALUES (?,?,?,?,?,?,?)"
      " ON CONFLICT(run_id, op, backend, case_key) DO UPDATE SET op = excluded.op RETURNING case_id");
  st->bind(1, run_id).bind(2, op).bind(3, backend).bind(4, role).bind(5, device).bind(6, case_key).bind(7, params_json);
  if (!st->step()) throw StoreError("add_case: no case id returned");
  const int64_t id = st->column_int(0);
  st->run();
  return id;
}

void Store::add_check(int64_t case_id, const CheckOutcome& o) {
  auto st = prepare(
      "INSERT INTO checks(case_id, check_name, passed, negative_control, bound, bound_value, measured, max_ulp,"
      " p9999_ulp, max_rel, calc_diff, nan_parity, inf_parity, first_divergence, ulp_histogram, detail, dispatch_path,"
      " output_digest, replay) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  st->bind(1, case_id).bind(2, o.check).bind(3, int64_t(o.passed)).bind(4, int64_t(o.negative_control));
  st->bind(5, o.bound).bind(6, o.bound_value).bind(7, o.measured);
  if (o.compare) {
    const CompareResult& r = *o.compare;
    st->bind(8, r.max_ulp).bind(9, r.p9999_ulp).bind(10, r.max_rel).bind(11, r.calc_diff);
    st->bind(12, int64_t(r.nan_parity)).bind(13, int64_t(r.inf_parity));
    if (r.first_divergence) st->bind(14, r.first_divergence->to_string());
    else st->bind_null(14);
    if (!r.ulp_histogram.empty()) {
      size_t last = r.ulp_histogram.size();
      while (last > 1 && r.ulp_histogram[last - 1] == 0) --last;  // trim empty high buckets
      st->bind(15, fmt::format("[{}]", fmt::join(r.ulp_histogram.begin(), r.ulp_histogram.begin() + ptrdiff_t(last), ",")));
    } else {
      st->bind_null(15);
    }
  } else {
    for (int i = 8; i <= 15; ++i) st->bind_null(i);
  }
  st->bind(16, o.detail).bind(17, o.dispatch_path).bind(18, o.output_digest).bind(19, o.replay());
  st->run();
}

void Store::add_timing(int64_t case_id, const TimingRecord& t) {
  auto st = prepare(
      "INSERT OR REPLACE INTO timings(case_id, method, n, median_s, min_s, max_s, mean_s, stdev_s, q1_s, q3_s, p10_s,"
      " p90_s, bytes, flops, gbps, tflops, roofline_fraction, roofline, timed_output_verified, note)"
      " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  const TimingStats& s = t.stats;
  st->bind(1, case_id).bind(2, t.result.method).bind(3, s.n).bind(4, s.median).bind(5, s.min).bind(6, s.max);
  st->bind(7, s.mean).bind(8, s.stdev).bind(9, s.q1).bind(10, s.q3).bind(11, s.p10).bind(12, s.p90);
  st->bind(13, t.cost.bytes).bind(14, t.cost.flops).bind(15, t.gbps).bind(16, t.tflops);
  if (t.roofline_fraction) st->bind(17, *t.roofline_fraction);
  else st->bind_null(17);
  st->bind(18, t.roofline);
  if (t.timed_output_verified) st->bind(19, int64_t(*t.timed_output_verified));
  else st->bind_null(19);
  st->bind(20, t.result.note);
  st->run();
  auto sample = prepare("INSERT OR REPLACE INTO samples(case_id, sample_index, seconds) VALUES (?,?,?)");
  for (size_t i = 0; i < t.result.seconds.size(); ++i) {
    sample->reset();
    sample->bind(1, case_id).bind(2, int64_t(i)).bind(3, t.result.seconds[i]);
    sample->run();
  }
}

void Store::finish_run(int64_t run_id, int64_t passed, int64_t failed) {
  auto st = prepare("UPDATE runs SET finished_at = ?, checks_passed = ?, checks_failed = ? WHERE run_id = ?");
  st->bind(1, utc_now_iso8601()).bind(2, passed).bind(3, failed).bind(4, run_id);
  st->run();
  exec("COMMIT");
  in_run_ = false;
}

void Store::abort_run() {
  if (!in_run_) return;
  sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  in_run_ = false;
}

}  // namespace v4::harness
