// Numerical comparison and invariance matrix sections of the HTML report.
#include <map>
#include <set>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/report_html_parts.h"
#include "harness/svg_chart.h"

namespace v4::harness::html {

namespace {

// Sums the per-case histograms (JSON arrays, ';'-separated): bucket 0 exact, b >= 1 [2^(b-1), 2^b).
std::vector<double> summed_histogram(const std::string& joined) {
  std::vector<double> sum;
  std::stringstream in(joined);
  for (std::string one; std::getline(in, one, ';');) {
    const nlohmann::json h = nlohmann::json::parse(one, nullptr, /*allow_exceptions=*/false);
    if (!h.is_array())
      continue;
    if (sum.size() < h.size())
      sum.resize(h.size(), 0);
    for (size_t i = 0; i < h.size(); ++i)
      sum[i] += h[i].is_number() ? h[i].get<double>() : 0;
  }
  return sum;
}

std::vector<std::string> bucket_labels(size_t n) {
  std::vector<std::string> labels;
  for (size_t b = 0; b < n; ++b)
    labels.push_back(b == 0 ? "0" : fmt::format("{:g}", std::ldexp(1.0, int(b) - 1)));
  return labels;
}

std::string parity(const Statement& st, int col) {
  if (st.column_is_null(col))
    return "<td class=\"none\">–</td>";
  return st.column_int(col) ? "<td class=\"ok\">match</td>" : "<td class=\"bad\">MISMATCH</td>";
}

} // namespace

std::string numerics_section(Store& store, int64_t run_id) {
  std::string s =
      "<section id=\"numerics\"><h2>Numerical comparison</h2>"
      "<p>Each candidate and peer output against the reference, over every case of the run: worst "
      "and "
      "99.99th-percentile distance in ULPs of the output dtype, relative error, calc_diff "
      "(1 − 2Σxy / Σ(x² + y²)), NaN/Inf position parity, and the histogram of ULP distances "
      "(log scale; green: exact).</p>";
  auto st = store.prepare(
      "SELECT c.op, c.backend, c.backend_role, substr(k.check_name, 10), count(*), coalesce(sum(1 "
      "- k.passed), 0),"
      " max(k.max_ulp), max(k.p9999_ulp), max(k.max_rel), max(k.calc_diff), min(k.nan_parity), "
      "min(k.inf_parity),"
      " group_concat(k.ulp_histogram, ';'), max(k.bound)"
      " FROM checks k JOIN cases c USING (case_id) WHERE c.case_id IN (SELECT case_id FROM temp.report_cases) AND ? > 0 AND k.check_name LIKE "
      "'accuracy.%'"
      " GROUP BY c.op, c.backend, substr(k.check_name, 10) ORDER BY c.op, c.backend, 4");
  st->bind(1, run_id);
  std::string rows;
  int64_t n = 0;
  while (st->step()) {
    ++n;
    const int64_t failed = st->column_int(5);
    const std::vector<double> hist = summed_histogram(st->column_text(12));
    const std::string chart =
        hist.empty() ? std::string("–")
                     : svg_histogram(hist, bucket_labels(hist.size()),
                                     fmt::format("ULP distance histogram of {} / {} / {}",
                                                 st->column_text(0), st->column_text(1),
                                                 st->column_text(3)));
    rows += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td "
                        "class=\"num\">{}</td><td class=\"num {}\">{}</td>"
                        "<td class=\"num\">{}</td><td class=\"num\">{}</td><td "
                        "class=\"num\">{}</td><td class=\"num\">{}</td>{}{}"
                        "<td><code>{}</code></td><td>{}</td></tr>\n",
                        esc(st->column_text(0)), esc(st->column_text(1)), esc(st->column_text(2)),
                        esc(st->column_text(3)), st->column_int(4), failed ? "bad" : "ok", failed,
                        number(st->column_double(6), "{:g}"), number(st->column_double(7), "{:g}"),
                        number(st->column_double(8)), number(st->column_double(9)), parity(*st, 10),
                        parity(*st, 11), esc(st->column_text(13)), chart);
  }
  if (n == 0)
    return s + "<p class=\"none\">No accuracy checks in this run.</p></section>\n";
  s +=
      "<table "
      "class=\"numerics\"><tr><th>op</th><th>backend</th><th>role</th><th>output</th><th>cases</th>"
      "<th>failed</th><th>worst ULP</th><th>p99.99 ULP</th><th>max "
      "rel</th><th>calc_diff</th><th>NaN parity</th>"
      "<th>Inf parity</th><th>bound</th><th>ULP histogram</th></tr>\n" +
      rows + "</table>";

  // The first divergent element of each failed check.
  auto f =
      store.prepare("SELECT c.op, c.backend, c.case_key, k.check_name, "
                    "coalesce(k.first_divergence, ''), coalesce(k.bound, ''),"
                    " coalesce(k.detail, ''), k.replay FROM checks k JOIN cases c USING (case_id)"
                    " WHERE c.case_id IN (SELECT case_id FROM temp.report_cases) AND ? > 0 AND k.passed = 0 ORDER BY k.check_id LIMIT 200");
  f->bind(1, run_id);
  std::string failures;
  while (f->step()) {
    failures += fmt::format("<tr><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</"
                            "td><td>{}</td><td>{}</td>"
                            "<td><code>v4harness replay \"{}\"</code></td></tr>\n",
                            esc(f->column_text(0)), esc(f->column_text(1)), esc(f->column_text(2)),
                            esc(f->column_text(3)),
                            f->column_text(4).empty() ? "–" : esc(f->column_text(4)),
                            esc(f->column_text(5)), esc(f->column_text(6)), esc(f->column_text(7)));
  }
  s += "<h3 id=\"failures\">Failures and their first divergent element</h3>";
  s += failures.empty()
           ? "<p class=\"ok\">No failed check.</p>"
           : "<table class=\"failures\"><tr><th>op</th><th>backend</th><th>case</th><th>check</th>"
             "<th>first divergence</th><th>bound</th><th>detail</th><th>replay</th></tr>\n" +
                 failures + "</table>";
  return s + "</section>\n";
}

std::string invariance_section(Store& store, int64_t run_id) {
  std::string s =
      "<section id=\"invariance\"><h2>Invariance matrix</h2>"
      "<p>Cases passed / cases checked, per op, property and backend. Bitwise determinism over "
      "reruns, "
      "bitwise batch invariance over batch sizes and positions, and each op's domain properties. A "
      "negative control passes when the checker catches it.</p>";
  auto st = store.prepare(
      "SELECT c.op, k.check_name, c.backend, c.backend_role, sum(k.passed), count(*)"
      " FROM checks k JOIN cases c USING (case_id) WHERE c.case_id IN (SELECT case_id FROM temp.report_cases) AND ? > 0"
      " AND (k.check_name IN ('determinism', 'batch_invariance') OR k.check_name LIKE 'property.%')"
      " GROUP BY c.op, k.check_name, c.backend ORDER BY c.op, k.check_name, c.backend");
  st->bind(1, run_id);
  std::map<std::string, std::map<std::string, std::map<std::string, std::pair<int64_t, int64_t>>>>
      cells;
  std::map<std::string, std::string> roles; // backend -> role
  while (st->step()) {
    cells[st->column_text(0)][st->column_text(1)][st->column_text(2)] = {st->column_int(4),
                                                                         st->column_int(5)};
    roles[st->column_text(2)] = st->column_text(3);
  }
  if (cells.empty())
    return s + "<p class=\"none\">No invariance checks in this run.</p></section>\n";
  // Backends as columns: candidates first, then peers, then negative controls.
  std::vector<std::string> columns;
  for (const char* role : {"candidate", "peer", "negative_control"}) {
    for (const auto& [b, r] : roles) {
      if (r == role)
        columns.push_back(b);
    }
  }
  s += "<table class=\"invariance\"><tr><th>op</th><th>property</th>";
  for (const std::string& b : columns) {
    s += fmt::format("<th>{}{}</th>", esc(b),
                     roles[b] == "candidate" ? "" : "<br><small>" + esc(roles[b]) + "</small>");
  }
  s += "</tr>\n";
  for (const auto& [op, props] : cells) {
    bool first = true;
    for (const auto& [prop, backends] : props) {
      s += "<tr>";
      if (first)
        s += fmt::format("<th rowspan=\"{}\">{}</th>", props.size(), esc(op));
      first = false;
      s += fmt::format("<td>{}</td>", esc(prop));
      for (const std::string& b : columns) {
        auto it = backends.find(b);
        if (it == backends.end()) {
          s += "<td class=\"none\">–</td>";
          continue;
        }
        const auto [ok, total] = it->second;
        s += fmt::format("<td class=\"{}\">{}{}/{}</td>", ok == total ? "ok" : "bad",
                         roles[b] == "negative_control" ? "caught " : "", ok, total);
      }
      s += "</tr>\n";
    }
  }
  return s + "</table></section>\n";
}

} // namespace v4::harness::html
