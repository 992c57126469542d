// v4harness gate --baseline <run|tag> [--candidate <run|tag>]: decides from the database alone
// whether the candidate run regressed against the baseline (docs/gate.md). Prints the Markdown
// summary; optionally writes it and a JUnit XML file; records the verdicts in gate_verdicts.
// Exit codes: 0 pass · 1 regression · 2 ambiguous (rerun) · 3 infrastructure or measurement error.
// --aa: two runs of one build; reports the false-alarm rate (exit 1 when above the FDR level).
// --update-budget: lowers results/ulp_budget.txt entries to what the candidate measured and adds
// missing ones (never raises), then exits.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "harness/cli/command.h"
#include "harness/gate.h"
#include "harness/junit.h"
#include "harness/report_markdown.h"
#include "harness/store.h"

namespace v4::cli {
namespace {

void write_file(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::trunc);
  f << text;
  if (!f)
    throw std::runtime_error(fmt::format("cannot write '{}'", path));
}

int update_budget(const std::string& db, const std::string& candidate, const std::string& path) {
  auto store = harness::Store::open(db, harness::Store::Mode::read_only);
  const int64_t run =
      candidate.empty() ? harness::latest_run_id(*store) : harness::resolve_run(*store, candidate);
  harness::UlpBudget budget;
  if (std::filesystem::exists(path))
    budget = harness::UlpBudget::load(path);
  const auto all = harness::measured_worst_ulp(*store, run);
  const auto passed = harness::measured_worst_ulp(*store, run, /*passed_only=*/true);
  for (const auto& [key, worst] : all) {
    if (!passed.count(key))
      fmt::print("skipped {}: an accuracy check failed in run {}\n", key.to_string(), run);
  }
  const auto changes = budget.tighten(passed);
  for (const harness::BudgetChange& c : changes) {
    if (c.before < 0)
      fmt::print("added    {} {:g}\n", c.key.to_string(), c.after);
    else
      fmt::print("lowered  {} {:g} -> {:g}\n", c.key.to_string(), c.before, c.after);
  }
  for (const auto& [key, worst] : passed) {
    if (const double* limit = budget.find(key); limit && worst > *limit) {
      fmt::print("exceeds  {} measured {:g} > budget {:g} (left as is: raising is a manual edit)\n",
                 key.to_string(), worst, *limit);
    }
  }
  if (!changes.empty())
    budget.save(path);
  fmt::print("{}: {} change{} from run {}\n", path, changes.size(), changes.size() == 1 ? "" : "s",
             run);
  return kExitOk;
}

std::function<int()> setup(CLI::App& app) {
  auto o = std::make_shared<harness::GateOptions>();
  auto db = std::make_shared<std::string>(default_db_path());
  auto markdown = std::make_shared<std::string>();
  auto junit = std::make_shared<std::string>();
  auto no_record = std::make_shared<bool>(false);
  auto quiet = std::make_shared<bool>(false);
  auto update = std::make_shared<bool>(false);
  app.add_option("--baseline", o->baseline, "baseline run id or tag");
  app.add_option(
      "--candidate", o->candidate,
      "candidate run id or tag (default: the latest finished run other than the baseline)");
  app.add_option("--db", *db, "results database")->capture_default_str();
  app.add_option("--budget", o->budget_path, "ULP budget file")->capture_default_str();
  app.add_option("--min-effect", o->min_effect, "smallest relative slowdown that is a regression")
      ->capture_default_str();
  app.add_option("--alpha", o->alpha, "1 - confidence of the effect's interval")
      ->capture_default_str();
  app.add_option("--fdr", o->fdr_q, "Benjamini-Hochberg false-discovery level")
      ->capture_default_str();
  app.add_option("--min-samples", o->min_samples, "fewer raw samples a side: AMBIGUOUS")
      ->capture_default_str();
  app.add_option("--perf-backend", o->perf_backends,
                 "gate only these backends' timings (e.g. cuda; default: every candidate backend)");
  app.add_option("--markdown", *markdown,
                 "also write the Markdown summary here (for a PR comment)");
  app.add_option("--junit", *junit, "write a JUnit XML file here");
  app.add_flag("--aa", o->aa,
               "A/A calibration: two runs of one build; report the false-alarm rate");
  app.add_flag("--update-budget", *update,
               "tighten the ULP budget from the candidate run, then exit");
  app.add_flag("--require-budget", o->budget_required, "a missing budget file is an error");
  app.add_flag("--no-record", *no_record,
               "do not record the verdicts (opens the database read-only)");
  app.add_flag("--quiet", *quiet, "print only the headline");
  return [=]() -> int {
    try {
      if (*update)
        return update_budget(*db, o->candidate, o->budget_path);
      if (o->baseline.empty())
        throw harness::GateError("--baseline is required (a run id or a tag)");
      o->validate();
      std::unique_ptr<harness::Store> store;
      if (*no_record || !std::filesystem::exists(*db)) { // never creates a database
        store = harness::Store::open(*db, harness::Store::Mode::read_only);
      } else if (std::filesystem::exists(*db) && ::access(db->c_str(), W_OK) != 0) {
        throw harness::StoreError(fmt::format(
            "database '{}' is not writable: the gate records its verdicts there (--no-record to "
            "decide without recording)",
            *db));
      } else {
        store = harness::Store::open(*db, harness::Store::Mode::read_write);
      }
      const harness::GateResult r = harness::evaluate_gate(*store, *o);
      const std::string md = harness::gate_markdown(r, *o);
      if (!markdown->empty())
        write_file(*markdown, md);
      if (!junit->empty())
        write_file(*junit, harness::gate_junit(r, *o));
      if (!*no_record) {
        const int64_t id = harness::record_gate(*store, *o, r);
        if (!*quiet)
          fmt::print("{}\n", md);
        fmt::print("{}\ngate {} recorded in {}; exit code {}\n", r.headline, id, *db, r.exit_code);
      } else {
        if (!*quiet)
          fmt::print("{}\n", md);
        fmt::print("{}\nexit code {}\n", r.headline, r.exit_code);
      }
      return r.exit_code;
    } catch (const std::exception& e) {
      const std::string message = fmt::format("gate could not decide: {}", e.what());
      fmt::print(stderr, "v4harness gate: error: {}\n", message);
      try {
        if (!junit->empty())
          write_file(*junit, harness::gate_junit_error(message));
        if (!markdown->empty()) {
          write_file(*markdown,
                     fmt::format("## v4harness gate — ERROR (exit code 3)\n\n{}\n", message));
        }
      } catch (const std::exception& w) {
        fmt::print(stderr, "v4harness gate: error: {}\n", w.what());
      }
      return kExitError;
    }
  };
}

} // namespace
V4_REGISTER_COMMAND("gate",
                    "decide pass/regression/ambiguous for a candidate run against a baseline", 35,
                    setup);
} // namespace v4::cli
