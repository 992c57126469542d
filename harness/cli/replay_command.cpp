// v4harness replay "<case key> [backend=<name>] [check=<check>]": rebuilds the inputs of one case
// from its key and reruns its checks (all backends, or the named one; all checks, or the named
// one), printing each outcome in full. The string is exactly what failures store as `replay`.
#include <fmt/format.h>

#include "harness/cli/command.h"
#include "harness/runner.h"

namespace v4::cli {
namespace {

struct ReplayRequest {
  harness::Case c;
  std::string backend, check;
};

ReplayRequest parse_replay(const std::string& text) {
  ReplayRequest r;
  std::string key;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t end = std::min(text.find(' ', pos), text.size());
    const std::string tok = text.substr(pos, end - pos);
    pos = end + 1;
    if (tok.rfind("backend=", 0) == 0) r.backend = tok.substr(8);
    else if (tok.rfind("check=", 0) == 0) r.check = tok.substr(6);
    else if (!tok.empty()) key += (key.empty() ? "" : " ") + tok;
  }
  r.c = harness::Case::parse(key);
  return r;
}

std::function<int()> setup(CLI::App& app) {
  auto text = std::make_shared<std::string>();
  app.add_option("replay", *text, "a replay string: a case key, optionally with backend= and check=")->required();
  return [=] {
    const ReplayRequest req = parse_replay(*text);
    const harness::OpSpec& op = harness::Registry::instance().get(req.c.op);
    if (!req.backend.empty() && !op.find_backend(req.backend)) {
      throw std::invalid_argument(fmt::format("op '{}' has no backend '{}'", op.name, req.backend));
    }
    const harness::TensorMap inputs = op.make_inputs(req.c);
    const harness::TensorMap reference = op.reference().run(req.c, inputs);
    harness::RunOptions options;
    int failed = 0, shown = 0;
    for (const harness::Backend& b : op.backends) {
      if (!req.backend.empty() && b.name != req.backend) continue;
      if (const std::string why = b.availability(); !why.empty()) {
        fmt::print("{}: skipped ({})\n", b.name, why);
        if (!req.backend.empty()) return kExitError;
        continue;
      }
      const harness::TensorMap outputs = &b == &op.reference() ? reference : b.run(req.c, inputs);
      for (const harness::CheckOutcome& o : harness::run_case_checks(op, b, req.c, inputs, reference, outputs, options)) {
        if (!req.check.empty() && o.check != req.check) continue;
        ++shown;
        failed += !o.passed;
        fmt::print("{} {}\n    bound: {}\n    measured: {}\n    {}\n", o.passed ? "PASS" : "FAIL", o.replay(), o.bound,
                   o.measured, o.detail);
      }
    }
    if (shown == 0) {
      throw std::invalid_argument(fmt::format("no check named '{}' ran for this case", req.check));
    }
    return failed ? kExitFailed : kExitOk;
  };
}

}  // namespace
V4_REGISTER_COMMAND("replay", "rerun one stored case (its replay string) and print every outcome", 40, setup);
}  // namespace v4::cli
