// v4harness golden <dir>: checks every case of a golden directory (MANIFEST.json + safetensors,
// the format of DeepSeek's official-code vectors) against the reference; one line per compared
// tensor; exit 1 on any failure.
#include <iostream>

#include <fmt/format.h>

#include "harness/cli/command.h"
#include "harness/golden.h"

namespace v4::cli {
namespace {

std::function<int()> setup(CLI::App& app) {
  auto dir = std::make_shared<std::string>(harness::default_golden_dir());
  auto only = std::make_shared<std::vector<std::string>>();
  app.add_option("dir", *dir, "golden directory (with MANIFEST.json)")->capture_default_str();
  app.add_option("--case", *only, "only these cases");
  return [=] {
    const harness::GoldenSummary s = harness::run_golden(*dir, *only, std::cout);
    fmt::print("{} cases, {} comparisons, {} failed\n", s.cases, s.lines.size(), s.failed);
    return s.failed == 0 ? kExitOk : kExitFailed;
  };
}

}  // namespace
V4_REGISTER_COMMAND("golden", "check the reference against official-code golden vectors", 50, setup);
}  // namespace v4::cli
