// act_quant on the GPU against the reference: bitwise, deterministic, batch invariant.
#include "tests/cuda_test_util.h"

namespace v4::harness {
namespace {

using testing::expect_cuda_checks;

TEST(ActQuantCuda, NormalRowsBitwiseDeterministicInvariant) {
  V4_REQUIRE_GPU();
  expect_cuda_checks("act_quant", make_case("act_quant", {{"rows", 257}, {"cols", 7168}}, 11));
}

TEST(ActQuantCuda, WideExponentRowsBitwiseDeterministicInvariant) {
  V4_REQUIRE_GPU();
  expect_cuda_checks("act_quant", make_case("act_quant", {{"rows", 131}, {"cols", 4096}, {"dist", 1}}, 12));
}

}  // namespace
}  // namespace v4::harness
