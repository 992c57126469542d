// mHC on the GPU: hc_post bitwise; hc_pre, hc_head and the decode boundary within the budgets
// derived in harness/ops/mhc_policies.h; all deterministic over 20 reruns and batch invariant on both
// sides of the mix-tile threshold (64 tokens).
#include "tests/cuda_test_util.h"

namespace v4::harness {
namespace {

using testing::expect_cuda_checks;

TEST(HcPostCuda, BitwiseDeterministicInvariant) {
  V4_REQUIRE_GPU();
  expect_cuda_checks("mhc_post", make_case("mhc_post", {{"tokens", 77}, {"dim", 4096}}, 71));
}

TEST(HcPreCuda, WithinBudgetDeterministicInvariant) {
  V4_REQUIRE_GPU();
  expect_cuda_checks("mhc_pre", make_case("mhc_pre", {{"tokens", 100}, {"dim", 4096}, {"iters", 20}}, 72));
  expect_cuda_checks("mhc_pre", make_case("mhc_pre", {{"tokens", 5}, {"dim", 7168}, {"iters", 20}}, 73), "cuda", false);
}

TEST(HcHeadCuda, WithinBudgetDeterministicInvariant) {
  V4_REQUIRE_GPU();
  expect_cuda_checks("mhc_head", make_case("mhc_head", {{"tokens", 70}, {"dim", 1024}}, 74));
}

TEST(HcBoundaryCuda, DecodeWithinBudgetDeterministic) {
  V4_REQUIRE_GPU();
  for (int64_t t : {1, 16}) {
    expect_cuda_checks("mhc_boundary", make_case("mhc_boundary", {{"tokens", t}, {"dim", 7168}, {"iters", 20}}, 75), "cuda", false);
  }
}

}  // namespace
}  // namespace v4::harness
