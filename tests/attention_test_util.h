// Shared helpers of the attention-family unit tests: run every registered check of an op's smoke
// cases, and run golden checkers (skipped, with the reason printed, when the vectors are absent).
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "harness/golden.h"
#include "harness/registry.h"
#include "harness/runner.h"

namespace v4::harness::testing {

// Accuracy is trivial for the reference itself; determinism, batch invariance and every domain
// property run for each smoke case and must pass.
inline void expect_smoke_checks_pass(const std::string& op_name) {
  const OpSpec& op = Registry::instance().get(op_name);
  RunOptions options;
  options.timing = false;
  const auto cases = op.cases(Suite::smoke);
  ASSERT_FALSE(cases.empty());
  for (const Case& c : cases) {
    const TensorMap inputs = op.make_inputs(c);
    const TensorMap outputs = op.reference().run(c, inputs);
    const auto outcomes = run_case_checks(op, op.reference(), c, inputs, outputs, outputs, options);
    EXPECT_FALSE(outcomes.empty());
    for (const CheckOutcome& o : outcomes)
      EXPECT_TRUE(o.passed) << o.replay() << ": " << o.detail;
  }
}

// Runs the golden checkers of `cases`; every compared item must pass.
inline void expect_golden_pass(const std::vector<std::string>& cases) {
  const std::string dir = default_golden_dir();
  if (!std::filesystem::exists(std::filesystem::path(dir) / "MANIFEST.json")) {
    GTEST_SKIP() << "golden vectors not found at " << dir << " (set V4_GOLDEN_DIR)";
  }
  std::ostringstream log;
  const GoldenSummary s = run_golden(dir, cases, log);
  EXPECT_EQ(s.failed, 0) << log.str();
  EXPECT_FALSE(s.lines.empty());
}

} // namespace v4::harness::testing
