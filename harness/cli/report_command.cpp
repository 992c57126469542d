// v4harness report: a Markdown summary of one run (the latest by default), from the database;
// with --html <dir>, also the self-contained HTML report (<dir>/index.html, see report_html.h).
#include <fstream>

#include <fmt/format.h>

#include "harness/cli/command.h"
#include "harness/report_html.h"
#include "harness/report_markdown.h"
#include "harness/store.h"

namespace v4::cli {
namespace {

std::function<int()> setup(CLI::App& app) {
  auto db = std::make_shared<std::string>(default_db_path());
  auto run = std::make_shared<int64_t>(0);
  auto out = std::make_shared<std::string>();
  auto html_dir = std::make_shared<std::string>();
  auto tag = std::make_shared<std::string>();
  auto runs_spec = std::make_shared<std::string>();
  app.add_option("--db", *db, "results database")->capture_default_str();
  app.add_option("--run", *run, "run id (default: the latest finished run)");
  app.add_option("--out", *out, "write the Markdown here instead of stdout");
  app.add_option("--html", *html_dir, "write the self-contained HTML report to <dir>/index.html instead");
  app.add_option("--tag", *tag,
                 "HTML: every finished run with this tag (the latest case of each op, backend and case key)")
      ->excludes("--run");
  app.add_option("--runs", *runs_spec,
                 "HTML: these runs, 'all' or a list such as 3,5,8-12 (the latest case of each op, backend and case key)")
      ->excludes("--run")
      ->excludes("--tag");
  return [=] {
    auto store = harness::Store::open(*db, harness::Store::Mode::read_only);
    const int64_t id = *run > 0 ? *run : harness::latest_run_id(*store);
    if ((!tag->empty() || !runs_spec->empty()) && html_dir->empty())
      throw std::invalid_argument("--tag and --runs select runs for the HTML report: add --html <dir>");
    if (!html_dir->empty()) {
      const std::vector<int64_t> runs = !tag->empty()         ? harness::tagged_runs(*store, *tag)
                                        : !runs_spec->empty() ? harness::parse_runs(*store, *runs_spec)
                                                              : std::vector<int64_t>{id};
      const std::string path = harness::write_html_report(*store, runs, *html_dir);
      fmt::print("HTML report of {} run(s) up to run {}: {}\n", runs.size(), runs.back(), path);
      if (out->empty()) return kExitOk;
    }
    const std::string md = harness::markdown_report(*store, id);
    if (out->empty()) {
      fmt::print("{}", md);
    } else {
      std::ofstream f(*out);
      f << md;
      if (!f) throw std::runtime_error(fmt::format("cannot write report to '{}'", *out));
    }
    return kExitOk;
  };
}

}  // namespace
V4_REGISTER_COMMAND("report", "write a Markdown (or --html) report of a run from the database", 30, setup);
}  // namespace v4::cli
