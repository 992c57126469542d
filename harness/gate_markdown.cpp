// The gate's Markdown summary, sized for a pull-request comment (lists are capped; the JUnit file
// and the database hold everything).
#include <fmt/format.h>

#include "harness/gate.h"

namespace v4::harness {

namespace {

constexpr size_t kMaxListed = 40;

std::string cell(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|')
      out += "\\|";
    else if (c == '\n')
      out += ' ';
    else
      out += c;
  }
  return out;
}

// Run labels carry user-chosen tags: keep them from being read as HTML by Markdown renderers.
std::string text(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else
      out += c;
  }
  return out;
}

std::string seconds(double s) {
  if (!std::isfinite(s))
    return "-";
  if (s < 1e-3)
    return fmt::format("{:.4g} µs", s * 1e6);
  if (s < 1)
    return fmt::format("{:.4g} ms", s * 1e3);
  return fmt::format("{:.4g} s", s);
}

std::string percent(double x) {
  return std::isfinite(x) ? fmt::format("{:+.1f}%", 100 * x) : "-";
}

std::string where(const std::string& op, const std::string& backend, const std::string& case_key) {
  std::string s = fmt::format("`{}` / `{}`", op, backend);
  if (!case_key.empty())
    s += fmt::format(" — `{}`", case_key);
  return s;
}

template <class T, class F> std::string capped_list(const std::vector<const T*>& items, F line) {
  std::string out;
  for (size_t i = 0; i < items.size() && i < kMaxListed; ++i)
    out += line(*items[i]);
  if (items.size() > kMaxListed)
    out += fmt::format("- … and {} more (see the JUnit file)\n", items.size() - kMaxListed);
  return out;
}

} // namespace

std::string gate_markdown(const GateResult& r, const GateOptions& o) {
  std::string md = fmt::format("## v4harness gate — {}\n\n", r.headline);
  md += fmt::format("Candidate {} against baseline {}: exit code **{}**.\n\n",
                    text(r.candidate.label()), text(r.baseline.label()), r.exit_code);

  std::vector<const CheckFinding*> failed;
  for (const CheckFinding& f : r.findings) {
    if (f.verdict == Verdict::fail)
      failed.push_back(&f);
  }
  std::vector<const PerfVerdict*> slower, ambiguous, faster;
  for (const PerfVerdict& v : r.perf) {
    if (v.verdict == Verdict::slower)
      slower.push_back(&v);
    if (v.verdict == Verdict::ambiguous)
      ambiguous.push_back(&v);
    if (v.verdict == Verdict::faster)
      faster.push_back(&v);
  }
  auto perf_line = [&](const PerfVerdict& v) {
    return fmt::format("- **{}** {}: {}\n", verdict_name(v.verdict),
                       where(v.op, v.backend, v.case_key), v.reason);
  };
  if (!failed.empty()) {
    md += "### Correctness failures\n\n";
    md += capped_list(failed, [](const CheckFinding& f) {
      std::string line =
          fmt::format("- **{}** {}: {}\n", f.kind == "ulp_budget" ? "ULP BUDGET" : "FAIL",
                      where(f.op, f.backend, f.case_key), f.reason);
      if (!f.replay.empty())
        line += fmt::format("  - replay: `v4harness replay \"{}\"`\n", f.replay);
      return line;
    });
    md += "\n";
  }
  if (!slower.empty())
    md += "### Slower\n\n" + capped_list(slower, perf_line) + "\n";
  if (!ambiguous.empty()) {
    md += "### Ambiguous — rerun suggested\n\nThe evidence is not enough to pass or fail these "
          "cases; rerun "
          "the candidate (more samples narrow the interval).\n\n" +
          capped_list(ambiguous, perf_line) + "\n";
  }
  if (!faster.empty())
    md += "### Faster\n\n" + capped_list(faster, perf_line) + "\n";

  md += "### Summary\n\n| | |\n|---|---|\n";
  if (!r.aa) {
    int64_t within = 0, exceeded = 0;
    for (const CheckFinding& f : r.findings) {
      if (f.kind == "ulp_budget")
        (f.verdict == Verdict::pass ? within : exceeded)++;
    }
    md += fmt::format("| checks | {} passed, {} failed |\n", r.checks_passed, r.checks_failed);
    md += fmt::format("| ULP budgets | {} within, {} exceeded |\n", within, exceeded);
  } else {
    md += fmt::format("| false-alarm rate | {:.1f}% (limit {:.0f}%) |\n", 100 * r.false_alarm_rate,
                      100 * o.fdr_q);
  }
  md += fmt::format("| performance | {} cases: {} same, {} faster, {} slower, {} ambiguous |\n",
                    r.perf.size(), r.same, r.faster, r.slower, r.ambiguous);
  md += fmt::format("| decision rule | two-sided Mann-Whitney U, Benjamini-Hochberg q = {:g}, "
                    "minimum effect {:g}%, "
                    "{:g}% interval, at least {} samples a side |\n\n",
                    o.fdr_q, 100 * o.min_effect, 100 * (1 - o.alpha), o.min_samples);
  if (!r.notes.empty()) {
    md += "Notes:\n";
    for (const std::string& n : r.notes)
      md += "- " + cell(n) + "\n";
    md += "\n";
  }
  if (!r.perf.empty()) {
    md += fmt::format("<details><summary>All {} performance verdicts</summary>\n\n", r.perf.size());
    md += "| verdict | op | backend | case | baseline median | candidate median | change | "
          "interval | p (BH) |\n"
          "|---|---|---|---|---:|---:|---:|---|---:|\n";
    for (const PerfVerdict& v : r.perf) {
      md += fmt::format("| {} | {} | {} | `{}` | {} | {} | {} | {} | {} |\n",
                        verdict_name(v.verdict), v.op, v.backend, cell(v.case_key),
                        seconds(v.baseline_median), seconds(v.candidate_median), percent(v.effect),
                        v.tested ? fmt::format("{} … {}", percent(v.ci_low), percent(v.ci_high))
                                 : "-",
                        v.tested ? fmt::format("{:.2g}", v.p_adjusted) : "-");
    }
    md += "\n</details>\n";
  }
  return md;
}

} // namespace v4::harness
