#include "harness/junit.h"

#include <fmt/format.h>

#include "harness/xml_escape.h"

namespace v4::harness {

namespace {

struct JunitSuite {
  explicit JunitSuite(std::string n) : name(std::move(n)) {}
  std::string name, body;
  int64_t tests = 0, failures = 0, errors = 0, skipped = 0;
};

void add_case(JunitSuite& s, const std::string& classname, const std::string& name,
              const std::string& inner, double seconds = -1) {
  ++s.tests;
  s.body += fmt::format("    <testcase classname=\"{}\" name=\"{}\"", xml_escape(classname),
                        xml_escape(name));
  if (seconds >= 0)
    s.body += fmt::format(" time=\"{:.9f}\"", seconds);
  s.body += inner.empty() ? "/>\n" : ">\n" + inner + "    </testcase>\n";
}

std::string failure(JunitSuite& s, const std::string& type, const std::string& message,
                    const std::string& text) {
  ++s.failures;
  return fmt::format("      <failure type=\"{}\" message=\"{}\">{}</failure>\n", xml_escape(type),
                     xml_escape(message), xml_escape(text));
}

std::string document(const std::vector<JunitSuite>& suites, const std::string& properties) {
  int64_t tests = 0, failures = 0, errors = 0, skipped = 0;
  for (const JunitSuite& s : suites) {
    tests += s.tests;
    failures += s.failures;
    errors += s.errors;
    skipped += s.skipped;
  }
  std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  xml += fmt::format("<testsuites name=\"v4harness gate\" tests=\"{}\" failures=\"{}\" "
                     "errors=\"{}\" skipped=\"{}\">\n",
                     tests, failures, errors, skipped);
  for (const JunitSuite& s : suites) {
    xml += fmt::format(
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">\n",
        xml_escape(s.name), s.tests, s.failures, s.errors, s.skipped);
    xml += properties + s.body + "  </testsuite>\n";
  }
  return xml + "</testsuites>\n";
}

} // namespace

std::string gate_junit(const GateResult& r, const GateOptions& o) {
  std::string props = "    <properties>\n";
  auto prop = [&](const std::string& k, const std::string& v) {
    props +=
        fmt::format("      <property name=\"{}\" value=\"{}\"/>\n", xml_escape(k), xml_escape(v));
  };
  prop("baseline", r.baseline.label());
  prop("candidate", r.candidate.label());
  prop("mode", r.aa ? "aa" : "gate");
  prop("exit_code", std::to_string(r.exit_code));
  prop("headline", r.headline);
  prop("min_effect", fmt::format("{:g}", o.min_effect));
  prop("alpha", fmt::format("{:g}", o.alpha));
  prop("fdr_q", fmt::format("{:g}", o.fdr_q));
  prop("min_samples", std::to_string(o.min_samples));
  for (const std::string& n : r.notes)
    prop("note", n);
  props += "    </properties>\n";

  std::vector<JunitSuite> suites;
  if (!r.aa) {
    JunitSuite c{"v4harness.gate.correctness"};
    add_case(
        c, "correctness",
        fmt::format("candidate checks ({} passed, {} failed)", r.checks_passed, r.checks_failed),
        "");
    for (const CheckFinding& f : r.findings) {
      const std::string classname = fmt::format("{}.{}.{}", f.kind, f.op, f.backend);
      const std::string name =
          f.kind == "ulp_budget" ? "output " + f.check : f.case_key + " " + f.check;
      std::string inner;
      if (f.verdict == Verdict::fail) {
        inner = failure(c,
                        f.kind == "ulp_budget"   ? "ULP_BUDGET"
                        : f.kind == "invariance" ? "INVARIANCE_LOST"
                                                 : "CHECK_FAILED",
                        f.reason,
                        f.replay.empty()
                            ? f.reason
                            : f.reason + "\nreplay: v4harness replay \"" + f.replay + "\"");
      }
      add_case(c, classname, name, inner);
    }
    suites.push_back(std::move(c));
  }
  JunitSuite p{"v4harness.gate.performance"};
  for (const PerfVerdict& v : r.perf) {
    std::string inner;
    if (v.verdict == Verdict::slower || (r.aa && v.verdict == Verdict::faster)) {
      inner = failure(p, std::string(verdict_name(v.verdict)), v.reason, v.reason);
    } else if (v.verdict == Verdict::ambiguous) {
      ++p.skipped;
      inner = fmt::format("      <skipped message=\"AMBIGUOUS: {}\"/>\n", xml_escape(v.reason));
    } else {
      inner = fmt::format("      <system-out>{}: {}</system-out>\n", verdict_name(v.verdict),
                          xml_escape(v.reason));
    }
    add_case(p, fmt::format("performance.{}.{}", v.op, v.backend), v.case_key, inner,
             std::isfinite(v.candidate_median) ? v.candidate_median : -1);
  }
  suites.push_back(std::move(p));
  return document(suites, props);
}

std::string gate_junit_error(const std::string& message) {
  JunitSuite s{"v4harness.gate"};
  ++s.errors;
  add_case(s, "infrastructure", "gate decision",
           fmt::format("      <error type=\"INFRASTRUCTURE\" message=\"{}\">{}</error>\n",
                       xml_escape(message), xml_escape(message)));
  return document({s}, "");
}

} // namespace v4::harness
