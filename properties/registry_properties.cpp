// Property 7c: batch invariance and determinism of every registered op and backend, with
// RapidCheck choosing the case seed and the batch sizes. Negative controls must be caught.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>

#include "harness/checks.h"
#include "harness/registry.h"

namespace v4::harness {
namespace {

// The smoke case of `op` with a RapidCheck-chosen seed.
Case random_smoke_case(const OpSpec& op) {
  const auto cases = op.cases(Suite::smoke);
  RC_ASSERT(!cases.empty());
  Case c = *rc::gen::elementOf(cases);
  c.seed = *rc::gen::inRange<uint64_t>(1, 1u << 20);
  return c;
}

std::vector<int64_t> random_sizes(const OpSpec& op) {
  const int64_t cap = std::min<int64_t>(op.max_invariance_rows, 300);
  auto sizes = *rc::gen::container<std::vector<int64_t>>(3, rc::gen::inRange<int64_t>(1, cap + 1));
  return sizes;
}

RC_GTEST_PROP(Registry, EveryCandidateIsBatchInvariant, ()) {
  for (const OpSpec* op : Registry::instance().ops()) {
    if (op->row_inputs.empty()) continue;
    const Case c = random_smoke_case(*op);
    const auto sizes = random_sizes(*op);
    for (const Backend& b : op->backends) {
      if (b.role != BackendRole::candidate || !b.availability().empty()) continue;
      const CheckOutcome o = check_batch_invariance(*op, b, c, sizes);
      if (!o.passed) RC_FAIL(o.op + "/" + o.backend + ": " + o.detail);
      RC_TAG(op->name);
    }
  }
}

RC_GTEST_PROP(Registry, EveryCandidateIsDeterministic, ()) {
  for (const OpSpec* op : Registry::instance().ops()) {
    const Case c = random_smoke_case(*op);
    const TensorMap inputs = op->make_inputs(c);
    for (const Backend& b : op->backends) {
      if (b.role != BackendRole::candidate || !b.availability().empty()) continue;
      const TensorMap first = b.run(c, inputs);
      RC_ASSERT(check_determinism(*op, b, c, inputs, first, 2).passed);
    }
  }
}

// Every negative control registered anywhere is caught by the check it names, on every seed.
RC_GTEST_PROP(Registry, EveryNegativeControlIsCaught, ()) {
  int controls = 0;
  for (const OpSpec* op : Registry::instance().ops()) {
    for (const Backend& b : op->backends) {
      if (b.role != BackendRole::negative_control || !b.availability().empty()) continue;
      ++controls;
      const Case c = random_smoke_case(*op);
      RC_LOG() << "control " << b.name << " of " << op->name << " on " << c.key() << "\n";  // printed on failure
      if (b.must_fail_check == "determinism") {
        const TensorMap inputs = op->make_inputs(c);
        RC_ASSERT_FALSE(check_determinism(*op, b, c, inputs, b.run(c, inputs), 3).passed);
      } else {
        RC_ASSERT_FALSE(check_batch_invariance(*op, b, c).passed);
      }
    }
  }
  RC_ASSERT(controls >= 2);  // at least the batch-variant and the nondeterministic control
}

}  // namespace
}  // namespace v4::harness
