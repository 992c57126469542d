#include "harness/report_markdown.h"

#include <map>
#include <vector>

#include <fmt/format.h>

namespace v4::harness {

int64_t latest_run_id(Store& store, const std::string& kind) {
  auto st = store.prepare(kind.empty() ? "SELECT max(run_id) FROM runs WHERE finished_at IS NOT NULL"
                                       : "SELECT max(run_id) FROM runs WHERE finished_at IS NOT NULL AND kind = ?");
  if (!kind.empty()) st->bind(1, kind);
  if (!st->step() || st->column_is_null(0)) {
    throw StoreError(fmt::format("database '{}' holds no finished {}run", store.path(), kind.empty() ? "" : kind + " "));
  }
  return st->column_int(0);
}

namespace {
std::string cell(const std::string& s) {  // escape pipes in table cells
  std::string out;
  for (char c : s) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}
}  // namespace

std::string markdown_report(Store& store, int64_t run_id) {
  std::string md;
  {
    auto st = store.prepare(
        "SELECT kind, tag, started_at, finished_at, suite, seed, git_commit, git_dirty, build_type, compiler,"
        " cuda_version, driver_version, gpu_name, host, checks_passed, checks_failed, command_line"
        " FROM runs WHERE run_id = ?");
    st->bind(1, run_id);
    if (!st->step()) throw StoreError(fmt::format("run {} is not in '{}'", run_id, store.path()));
    const int64_t failed = st->column_int(15);
    md += fmt::format("# v4harness run {} — {}\n\n", run_id, failed == 0 ? "all checks passed" : fmt::format("{} checks FAILED", failed));
    md += "| provenance | |\n|---|---|\n";
    const char* labels[] = {"kind", "tag", "started", "finished", "suite", "seed", "commit", "dirty", "build",
                            "compiler", "CUDA", "driver", "GPU", "host"};
    for (int i = 0; i < 14; ++i) {
      const std::string v = st->column_text(i);
      if (!v.empty()) md += fmt::format("| {} | {} |\n", labels[i], cell(i == 7 ? (v == "1" ? "yes" : "no") : v));
    }
    md += fmt::format("| checks | {} passed, {} failed |\n| command | `{}` |\n\n", st->column_int(14), failed,
                      cell(st->column_text(16)));
  }
  md += "## Checks per op and backend\n\n| op | backend | role | cases | checks | failed | worst ulp |\n|---|---|---|---:|---:|---:|---:|\n";
  {
    auto st = store.prepare(
        "SELECT c.op, c.backend, c.backend_role, count(DISTINCT c.case_id), count(k.check_id),"
        " coalesce(sum(1 - k.passed), 0), max(CASE WHEN k.check_name LIKE 'accuracy.%' THEN k.max_ulp END)"
        " FROM cases c LEFT JOIN checks k USING (case_id) WHERE c.run_id = ? GROUP BY c.op, c.backend ORDER BY c.op, c.backend");
    st->bind(1, run_id);
    while (st->step()) {
      md += fmt::format("| {} | {} | {} | {} | {} | {} | {} |\n", st->column_text(0), st->column_text(1), st->column_text(2),
                        st->column_int(3), st->column_int(4), st->column_int(5),
                        st->column_is_null(6) ? "-" : fmt::format("{:g}", st->column_double(6)));
    }
  }
  md += "\n## Invariance matrix\n\nEach cell: cases passed / cases checked. Negative controls pass when the checker catches them.\n\n";
  {
    auto st = store.prepare(
        "SELECT c.op || ' / ' || c.backend, CASE WHEN k.check_name LIKE 'property.%' THEN 'properties' ELSE k.check_name END,"
        " sum(k.passed), count(*) FROM checks k JOIN cases c USING (case_id)"
        " WHERE c.run_id = ? AND (k.check_name IN ('determinism', 'batch_invariance') OR k.check_name LIKE 'property.%')"
        " GROUP BY 1, 2 ORDER BY 1, 2");
    st->bind(1, run_id);
    std::map<std::string, std::map<std::string, std::string>> matrix;
    while (st->step()) {
      const int64_t ok = st->column_int(2), n = st->column_int(3);
      matrix[st->column_text(0)][st->column_text(1)] = fmt::format("{}{}/{}", ok == n ? "" : "**FAIL** ", ok, n);
    }
    md += "| op / backend | determinism | batch invariance | domain properties |\n|---|---|---|---|\n";
    for (auto& [name, cols] : matrix) {
      auto get = [&](const char* k) { return cols.count(k) ? cols[k] : std::string("-"); };
      md += fmt::format("| {} | {} | {} | {} |\n", name, get("determinism"), get("batch_invariance"), get("properties"));
    }
  }
  md += "\n## Timing\n\n| op | backend | case | median | p10–p90 | GB/s | TFLOP/s | roofline |\n|---|---|---|---:|---:|---:|---:|---:|\n";
  {
    auto st = store.prepare(
        "SELECT c.op, c.backend, c.case_key, t.median_s, t.p10_s, t.p90_s, t.gbps, t.tflops, t.roofline_fraction"
        " FROM timings t JOIN cases c USING (case_id) WHERE c.run_id = ? ORDER BY c.op, c.backend, c.case_id");
    st->bind(1, run_id);
    while (st->step()) {
      md += fmt::format("| {} | {} | `{}` | {:.4g} ms | {:.4g}–{:.4g} ms | {:.4g} | {:.3g} | {} |\n", st->column_text(0),
                        st->column_text(1), cell(st->column_text(2)), st->column_double(3) * 1e3,
                        st->column_double(4) * 1e3, st->column_double(5) * 1e3, st->column_double(6),
                        st->column_double(7),
                        st->column_is_null(8) ? "-" : fmt::format("{:.1f}%", 100 * st->column_double(8)));
    }
  }
  {
    auto st = store.prepare(
        "SELECT k.replay, k.bound, k.detail FROM checks k JOIN cases c USING (case_id)"
        " WHERE c.run_id = ? AND k.passed = 0 ORDER BY k.check_id");
    st->bind(1, run_id);
    std::string failures;
    while (st->step()) {
      failures += fmt::format("- `v4harness replay \"{}\"`\n  - bound: {}\n  - {}\n", st->column_text(0), st->column_text(1),
                              st->column_text(2));
    }
    md += failures.empty() ? "\n## Failures\n\nNone.\n" : "\n## Failures\n\n" + failures;
  }
  return md;
}

}  // namespace v4::harness
