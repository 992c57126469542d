#include "harness/runner.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <ostream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "harness/ceilings.h"
#include "harness/digest.h"
#include "harness/provenance.h"

namespace v4::harness {

std::vector<const OpSpec*> select_ops(const std::vector<std::string>& patterns) {
  const auto all = Registry::instance().ops();
  if (patterns.empty()) return all;
  std::vector<const OpSpec*> out;
  for (const std::string& p : patterns) {
    const bool prefix = !p.empty() && p.back() == '*';
    const std::string stem = prefix ? p.substr(0, p.size() - 1) : p;
    bool matched = false;
    for (const OpSpec* op : all) {
      if (prefix ? op->name.rfind(stem, 0) == 0 : op->name == p) {
        matched = true;
        if (std::find(out.begin(), out.end(), op) == out.end()) out.push_back(op);
      }
    }
    if (!matched) {
      std::vector<std::string> names;
      for (const OpSpec* op : all) names.push_back(op->name);
      throw std::invalid_argument(fmt::format("unknown op '{}' (known: {})", p, fmt::join(names, ", ")));
    }
  }
  std::sort(out.begin(), out.end(), [](const OpSpec* a, const OpSpec* b) { return a->name < b->name; });
  return out;
}

void validate_backends(const std::vector<const OpSpec*>& ops, const std::vector<std::string>& backends) {
  for (const std::string& b : backends) {
    bool found = false;
    std::vector<std::string> known;
    for (const OpSpec* op : ops) {
      for (const Backend& be : op->backends) {
        if (be.name == b) found = true;
        if (std::find(known.begin(), known.end(), be.name) == known.end()) known.push_back(be.name);
      }
    }
    if (!found) throw std::invalid_argument(fmt::format("unknown backend '{}' (known: {})", b, fmt::join(known, ", ")));
  }
}

namespace {

bool backend_selected(const RunOptions& o, const Backend& b) {
  return o.backends.empty() || std::find(o.backends.begin(), o.backends.end(), b.name) != o.backends.end();
}

CheckOutcome failed_execution(const OpSpec& op, const Backend& b, const Case& c, const std::string& what) {
  CheckOutcome o;
  o.op = op.name;
  o.backend = b.name;
  o.case_key = c.key();
  o.check = "execution";
  o.passed = false;
  o.bound = "runs without error";
  o.detail = what;
  return o;
}

class Progress {
 public:
  Progress(bool enabled, int64_t total) : enabled_(enabled), total_(total) {}
  void update(int64_t done, const std::string& what) {
    if (!enabled_) return;
    fmt::print(stderr, "\r\033[K[{:>4}/{}] {}", done, total_, what.substr(0, 110));
    std::fflush(stderr);
  }
  ~Progress() {
    if (enabled_) fmt::print(stderr, "\r\033[K");
  }

 private:
  bool enabled_;
  int64_t total_;
};

}  // namespace

std::vector<CheckOutcome> run_case_checks(const OpSpec& op, const Backend& backend, const Case& c,
                                          const TensorMap& inputs, const TensorMap& reference_outputs,
                                          const TensorMap& outputs, const RunOptions& options) {
  std::vector<CheckOutcome> out;
  const int reruns = backend.device == "cuda" ? options.gpu_reruns : options.cpu_reruns;
  if (backend.role == BackendRole::negative_control) {
    CheckOutcome o = backend.must_fail_check == "determinism"
                         ? check_determinism(op, backend, c, inputs, outputs, std::max(reruns, 3))
                         : check_batch_invariance(op, backend, c);
    const bool caught = !o.passed;
    o.negative_control = true;
    o.passed = caught;
    o.detail = (caught ? "caught as it must be: " : "NOT CAUGHT - the checker cannot fail: ") + o.detail;
    out.push_back(std::move(o));
    return out;
  }
  if (&backend != &op.reference()) {
    for (const auto& [name, policy] : op.outputs) {
      auto a = outputs.find(name), e = reference_outputs.find(name);
      if (a == outputs.end() || e == reference_outputs.end()) {
        out.push_back(failed_execution(op, backend, c, fmt::format("output '{}' missing", name)));
        continue;
      }
      out.push_back(check_accuracy(op, backend, c, name, a->second, e->second));
    }
  }
  if (backend.role == BackendRole::peer) return out;  // peers are timed and compared, not gated
  out.push_back(check_determinism(op, backend, c, inputs, outputs, reruns));
  if (options.invariance && !op.row_inputs.empty()) out.push_back(check_batch_invariance(op, backend, c));
  for (const DomainProperty& p : op.properties) out.push_back(check_property(op, backend, c, p, inputs, outputs));
  return out;
}

RunTotals run_suite(Store& store, const RunOptions& options, std::ostream& log) {
  const Suite suite = suite_from_name(options.suite);
  const auto ops = select_ops(options.ops);
  validate_backends(ops, options.backends);

  struct Job {
    const OpSpec* op;
    Case c;
  };
  std::vector<Job> jobs;
  for (const OpSpec* op : ops) {
    for (Case c : op->cases(suite)) {
      c.seed += options.seed;
      jobs.push_back({op, std::move(c)});
    }
  }

  RunTotals totals;
  std::map<std::pair<std::string, std::string>, SummaryRow> rows;
  std::map<std::string, std::string> skipped;
  RunInfo info = collect_provenance("harness", options.suite, options.seed, options.argv);
  info.tag = options.tag;  // --tag names a baseline for `v4harness gate --baseline <tag>`
  totals.run_id = store.begin_run(info);
  try {
    Progress progress(options.progress, int64_t(jobs.size()));
    int64_t done = 0;
    for (const Job& job : jobs) {
      const OpSpec& op = *job.op;
      const Case& c = job.c;
      progress.update(done++, c.key());
      const TensorMap inputs = op.make_inputs(c);
      TensorMap reference_outputs;
      std::string reference_error;
      try {
        reference_outputs = op.reference().run(c, inputs);
      } catch (const std::exception& e) {
        reference_error = e.what();
      }
      for (const Backend& backend : op.backends) {
        if (!backend_selected(options, backend)) continue;
        if (const std::string why = backend.availability(); !why.empty()) {
          skipped[op.name + "/" + backend.name] = why;
          continue;
        }
        SummaryRow& row = rows[{op.name, backend.name}];
        row.op = op.name;
        row.backend = backend.name;
        row.role = std::string(role_name(backend.role));
        ++row.cases;
        const int64_t case_id = store.add_case(totals.run_id, op, backend, c);
        std::vector<CheckOutcome> outcomes;
        TensorMap outputs;
        if (!reference_error.empty()) {
          outcomes.push_back(failed_execution(op, backend, c, "reference failed: " + reference_error));
        } else {
          try {
            outputs = &backend == &op.reference() ? reference_outputs : backend.run(c, inputs);
            outcomes = run_case_checks(op, backend, c, inputs, reference_outputs, outputs, options);
          } catch (const std::exception& e) {
            outcomes.push_back(failed_execution(op, backend, c, e.what()));
          }
        }
        for (const CheckOutcome& o : outcomes) {
          store.add_check(case_id, o);
          ++row.checks;
          if (o.passed) {
            ++totals.passed;
          } else {
            ++totals.failed;
            ++row.failed;
            row.failures.push_back(o.replay());
            log << fmt::format("FAIL {}: {}\n", o.replay(), o.detail);
          }
          if (o.compare && o.check.rfind("accuracy.", 0) == 0 && o.compare->max_ulp >= row.worst_ulp) {
            row.worst_ulp = o.compare->max_ulp;
            row.worst_ulp_output = o.check.substr(9);
          }
        }
        if (options.timing && !outputs.empty() && backend.role != BackendRole::negative_control) {
          const TimingPlan plan;
          TimingRecord rec;
          rec.result = backend.measure ? backend.measure(c, inputs, plan)
                                       : measure_host([&] { return backend.run(c, inputs); }, plan);
          rec.stats = summarize(rec.result.seconds);
          rec.cost = op.cost ? op.cost(c) : Cost{};
          if (rec.stats.median > 0) {
            rec.gbps = rec.cost.bytes / rec.stats.median / 1e9;
            rec.tflops = rec.cost.flops / rec.stats.median / 1e12;
          }
          if (backend.device == "cuda") {
            const Roofline r = roofline(rec.cost.bytes, rec.cost.flops, rec.stats.median);
            rec.roofline_fraction = r.fraction;
            rec.roofline = r.ceiling;
          }
          if (rec.result.has_timed_output_digest) {
            rec.timed_output_verified = rec.result.timed_output_digest == digest(outputs);
            if (!*rec.timed_output_verified) {
              CheckOutcome o = failed_execution(op, backend, c, "the output of a timed iteration differs from the checked output");
              o.check = "timed_output";
              o.bound = "timed output digest == checked output digest";
              store.add_check(case_id, o);
              ++totals.failed;
              ++row.failed;
              row.failures.push_back(o.replay());
              log << fmt::format("FAIL {}: {}\n", o.replay(), o.detail);
            }
          }
          store.add_timing(case_id, rec);
          if (rec.cost.bytes + rec.cost.flops >= row.largest_cost) {  // report the largest case
            row.largest_cost = rec.cost.bytes + rec.cost.flops;
            row.median_s = rec.stats.median;
            row.gbps = rec.gbps;
            row.largest_case = c.key();
          }
        }
      }
    }
    progress.update(done, "done");
    store.finish_run(totals.run_id, totals.passed, totals.failed);
  } catch (...) {
    store.abort_run();
    throw;
  }
  for (auto& [_, r] : rows) totals.rows.push_back(std::move(r));
  for (auto& [k, why] : skipped) totals.skipped.push_back(k + ": " + why);
  return totals;
}

std::string format_summary_table(const RunTotals& t) {
  std::string out = fmt::format("{:<26} {:<26} {:>5} {:>6} {:>6} {:>9} {:>11} {:>9}\n", "op", "backend", "cases",
                                "checks", "failed", "worst ulp", "median", "GB/s");
  for (const SummaryRow& r : t.rows) {
    const std::string median = r.median_s > 0 ? fmt::format("{:.3g} ms", r.median_s * 1e3) : "-";
    const std::string ulp = r.role == "negative_control" ? "control" : fmt::format("{:g}", r.worst_ulp);
    out += fmt::format("{:<26} {:<26} {:>5} {:>6} {:>6} {:>9} {:>11} {:>9.3g}\n", r.op, r.backend, r.cases, r.checks,
                       r.failed, ulp, median, r.gbps);
  }
  for (const std::string& s : t.skipped) out += fmt::format("skipped {}\n", s);
  out += fmt::format("run {}: {} checks passed, {} failed\n", t.run_id, t.passed, t.failed);
  return out;
}

}  // namespace v4::harness
