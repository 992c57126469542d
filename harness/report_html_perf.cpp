// Performance section of the HTML report: per case the median and spread, throughput, roofline
// fraction and speed-up over the other backends of the same case; then, per case, the medians of
// every stored run up to this one (commit on the axis, p10-p90 band).
#include <algorithm>
#include <map>
#include <vector>

#include "harness/report_html_parts.h"
#include "harness/svg_chart.h"

namespace v4::harness::html {

namespace {

constexpr size_t kHistoryRuns = 30; // runs shown per time series

struct Row {
  std::string backend, role, device, method, roofline;
  double median, p10, q1, q3, p90, gbps, tflops, roofline_fraction;
  int64_t n;
};

std::string time_series(Store& store, int64_t run_id, const std::string& op,
                        const std::string& case_key) {
  auto st = store.prepare("SELECT r.run_id, coalesce(r.git_commit, ''), coalesce(r.git_dirty, 0), "
                          "c.backend, t.median_s, t.p10_s, t.p90_s"
                          " FROM timings t JOIN cases c USING (case_id) JOIN runs r USING (run_id)"
                          " WHERE c.op = ? AND c.case_key = ? AND r.run_id <= ? AND r.finished_at "
                          "IS NOT NULL ORDER BY r.run_id");
  st->bind(1, op).bind(2, case_key).bind(3, run_id);
  std::vector<int64_t> runs;
  std::map<int64_t, std::string> labels;
  std::map<std::string, std::map<int64_t, SeriesPoint>> by_backend;
  double max_s = 0;
  while (st->step()) {
    const int64_t r = st->column_int(0);
    if (runs.empty() || runs.back() != r)
      runs.push_back(r);
    const std::string commit = st->column_text(1);
    labels[r] = (commit.empty() ? "no commit" : commit.substr(0, 7)) +
                (st->column_int(2) ? "+" : "") + fmt::format(" r{}", r);
    by_backend[st->column_text(3)][r] = {st->column_double(4), st->column_double(5),
                                         st->column_double(6)};
    max_s = std::max({max_s, st->column_double(4), st->column_double(6)});
  }
  if (runs.size() > kHistoryRuns)
    runs.erase(runs.begin(), runs.end() - ptrdiff_t(kHistoryRuns));
  const TimeUnit unit = time_unit_for(max_s);
  std::vector<std::string> x;
  for (int64_t r : runs)
    x.push_back(labels[r]);
  std::vector<Series> series;
  for (const auto& [backend, points] : by_backend) {
    Series se{backend, {}};
    for (int64_t r : runs) {
      auto it = points.find(r);
      if (it == points.end()) {
        se.points.push_back({});
      } else {
        se.points.push_back(
            {it->second.y * unit.scale, it->second.low * unit.scale, it->second.high * unit.scale});
      }
    }
    series.push_back(std::move(se));
  }
  return fmt::format("<figure>{}<figcaption><code>{}</code>: median per run (band p10–p90), {} "
                     "run{}</figcaption></figure>",
                     svg_time_series(x, series,
                                     fmt::format("median time of {} across runs", case_key),
                                     std::string("median, ") + unit.name),
                     esc(case_key), runs.size(), runs.size() == 1 ? "" : "s");
}

} // namespace

std::string performance_section(Store& store, int64_t run_id) {
  std::string s = "<section id=\"performance\"><h2>Performance</h2>";
  auto st =
      store.prepare("SELECT c.op, c.case_key, c.backend, c.backend_role, c.device, t.method, "
                    "coalesce(t.roofline, ''), t.median_s,"
                    " t.p10_s, t.q1_s, t.q3_s, t.p90_s, t.gbps, t.tflops, t.roofline_fraction, t.n"
                    " FROM timings t JOIN cases c USING (case_id) WHERE c.case_id IN (SELECT case_id FROM temp.report_cases) AND ? > 0 ORDER BY "
                    "c.op, c.case_id, c.backend");
  st->bind(1, run_id);
  std::vector<std::pair<std::string, std::string>> order; // (op, case key) in run order
  std::map<std::pair<std::string, std::string>, std::vector<Row>> cases;
  while (st->step()) {
    const auto key = std::make_pair(st->column_text(0), st->column_text(1));
    if (!cases.count(key))
      order.push_back(key);
    cases[key].push_back(
        {st->column_text(2), st->column_text(3), st->column_text(4), st->column_text(5),
         st->column_text(6), st->column_double(7), st->column_double(8), st->column_double(9),
         st->column_double(10), st->column_double(11), st->column_double(12), st->column_double(13),
         st->column_is_null(14) ? NAN : st->column_double(14), st->column_int(15)});
  }
  if (order.empty())
    return s + "<p class=\"none\">No timings in this run.</p></section>\n";
  s += "<p>Median of the raw samples with its spread (whiskers p10–p90, box q1–q3, on ±25 % of the "
       "median), "
       "throughput from the op's "
       "cost model (minimal bytes and flops), the fraction of the measured roofline (GPU "
       "backends), and the "
       "speed-up over every other backend timed on the same case (their median / this median).</p>";
  s += "<table "
       "class=\"performance\"><tr><th>op</th><th>case</th><th>backend</th><th>median</"
       "th><th>spread</th>"
       "<th>p10–p90</th><th>n</th><th>GB/s</th><th>TFLOP/s</th><th>% "
       "roofline</th><th>speed-up</th><th>method</th>"
       "</tr>\n";
  for (const auto& key : order) {
    const std::vector<Row>& rows = cases[key];
    for (const Row& r : rows) {
      std::string speedups;
      for (const Row& other : rows) {
        if (&other == &r || !(r.median > 0) || !(other.median > 0))
          continue;
        speedups += fmt::format("{}×{:.2f} vs {}{}", speedups.empty() ? "" : "<br>",
                                other.median / r.median, esc(other.backend),
                                other.role == "peer" ? " (peer)" : "");
      }
      s += fmt::format(
          "<tr><td>{}</td><td><code>{}</code></td><td>{}{}</td><td class=\"num\">{}</td><td>{}</td>"
          "<td class=\"num\">{} – {}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td "
          "class=\"num\">{}</td>"
          "<td class=\"num\" title=\"{}\">{}</td><td>{}</td><td><small>{}</small></td></tr>\n",
          esc(key.first), esc(key.second), esc(r.backend),
          r.role == "candidate" ? "" : " <small>(" + esc(r.role) + ")</small>", seconds(r.median),
          svg_spread(r.p10, r.q1, r.median, r.q3, r.p90), seconds(r.p10), seconds(r.p90), r.n,
          number(r.gbps), number(r.tflops), esc(r.roofline),
          std::isfinite(r.roofline_fraction) ? fmt::format("{:.1f}%", 100 * r.roofline_fraction)
                                             : "–",
          speedups.empty() ? "–" : speedups, esc(r.method));
    }
  }
  s += "</table>\n<h3 id=\"history\">Across runs</h3><p>Median time of each case in every stored "
       "run up to this one "
       "(x axis: commit, <code>+</code> for a dirty tree, and run id), one line per "
       "backend.</p><div class=\"charts\">";
  for (const auto& [op, case_key] : order)
    s += time_series(store, run_id, op, case_key);
  return s + "</div></section>\n";
}

} // namespace v4::harness::html
