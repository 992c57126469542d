// rms_norm and rms_norm_head on the GPU: within the registered ULP budgets (1 bf16 ulp), 20
// bitwise reruns, batch invariant; the GPU negative control cuda_split_control must be caught by
// the batch-invariance check.
#include "harness/checks.h"
#include "tests/cuda_test_util.h"

namespace v4::harness {
namespace {

using testing::expect_cuda_checks;

TEST(RmsNormCuda, WithinBudgetDeterministicInvariant) {
  V4_REQUIRE_GPU();
  expect_cuda_checks("rms_norm", make_case("rms_norm", {{"rows", 130}, {"dim", 7168}}, 61));
  expect_cuda_checks("rms_norm", make_case("rms_norm", {{"rows", 64}, {"dim", 4096}}, 62));
}

TEST(RmsNormHeadCuda, WithinBudgetDeterministicInvariant) {
  V4_REQUIRE_GPU();
  expect_cuda_checks("rms_norm_head", make_case("rms_norm_head", {{"rows", 33}, {"heads", 64}, {"head_dim", 512}}, 63));
}

TEST(RmsNormCuda, SplitControlIsCaughtByBatchInvariance) {
  V4_REQUIRE_GPU();
  const OpSpec& op = Registry::instance().get("rms_norm");
  const Backend* control = op.find_backend("cuda_split_control");
  ASSERT_NE(control, nullptr);
  const CheckOutcome o = check_batch_invariance(op, *control, make_case("rms_norm", {{"rows", 8}, {"dim", 4096}}, 64));
  EXPECT_FALSE(o.passed) << "the batch-variant control was not caught: " << o.detail;
  std::printf("  control: %s\n", o.detail.c_str());
}

}  // namespace
}  // namespace v4::harness
