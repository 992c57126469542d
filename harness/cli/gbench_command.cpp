// v4harness import-gbench <json> / export-gbench: Google Benchmark JSON in and out of the results
// database, so existing tooling (compare.py and the like) reads our timings and the gate can
// judge theirs.
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "harness/cli/command.h"
#include "harness/gbench_json.h"
#include "harness/report_markdown.h"
#include "harness/store.h"

namespace v4::cli {
namespace {

std::function<int()> setup_import(CLI::App& app) {
  auto file = std::make_shared<std::string>();
  auto db = std::make_shared<std::string>(default_db_path());
  auto o = std::make_shared<harness::GbenchImportOptions>();
  app.add_option("json", *file,
                 "Google Benchmark JSON file (--benchmark_format=json or --benchmark_out)")
      ->required();
  app.add_option("--db", *db, "results database (created when missing)")->capture_default_str();
  app.add_option("--tag", o->tag, "tag of the imported run (e.g. a baseline name)");
  app.add_option("--commit", o->git_commit, "git commit of the imported results");
  return [=] {
    std::ifstream f(*file);
    if (!f)
      throw std::runtime_error(fmt::format("cannot read '{}'", *file));
    std::stringstream text;
    text << f.rdbuf();
    o->origin = *file;
    auto store = harness::Store::open(*db, harness::Store::Mode::read_write);
    const int64_t run = harness::import_gbench_json(*store, text.str(), *o);
    fmt::print("imported '{}' into {} as run {}\n", *file, *db, run);
    return kExitOk;
  };
}

std::function<int()> setup_export(CLI::App& app) {
  auto db = std::make_shared<std::string>(default_db_path());
  auto run = std::make_shared<int64_t>(0);
  auto out = std::make_shared<std::string>();
  app.add_option("--db", *db, "results database")->capture_default_str();
  app.add_option("--run", *run, "run id (default: the latest finished run)");
  app.add_option("--out", *out, "write the JSON here instead of stdout");
  return [=] {
    auto store = harness::Store::open(*db, harness::Store::Mode::read_only);
    const int64_t id = *run > 0 ? *run : harness::latest_run_id(*store);
    const std::string json = harness::export_gbench_json(*store, id);
    if (out->empty()) {
      fmt::print("{}", json);
    } else {
      std::ofstream f(*out, std::ios::trunc);
      f << json;
      if (!f)
        throw std::runtime_error(fmt::format("cannot write '{}'", *out));
    }
    return kExitOk;
  };
}

} // namespace
V4_REGISTER_COMMAND("import-gbench", "import Google Benchmark JSON as a run", 60, setup_import);
V4_REGISTER_COMMAND("export-gbench", "export a run's timings as Google Benchmark JSON", 61,
                    setup_export);
} // namespace v4::cli
