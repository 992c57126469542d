// fp4_weight_quant on the GPU: bitwise, deterministic, row invariant.
#include "tests/cuda_test_util.h"

namespace v4::harness {
namespace {

TEST(Fp4WeightQuantCuda, BitwiseDeterministicInvariant) {
  V4_REQUIRE_GPU();
  testing::expect_cuda_checks("fp4_weight_quant", make_case("fp4_weight_quant", {{"n", 384}, {"k", 7168}}, 41));
}

}  // namespace
}  // namespace v4::harness
