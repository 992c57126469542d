// v4harness subcommands register themselves: each file in harness/cli/ defines one command with
// V4_REGISTER_COMMAND. Exit codes are shared by every command:
//   0 ok · 1 a check failed or a regression was found · 2 ambiguous (gate: rerun) ·
//   3 error: bad input, unknown op/suite, unusable database, missing GPU where one is required.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace v4::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitAmbiguous = 2;
inline constexpr int kExitError = 3;

// Adds options to the subcommand and returns the action run when it is chosen.
using CommandSetup = std::function<std::function<int()>(CLI::App&)>;

struct Command {
  std::string name, help;
  CommandSetup setup;
  int order;  // position in --help
};
std::vector<Command>& commands();
struct CommandRegistrar {
  CommandRegistrar(std::string name, std::string help, int order, CommandSetup setup) {
    commands().push_back({std::move(name), std::move(help), std::move(setup), order});
  }
};
#define V4_REGISTER_COMMAND(name, help, order, setup) \
  static ::v4::cli::CommandRegistrar v4_command_registrar_##order(name, help, order, setup)

// The command line as given, for provenance.
const std::vector<std::string>& argv_strings();

// Default results database: $V4_DB, else results/v4harness.sqlite under the current directory.
std::string default_db_path();

}  // namespace v4::cli
