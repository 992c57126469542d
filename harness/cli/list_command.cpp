// v4harness list: the registered ops, their backends (with availability) and their cases.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "harness/cli/command.h"
#include "harness/registry.h"
#include "harness/runner.h"

namespace v4::cli {
namespace {

std::function<int()> setup(CLI::App& app) {
  auto suite = std::make_shared<std::string>("default");
  auto ops = std::make_shared<std::vector<std::string>>();
  auto show_cases = std::make_shared<bool>(false);
  app.add_option("--suite", *suite, "suite whose cases to show: smoke, default, full");
  app.add_option("--op", *ops, "only these ops (names, or prefixes ending in *)");
  app.add_flag("--cases", *show_cases, "print every case key");
  return [=] {
    const harness::Suite s = harness::suite_from_name(*suite);
    for (const harness::OpSpec* op : harness::select_ops(*ops)) {
      const auto cases = op->cases(s);
      fmt::print("{:<24} {} [{} {} case{}]\n", op->name, op->summary, cases.size(), *suite, cases.size() == 1 ? "" : "s");
      for (const harness::Backend& b : op->backends) {
        const std::string why = b.availability();
        fmt::print("    {:<28} {:<16} {:<5} {}{}\n", b.name, harness::role_name(b.role), b.device, b.description,
                   why.empty() ? "" : fmt::format(" [unavailable: {}]", why));
      }
      if (!op->properties.empty()) {
        std::vector<std::string> names;
        for (const auto& p : op->properties) names.push_back(p.name);
        fmt::print("    properties: {}\n", fmt::join(names, ", "));
      }
      if (*show_cases) {
        for (const harness::Case& c : cases) fmt::print("    case: {}\n", c.key());
      }
    }
    return kExitOk;
  };
}

}  // namespace
V4_REGISTER_COMMAND("list", "list registered ops, backends, properties and cases", 10, setup);
}  // namespace v4::cli
