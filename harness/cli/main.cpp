// v4harness: the command-line face of the harness. Subcommands live one per file in harness/cli/.
#include <algorithm>
#include <cstdlib>
#include <exception>

#include <fmt/format.h>

#include "harness/cli/command.h"

namespace v4::cli {

std::vector<Command>& commands() {
  static std::vector<Command> list;
  return list;
}

namespace {
std::vector<std::string> g_argv;
}
const std::vector<std::string>& argv_strings() { return g_argv; }

std::string default_db_path() {
  if (const char* env = std::getenv("V4_DB"); env && *env) return env;
  return "results/v4harness.sqlite";
}

}  // namespace v4::cli

int main(int argc, char** argv) {
  using namespace v4::cli;
  g_argv.assign(argv, argv + argc);
  CLI::App app{"v4harness: is a DeepSeek-V4 kernel right, bitwise reproducible and fast?"};
  app.require_subcommand(1);
  auto& list = commands();
  std::sort(list.begin(), list.end(), [](const Command& a, const Command& b) { return a.order < b.order; });
  std::vector<std::pair<CLI::App*, std::function<int()>>> actions;
  for (const Command& c : list) {
    CLI::App* sub = app.add_subcommand(c.name, c.help);
    actions.emplace_back(sub, c.setup(*sub));
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitError;
  }
  try {
    for (auto& [sub, action] : actions) {
      if (sub->parsed()) return action();
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "v4harness: error: {}\n", e.what());
    return kExitError;
  }
  return kExitError;
}
