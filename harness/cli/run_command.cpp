// v4harness run: the main job. Runs every check of the selected ops over a suite, stores the
// results in the SQLite database in one transaction, prints a summary table, and exits 1 if any
// check failed.
#include <unistd.h>

#include <iostream>

#include <fmt/format.h>

#include "harness/cli/command.h"
#include "harness/runner.h"
#include "harness/store.h"

namespace v4::cli {
namespace {

std::function<int()> setup(CLI::App& app) {
  auto o = std::make_shared<harness::RunOptions>();
  auto db = std::make_shared<std::string>(default_db_path());
  auto no_progress = std::make_shared<bool>(false);
  auto no_timing = std::make_shared<bool>(false);
  app.add_option("--suite", o->suite, "smoke, default or full")->capture_default_str();
  app.add_option("--op", o->ops, "only these ops (names, or prefixes ending in *)");
  app.add_option("--backend", o->backends, "only these backends (e.g. reference, cuda)");
  app.add_option("--db", *db, "results database (created when missing)")->capture_default_str();
  app.add_option("--seed", o->seed, "added to every case's seed")->capture_default_str();
  app.add_option("--tag", o->tag, "label stored with the run (e.g. a baseline name)");
  app.add_option("--reruns-gpu", o->gpu_reruns, "determinism reruns on CUDA backends")->capture_default_str();
  app.add_option("--reruns-cpu", o->cpu_reruns, "determinism reruns on CPU backends")->capture_default_str();
  app.add_flag("--no-timing", *no_timing, "skip timing samples");
  app.add_flag("--no-progress", *no_progress, "no live progress line even on a terminal");
  return [=] {
    o->argv = argv_strings();
    o->timing = !*no_timing;
    o->progress = !*no_progress && ::isatty(2);
    harness::suite_from_name(o->suite);        // validate before touching the database
    harness::validate_backends(harness::select_ops(o->ops), o->backends);
    auto store = harness::Store::open(*db, harness::Store::Mode::read_write);
    const harness::RunTotals totals = harness::run_suite(*store, *o, std::cerr);
    fmt::print("{}", harness::format_summary_table(totals));
    fmt::print("results: {} (run {})\n", *db, totals.run_id);
    return totals.failed == 0 ? kExitOk : kExitFailed;
  };
}

}  // namespace
V4_REGISTER_COMMAND("run", "run the checks and timings of a suite and store them", 20, setup);
}  // namespace v4::cli
