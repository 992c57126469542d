// JUnit XML for CI systems: one testsuite for correctness (failed checks, ULP budgets) and one
// for performance (one testcase per compared case). SLOWER and failed checks are <failure>s,
// AMBIGUOUS cases are <skipped> with the reason, infrastructure errors one <error>.
#pragma once

#include <string>

#include "harness/gate.h"

namespace v4::harness {

std::string gate_junit(const GateResult& result, const GateOptions& options);
// For a gate that could not decide (exit code 3): one testcase carrying the error.
std::string gate_junit_error(const std::string& message);

} // namespace v4::harness
