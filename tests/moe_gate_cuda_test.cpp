// moe_gate (FP64 projection + routing) and moe_gate_route (routing from logits) on the GPU:
// indices bitwise, scores and weights within the registered budgets (bitwise expected:
// optimized/moe_gate.h), 20 reruns, batch invariant (the gate's sweep reaches 4097 tokens by the
// op's own cap); score routing with bias at 256 and 384 experts, hash routing, exact ties.
#include "tests/cuda_test_util.h"

namespace v4::harness {
namespace {

using testing::expect_cuda_checks;

Case gate_case(int64_t tokens, int64_t dim, int64_t experts, int64_t hash, int64_t rs,
               uint64_t seed) {
  return make_case("moe_gate",
                   {{"tokens", tokens},
                    {"dim", dim},
                    {"experts", experts},
                    {"k", 6},
                    {"hash", hash},
                    {"route_scale_x10", rs}},
                   seed);
}

Case route_case(int64_t tokens, int64_t experts, int64_t hash, int64_t rs, int64_t ties,
                uint64_t seed) {
  return make_case("moe_gate_route",
                   {{"tokens", tokens},
                    {"experts", experts},
                    {"k", 6},
                    {"hash", hash},
                    {"route_scale_x10", rs},
                    {"ties", ties}},
                   seed);
}

TEST(MoeGateCuda, ScoreRoutedGateBitwiseIndicesDeterministicInvariant) {
  V4_REQUIRE_GPU();
  expect_cuda_checks("moe_gate", gate_case(131, 1024, 256, 0, 15, 51));
  expect_cuda_checks("moe_gate", gate_case(67, 512, 384, 0, 25, 52));
}

TEST(MoeGateCuda, HashRoutedGateDeterministicInvariant) {
  V4_REQUIRE_GPU();
  expect_cuda_checks("moe_gate", gate_case(130, 512, 384, 1, 25, 53));
}

TEST(MoeGateRouteCuda, FromLogitsBitwiseIndicesDeterministicInvariant) {
  V4_REQUIRE_GPU();
  expect_cuda_checks("moe_gate_route", route_case(1000, 256, 0, 15, 0, 54));
  expect_cuda_checks("moe_gate_route", route_case(513, 384, 0, 25, 0, 55));
  expect_cuda_checks("moe_gate_route", route_case(300, 384, 1, 25, 0, 56));
}

TEST(MoeGateRouteCuda, ExactTiesFollowD4) {
  V4_REQUIRE_GPU();
  expect_cuda_checks("moe_gate_route", route_case(1000, 384, 0, 25, 1, 57));
  expect_cuda_checks("moe_gate_route", route_case(200, 256, 0, 15, 1, 58));
}

} // namespace
} // namespace v4::harness
