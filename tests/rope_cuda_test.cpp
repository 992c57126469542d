// rope on the GPU against the reference, within the registered budget (1 bf16 ulp; bitwise
// expected: optimized/rope.h), 20 reruns, batch invariant; the YaRN table (ratio 4 / 128) and
// the plain one (ratio 0), forward and inverse, large positions.
#include "tests/cuda_test_util.h"

namespace v4::harness {
namespace {

using testing::expect_cuda_checks;

Case rope_case(int64_t rows, int64_t heads, int64_t head_dim, int64_t ratio, int64_t inverse,
               int64_t max_pos, uint64_t seed) {
  return make_case("rope",
                   {{"rows", rows},
                    {"heads", heads},
                    {"head_dim", head_dim},
                    {"ratio", ratio},
                    {"inverse", inverse},
                    {"max_pos", max_pos}},
                   seed);
}

TEST(RopeCuda, YarnForwardWithinBudgetDeterministicInvariant) {
  V4_REQUIRE_GPU();
  expect_cuda_checks("rope", rope_case(129, 8, 512, 4, 0, 1 << 20, 31));
  testing::expect_full_invariance_sweep("rope", rope_case(16, 2, 128, 4, 0, 1 << 20, 32));
}

TEST(RopeCuda, InverseAndPlainTableWithinBudgetDeterministicInvariant) {
  V4_REQUIRE_GPU();
  expect_cuda_checks("rope", rope_case(130, 4, 512, 128, 1, 1 << 20, 33));
  expect_cuda_checks("rope", rope_case(127, 3, 128, 0, 1, 8192, 34));
  testing::expect_full_invariance_sweep("rope", rope_case(16, 1, 64, 0, 1, 8192, 35));
}

} // namespace
} // namespace v4::harness
