// fp4_act_quant and fp4_act_quant_sim on the GPU: bitwise, deterministic, batch invariant.
#include "tests/cuda_test_util.h"

namespace v4::harness {
namespace {

using testing::expect_cuda_checks;

TEST(Fp4ActQuantCuda, BitwiseDeterministicInvariant) {
  V4_REQUIRE_GPU();
  expect_cuda_checks("fp4_act_quant", make_case("fp4_act_quant", {{"rows", 129}, {"cols", 7168}}, 31));
  expect_cuda_checks("fp4_act_quant", make_case("fp4_act_quant", {{"rows", 65}, {"cols", 96}, {"dist", 1}}, 32));
}

TEST(Fp4ActQuantSimCuda, BitwiseDeterministicInvariant) {
  V4_REQUIRE_GPU();
  expect_cuda_checks("fp4_act_quant_sim", make_case("fp4_act_quant_sim", {{"rows", 129}, {"cols", 4096}}, 33));
  expect_cuda_checks("fp4_act_quant_sim", make_case("fp4_act_quant_sim", {{"rows", 40}, {"cols", 160}, {"dist", 1}}, 34));
}

}  // namespace
}  // namespace v4::harness
