// Shared by the tests/*_cuda_test.cpp files: skip with the reason when no usable GPU is present
// (CI has none: the skip is printed, never a silent pass), and run every harness check of a
// registered `cuda` backend on one case: accuracy of each output against the reference, 20
// determinism reruns (never retried) and the batch-invariance sweep (1, 2, 3, 127, 128, 129,
// 4095, 4096, 4097 rows and both sides of each declared dispatch threshold).
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "harness/checks.h"
#include "harness/ops/op_util.h"
#include "harness/registry.h"
#if V4_HAVE_CUDA
#include "optimized/cuda_runtime.h"
#endif

namespace v4::harness::testing {

inline std::string gpu_unavailable_reason() {
#if V4_HAVE_CUDA
  return optimized::cuda_unavailable_reason();
#else
  return "built without CUDA (no nvcc at configure time)";
#endif
}

#define V4_REQUIRE_GPU()                                                         \
  do {                                                                           \
    const std::string why = ::v4::harness::testing::gpu_unavailable_reason();    \
    if (!why.empty()) GTEST_SKIP() << "GPU test skipped: " << why;               \
  } while (0)

inline constexpr int kGpuReruns = 20;

// Accuracy, determinism and batch invariance of backend `backend` of `op_name` on case `c`.
inline void expect_cuda_checks(const std::string& op_name, const Case& c, const std::string& backend = "cuda",
                               bool invariance = true) {
  const OpSpec& op = Registry::instance().get(op_name);
  const Backend* b = op.find_backend(backend);
  ASSERT_NE(b, nullptr) << op_name << " has no backend " << backend;
  const TensorMap inputs = op.make_inputs(c);
  const TensorMap expected = op.reference().run(c, inputs);
  const TensorMap actual = b->run(c, inputs);
  for (const auto& [name, policy] : op.outputs) {
    ASSERT_TRUE(actual.count(name)) << "output " << name << " missing";
    const CheckOutcome o = check_accuracy(op, *b, c, name, actual.at(name), expected.at(name));
    EXPECT_TRUE(o.passed) << o.replay() << ": bound " << o.bound << ": " << o.detail;
    std::printf("  %s %s: max %g ulp (bound %s)\n", c.key().c_str(), name.c_str(), o.compare ? o.compare->max_ulp : 0.0,
                o.bound.c_str());
  }
  const CheckOutcome det = check_determinism(op, *b, c, inputs, actual, kGpuReruns);
  EXPECT_TRUE(det.passed) << det.replay() << ": " << det.detail;
  if (invariance && !op.row_inputs.empty()) {
    const CheckOutcome inv = check_batch_invariance(op, *b, c);
    EXPECT_TRUE(inv.passed) << inv.replay() << ": " << inv.detail << " (paths " << inv.dispatch_path << ")";
    std::printf("  %s batch invariance: %s; paths %s\n", c.key().c_str(), inv.detail.c_str(), inv.dispatch_path.c_str());
  }
}

// The batch-invariance sweep over all of 1, 2, 3, 127, 128, 129, 4095, 4096, 4097 rows whatever
// the op's max_invariance_rows (a cap for the reference's cost, which this check does not pay: it
// runs only the backend), for cases whose rows are small.
inline void expect_full_invariance_sweep(const std::string& op_name, const Case& c, const std::string& backend = "cuda") {
  const OpSpec& op = Registry::instance().get(op_name);
  const Backend* b = op.find_backend(backend);
  ASSERT_NE(b, nullptr) << op_name << " has no backend " << backend;
  const CheckOutcome inv = check_batch_invariance(op, *b, c, {1, 2, 3, 127, 128, 129, 4095, 4096, 4097});
  EXPECT_TRUE(inv.passed) << inv.replay() << ": " << inv.detail << " (paths " << inv.dispatch_path << ")";
  std::printf("  %s full invariance sweep: %s\n", c.key().c_str(), inv.detail.c_str());
}

}  // namespace v4::harness::testing
