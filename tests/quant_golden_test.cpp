// Golden agreement of the quantizers with the official code (harness/ops/quant_golden.cpp):
// act_quant codes and scales, the in-place FP8 block-64 simulation and fp4_act_quant in both
// forms, all bitwise. Skipped, with the reason, where the golden vectors are not present.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "harness/golden.h"

namespace v4::harness {
namespace {

TEST(QuantGolden, OfficialCodesScalesAndSimulationsBitwise) {
  const std::string dir = default_golden_dir();
  if (!std::filesystem::exists(std::filesystem::path(dir) / "MANIFEST.json")) {
    GTEST_SKIP() << "no golden vectors at " << dir << " (set V4_GOLDEN_DIR)";
  }
  std::ostringstream log;
  const GoldenSummary summary = run_golden(dir, {"quant_act_fp8", "quant_act_fp4"}, log);
  EXPECT_EQ(summary.cases, 2);
  EXPECT_EQ(summary.lines.size(), 6u) << log.str(); // 3 tensors per case
  EXPECT_EQ(summary.failed, 0) << log.str();
}

} // namespace
} // namespace v4::harness
