// mHC on the GPU: hc_post bitwise; hc_pre, hc_head and the decode boundary within the budgets
// derived in harness/ops/mhc_op.cpp; all deterministic over 20 reruns and batch invariant on both
// sides of the mix-tile threshold (64 tokens).
#include "tests/cuda_test_util.h"

namespace v4::harness {
namespace {

using testing::expect_cuda_checks;

TEST(HcPostCuda, BitwiseDeterministicInvariant) {
  V4_REQUIRE_GPU();
  expect_cuda_checks("hc_post", make_case("hc_post", {{"tokens", 77}, {"dim", 4096}}, 71));
}

TEST(HcPreCuda, WithinBudgetDeterministicInvariant) {
  V4_REQUIRE_GPU();
  expect_cuda_checks("hc_pre", make_case("hc_pre", {{"tokens", 100}, {"dim", 4096}}, 72));
  expect_cuda_checks("hc_pre", make_case("hc_pre", {{"tokens", 5}, {"dim", 7168}}, 73), "cuda", false);
}

TEST(HcHeadCuda, WithinBudgetDeterministicInvariant) {
  V4_REQUIRE_GPU();
  expect_cuda_checks("hc_head", make_case("hc_head", {{"tokens", 70}, {"dim", 1024}}, 74));
}

TEST(HcBoundaryCuda, DecodeWithinBudgetDeterministic) {
  V4_REQUIRE_GPU();
  for (int64_t t : {1, 16}) {
    expect_cuda_checks("hc_boundary", make_case("hc_boundary", {{"tokens", t}, {"dim", 7168}}, 75), "cuda", false);
  }
}

}  // namespace
}  // namespace v4::harness
