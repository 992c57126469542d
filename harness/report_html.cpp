// Page assembly, provenance and gate sections of the HTML report (see report_html.h).
#include "harness/report_html.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "harness/report_html_parts.h"

namespace v4::harness {

namespace html {

bool table_exists(Store& store, const std::string& name) {
  auto st = store.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?");
  st->bind(1, name);
  return st->step() && st->column_int(0) > 0;
}

std::string provenance_section(Store& store, int64_t run_id, bool first) {
  auto st = store.prepare("SELECT run_id, kind, tag, started_at, finished_at, suite, seed, "
                          "git_commit, git_dirty, build_type, compiler,"
                          " cuda_version, driver_version, gpu_name, gpu_uuid, gpu_clocks, host, "
                          "command_line, checks_passed,"
                          " checks_failed FROM runs WHERE run_id = ?");
  st->bind(1, run_id);
  if (!st->step())
    throw StoreError(fmt::format("run {} is not in '{}'", run_id, store.path()));
  const char* labels[] = {"run",      "kind", "tag",     "started",       "finished",
                          "suite",    "seed", "commit",  "dirty",         "build",
                          "compiler", "CUDA", "driver",  "GPU",           "GPU UUID",
                          "clocks",   "host", "command", "checks passed", "checks failed"};
  std::string s = first ? "<section id=\"provenance\"><h2>Provenance</h2>" : "<section>";
  s += "<table class=\"provenance\">";
  for (int i = 0; i < 20; ++i) {
    if (st->column_is_null(i))
      continue;
    std::string v = st->column_text(i);
    if (i == 8)
      v = v == "1" ? "yes (uncommitted changes)" : "no";
    s += fmt::format("<tr><th>{}</th><td>{}</td></tr>", labels[i],
                     i == 7 || i == 17 ? "<code>" + esc(v) + "</code>" : esc(v));
  }
  s += "</table></section>\n";
  return s;
}

std::string gate_section(Store& store, int64_t run_id) {
  if (!table_exists(store, "gate_verdicts"))
    return "";
  auto head = store.prepare("SELECT gate_id, decided_at, mode, baseline_run_id, verdict, "
                            "exit_code, reason, threshold, alpha, fdr_q"
                            " FROM gate_verdicts WHERE candidate_run_id = ? AND kind = 'overall' "
                            "ORDER BY gate_id DESC LIMIT 1");
  head->bind(1, run_id);
  if (!head->step())
    return "";
  const int64_t gate_id = head->column_int(0);
  const std::string verdict = head->column_text(4);
  std::string s = "<section id=\"gate\"><h2>Gate</h2>";
  s += fmt::format(
      "<p class=\"verdict {}\"><b>{}</b> (exit code {}) against baseline run {}, decided {} "
      "(mode {}, minimum effect {:g}%, {:g}% interval, FDR q {:g})</p>",
      verdict == "PASS"        ? "ok"
      : verdict == "AMBIGUOUS" ? "warn"
                               : "bad",
      esc(head->column_text(6)), head->column_int(5), head->column_int(3),
      esc(head->column_text(1)), esc(head->column_text(2)), 100 * head->column_double(7),
      100 * (1 - head->column_double(8)), head->column_double(9));
  auto rows = store.prepare("SELECT kind, verdict, coalesce(op, ''), coalesce(backend, ''), "
                            "coalesce(case_key, ''), coalesce(check_name, ''),"
                            " reason FROM gate_verdicts WHERE gate_id = ? AND kind != 'overall' "
                            "AND verdict NOT IN ('PASS', 'SAME')"
                            " ORDER BY verdict_id");
  rows->bind(1, gate_id);
  std::string body;
  while (rows->step()) {
    const std::string v = rows->column_text(1);
    body += fmt::format(
        "<tr><td class=\"{}\">{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code> {}</td>"
        "<td>{}</td></tr>",
        v == "FASTER"      ? "ok"
        : v == "AMBIGUOUS" ? "warn"
                           : "bad",
        esc(v), esc(rows->column_text(0)), esc(rows->column_text(2)), esc(rows->column_text(3)),
        esc(rows->column_text(4)), esc(rows->column_text(5)), esc(rows->column_text(6)));
  }
  if (!body.empty()) {
    s += "<table><tr><th>verdict</th><th>kind</th><th>op</th><th>backend</th><th>case / "
         "check</th><th>reason</th></tr>" +
         body + "</table>";
  }
  return s + "</section>\n";
}

} // namespace html

namespace {

constexpr const char* kStyle = R"CSS(
body { font-family: system-ui, sans-serif; margin: 0 2em 3em; color: #222; max-width: 1500px; }
header { border-bottom: 2px solid #0072B2; margin-bottom: 1em; }
nav a { margin-right: 1.2em; }
h2 { margin-top: 2em; border-bottom: 1px solid #ccc; }
h3 { margin-top: 1.4em; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 3px 7px; text-align: left; vertical-align: middle; }
th { background: #f2f2f2; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.ok { background: #e3f4ea; } .bad { background: #fbe0dc; } .warn { background: #fff3cd; } .none { color: #999; }
p.verdict { padding: 0.5em; }
code { font-size: 12px; }
.charts { display: flex; flex-wrap: wrap; gap: 1.2em; }
figure { margin: 0; } figcaption { font-size: 12px; max-width: 580px; }
svg.chart { background: #fff; }
)CSS";

// Marks the document with how many charts the browser laid out with a non-empty box: a check
// that the page rendered (scripts/check_html_report.sh reads it); the page needs no script.
constexpr const char* kRenderCheck = R"JS(
document.addEventListener('DOMContentLoaded', function () {
  var charts = document.querySelectorAll('svg.chart'), drawn = 0;
  charts.forEach(function (c) { var b = c.getBoundingClientRect(); if (b.width > 0 && b.height > 0) drawn++; });
  document.body.setAttribute('data-charts-rendered', String(drawn));
});
)JS";

// The cases the sections show: for every (op, backend, case key), its latest case in `runs`. The
// sections read them through a TEMP table, which a read-only connection may create: the database
// file itself is never written.
void select_report_cases(Store& store, const std::vector<int64_t>& runs) {
  const std::string ids = fmt::format("{}", fmt::join(runs, ","));
  store.exec("CREATE TEMP TABLE IF NOT EXISTS report_cases(case_id INTEGER PRIMARY KEY)");
  store.exec("DELETE FROM temp.report_cases");
  store.exec("INSERT INTO temp.report_cases SELECT max(case_id) FROM cases WHERE run_id IN (" + ids +
             ") GROUP BY op, backend, case_key");
}

} // namespace

std::vector<int64_t> tagged_runs(Store& store, const std::string& tag) {
  auto st = store.prepare("SELECT run_id FROM runs WHERE tag = ? AND finished_at IS NOT NULL"
                          " ORDER BY run_id");
  st->bind(1, tag);
  std::vector<int64_t> runs;
  while (st->step())
    runs.push_back(st->column_int(0));
  if (runs.empty())
    throw StoreError(fmt::format("no finished run tagged '{}' in '{}'", tag, store.path()));
  return runs;
}

std::vector<int64_t> parse_runs(Store& store, const std::string& spec) {
  std::set<int64_t> finished;
  auto st = store.prepare("SELECT run_id FROM runs WHERE finished_at IS NOT NULL");
  while (st->step())
    finished.insert(st->column_int(0));
  if (spec == "all") {
    if (finished.empty())
      throw StoreError(fmt::format("no finished run in '{}'", store.path()));
    return {finished.begin(), finished.end()};
  }
  std::set<int64_t> chosen;
  std::stringstream items(spec);
  for (std::string item; std::getline(items, item, ',');) {
    int64_t a = 0, b = 0;
    char dash = 0;
    std::stringstream one(item);
    if (!(one >> a) || (one >> dash && (dash != '-' || !(one >> b))) || !one.eof() || a <= 0)
      throw std::invalid_argument(fmt::format("--runs: '{}' is not a run id or a range A-B", item));
    if (dash == 0)
      b = a;
    if (b < a)
      throw std::invalid_argument(fmt::format("--runs: empty range '{}'", item));
    for (int64_t r = a; r <= b; ++r) {
      if (!finished.count(r))
        throw StoreError(fmt::format("run {} is not a finished run of '{}'", r, store.path()));
      chosen.insert(r);
    }
  }
  if (chosen.empty())
    throw std::invalid_argument("--runs: no run given");
  return {chosen.begin(), chosen.end()};
}

std::string html_report(Store& store, const std::vector<int64_t>& runs) {
  if (runs.empty())
    throw StoreError("html_report: no run selected");
  const int64_t run_id = runs.back();
  select_report_cases(store, runs);
  std::string title;
  {
    auto st = store.prepare(
        "SELECT coalesce(git_commit, ''), coalesce(tag, ''), coalesce(checks_failed, 0),"
        " started_at FROM runs WHERE run_id = ?");
    st->bind(1, run_id);
    if (!st->step())
      throw StoreError(fmt::format("run {} is not in '{}'", run_id, store.path()));
    title =
        fmt::format("v4harness {} {}{}{} — {}", runs.size() == 1 ? "run" : "runs up to", run_id,
                    st->column_text(1).empty() ? "" : " [" + st->column_text(1) + "]",
                    st->column_text(0).empty() ? "" : " @ " + st->column_text(0).substr(0, 12),
                    st->column_int(2) == 0 ? "all checks passed"
                                           : fmt::format("{} checks FAILED", st->column_int(2)));
  }
  std::string page = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">";
  page += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">";
  page += "<title>" + html::esc(title) + "</title><style>" + kStyle + "</style></head>\n<body>\n";
  page += "<header><h1>" + html::esc(title) +
          "</h1><nav><a href=\"#numerics\">Numerics</a>"
          "<a href=\"#invariance\">Invariance</a><a href=\"#performance\">Performance</a><a "
          "href=\"#gate\">Gate</a>"
          "<a href=\"#provenance\">Provenance</a></nav></header>\n";
  page += html::numerics_section(store, run_id);
  page += html::invariance_section(store, run_id);
  page += html::performance_section(store, run_id);
  page += html::gate_section(store, run_id);
  for (auto it = runs.rbegin(); it != runs.rend(); ++it)
    page += html::provenance_section(store, *it, it == runs.rbegin());
  page += fmt::format(
      "<footer><p>Generated {} from <code>{}</code> by <code>v4harness report --html</code>; "
      "self-contained, no network.</p></footer>\n",
      utc_now_iso8601(), html::esc(store.path()));
  page += std::string("<script>") + kRenderCheck + "</script>\n</body></html>\n";
  return page;
}

std::string write_html_report(Store& store, const std::vector<int64_t>& runs, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    throw std::runtime_error(fmt::format("cannot create '{}': {}", dir, ec.message()));
  const std::string path = (std::filesystem::path(dir) / "index.html").string();
  const std::string page = html_report(store, runs);
  std::ofstream f(path, std::ios::trunc);
  f << page;
  if (!f)
    throw std::runtime_error(fmt::format("cannot write '{}'", path));
  return path;
}

} // namespace v4::harness
