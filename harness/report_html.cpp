// Page assembly, provenance and gate sections of the HTML report (see report_html.h).
#include "harness/report_html.h"

#include <filesystem>
#include <fstream>

#include "harness/report_html_parts.h"

namespace v4::harness {

namespace html {

bool table_exists(Store& store, const std::string& name) {
  auto st = store.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?");
  st->bind(1, name);
  return st->step() && st->column_int(0) > 0;
}

std::string provenance_section(Store& store, int64_t run_id) {
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
  std::string s = "<section id=\"provenance\"><h2>Provenance</h2><table class=\"provenance\">";
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

} // namespace

std::string html_report(Store& store, int64_t run_id) {
  std::string title;
  {
    auto st = store.prepare(
        "SELECT coalesce(git_commit, ''), coalesce(tag, ''), coalesce(checks_failed, 0),"
        " started_at FROM runs WHERE run_id = ?");
    st->bind(1, run_id);
    if (!st->step())
      throw StoreError(fmt::format("run {} is not in '{}'", run_id, store.path()));
    title =
        fmt::format("v4harness run {}{}{} — {}", run_id,
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
  page += html::provenance_section(store, run_id);
  page += fmt::format(
      "<footer><p>Generated {} from <code>{}</code> by <code>v4harness report --html</code>; "
      "self-contained, no network.</p></footer>\n",
      utc_now_iso8601(), html::esc(store.path()));
  page += std::string("<script>") + kRenderCheck + "</script>\n</body></html>\n";
  return page;
}

std::string write_html_report(Store& store, int64_t run_id, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    throw std::runtime_error(fmt::format("cannot create '{}': {}", dir, ec.message()));
  const std::string path = (std::filesystem::path(dir) / "index.html").string();
  const std::string page = html_report(store, run_id);
  std::ofstream f(path, std::ios::trunc);
  f << page;
  if (!f)
    throw std::runtime_error(fmt::format("cannot write '{}'", path));
  return path;
}

} // namespace v4::harness
