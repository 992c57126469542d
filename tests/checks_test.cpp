// The invariance checkers themselves: they pass the reference, and they catch the registered
// negative controls (a checker that cannot fail proves nothing).
#include <gtest/gtest.h>

#include "harness/checks.h"
#include "harness/registry.h"

namespace v4::harness {
namespace {

const OpSpec& rms_norm() { return Registry::instance().get("rms_norm"); }
Case small_case() { return Case::parse("rms_norm rows=5 dim=256 seed=3"); }

TEST(Checks, BatchSizesCoverBothSidesOfEveryThreshold) {
  Backend b = rms_norm().reference();
  b.dispatch_thresholds = [](const Case&) { return std::vector<int64_t>{64, 1000}; };
  const auto sizes = invariance_batch_sizes(rms_norm(), b, small_case());
  for (int64_t s : {1, 2, 3, 63, 64, 65, 127, 128, 129, 999, 1000, 1001, 4095, 4096, 4097}) {
    EXPECT_NE(std::find(sizes.begin(), sizes.end(), s), sizes.end()) << s;
  }
}

// A CPU backend drops the sizes whose cost exceeds its sweep budget, never 1-3 nor a declared
// threshold's neighbours; a device backend keeps every size.
TEST(Checks, CpuSweepKeepsDeclaredThresholdsAndDropsOnlyCostlySizes) {
  OpSpec op = rms_norm();
  op.cost = [](const Case& c) { return Cost{0, double(c.i64("rows")) * 1e7}; };  // 2e9 flops at 200 rows
  Backend cpu = op.reference();
  cpu.dispatch_thresholds = [](const Case&) { return std::vector<int64_t>{1000}; };
  EXPECT_EQ(invariance_batch_sizes(op, cpu, small_case()),
            (std::vector<int64_t>{1, 2, 3, 127, 128, 129, 999, 1000, 1001}));
  Backend device = cpu;
  device.device = "cuda";
  EXPECT_EQ(invariance_batch_sizes(op, device, small_case()).back(), 4097);
}

TEST(Checks, ReferencePassesBatchInvarianceAndDeterminism) {
  const OpSpec& op = rms_norm();
  const Case c = small_case();
  const CheckOutcome inv = check_batch_invariance(op, op.reference(), c, {1, 2, 65, 130});
  EXPECT_TRUE(inv.passed) << inv.detail;
  const TensorMap in = op.make_inputs(c);
  const CheckOutcome det = check_determinism(op, op.reference(), c, in, op.reference().run(c, in), 3);
  EXPECT_TRUE(det.passed) << det.detail;
}

TEST(Checks, BatchVariantControlIsCaughtWithItsFirstDivergence) {
  const OpSpec& op = rms_norm();
  const Backend* control = op.find_backend("m_dispatch_control");
  ASSERT_NE(control, nullptr);
  const CheckOutcome o = check_batch_invariance(op, *control, small_case());
  EXPECT_FALSE(o.passed);
  EXPECT_GT(o.measured, 0);
  EXPECT_NE(o.detail.find("first divergence"), std::string::npos) << o.detail;
  // Below its hidden threshold the control is invariant: the sweep must reach past it.
  EXPECT_TRUE(check_batch_invariance(op, *control, small_case(), {1, 2, 3, 64}).passed);
}

TEST(Checks, NondeterministicControlIsCaughtWithoutRetries) {
  const OpSpec& op = rms_norm();
  const Backend* control = op.find_backend("racy_order_control");
  ASSERT_NE(control, nullptr);
  const Case c = small_case();
  const TensorMap in = op.make_inputs(c);
  const CheckOutcome o = check_determinism(op, *control, c, in, control->run(c, in), 3);
  EXPECT_FALSE(o.passed);
  EXPECT_NE(o.detail.find("differs from run 0"), std::string::npos) << o.detail;
}

TEST(Checks, AssembleBatchCopiesRowsAndKeepsSharedInputs) {
  const OpSpec& op = rms_norm();
  const TensorMap pool = op.make_inputs(small_case());
  const TensorMap batch = assemble_batch(op, pool, {4, 0, 4});
  EXPECT_EQ(batch.at("x").dim(0), 3);
  EXPECT_TRUE(batch.at("x").slice_rows(0, 1).bitwise_equal(pool.at("x").slice_rows(4, 1)));
  EXPECT_TRUE(batch.at("x").slice_rows(1, 1).bitwise_equal(pool.at("x").slice_rows(0, 1)));
  EXPECT_TRUE(batch.at("w").bitwise_equal(pool.at("w")));  // shared weight untouched
}

TEST(Checks, AccuracyOutcomeCarriesTheBoundAndReplay) {
  const OpSpec& op = rms_norm();
  const Case c = small_case();
  const TensorMap out = op.reference().run(c, op.make_inputs(c));
  Tensor perturbed = out.at("y");
  perturbed.data<bf16>()[7].bits += 2;  // two bf16 ulps off
  const CheckOutcome o = check_accuracy(op, op.reference(), c, "y", perturbed, out.at("y"));
  EXPECT_FALSE(o.passed);
  EXPECT_EQ(o.measured, 2);
  EXPECT_NE(o.bound.find("ulp<=1 bf16"), std::string::npos);
  EXPECT_EQ(o.replay(), "rms_norm rows=5 dim=256 seed=3 backend=reference check=accuracy.y");
}

}  // namespace
}  // namespace v4::harness
