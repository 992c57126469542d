// swiglu on the GPU against the reference: within 1 bf16 ulp (bitwise expected: the double silu
// as the reference; optimized/swiglu.h), 20 reruns, batch invariant; routed and shared, with the
// planted clamp edges of row 0 and ~1 % of the values beyond each clamp.
#include "tests/cuda_test_util.h"

namespace v4::harness {
namespace {

using testing::expect_cuda_checks;

TEST(SwigluCuda, RoutedWithinBudgetDeterministicInvariant) {
  V4_REQUIRE_GPU();
  expect_cuda_checks("swiglu",
                     make_case("swiglu", {{"rows", 257}, {"inter", 2048}, {"routed", 1}}, 41));
  testing::expect_full_invariance_sweep(
      "swiglu", make_case("swiglu", {{"rows", 8}, {"inter", 64}, {"routed", 1}}, 42));
}

TEST(SwigluCuda, SharedWithinBudgetDeterministicInvariant) {
  V4_REQUIRE_GPU();
  expect_cuda_checks("swiglu",
                     make_case("swiglu", {{"rows", 129}, {"inter", 3072}, {"routed", 0}}, 43));
  testing::expect_full_invariance_sweep(
      "swiglu", make_case("swiglu", {{"rows", 8}, {"inter", 64}, {"routed", 0}}, 44));
}

} // namespace
} // namespace v4::harness
