// fp4_to_fp8 on the GPU: the converted weights, block scales and the report bitwise equal to the
// reference in every mode, in range and out of range (nothing written), and lossy; deterministic.
#include "tests/cuda_test_util.h"

namespace v4::harness {
namespace {

// row_blocks x 128 rows, k columns; range: the ordinary blocks' Emax - Emin; bad_range > 0: one
// block per row block of exactly that range (harness/ops/fp4_to_fp8_op.cpp).
Case fp4_case(int64_t row_blocks, int64_t k, int64_t range, int64_t bad_range, int64_t check, int64_t zero_low,
              int64_t lossy, uint64_t seed) {
  return make_case("fp4_to_fp8", {{"row_blocks", row_blocks}, {"k", k}, {"range", range}, {"bad_range", bad_range},
                                  {"check", check}, {"zero_low", zero_low}, {"lossy", lossy}}, seed);
}

TEST(Fp4ToFp8Cuda, InRangeEveryMode) {
  V4_REQUIRE_GPU();
  testing::expect_cuda_checks("fp4_to_fp8", fp4_case(4, 1024, 14, 0, 0, 0, 0, 51));
  testing::expect_cuda_checks("fp4_to_fp8", fp4_case(2, 768, 11, 0, 1, 0, 0, 52));
  testing::expect_cuda_checks("fp4_to_fp8", fp4_case(2, 512, 10, 20, 2, 1, 0, 53));  // accepted element-wise
}

TEST(Fp4ToFp8Cuda, OutOfRangeWritesNothingAndReportsTheSameBlocks) {
  V4_REQUIRE_GPU();
  testing::expect_cuda_checks("fp4_to_fp8", fp4_case(4, 512, 10, 15, 0, 0, 0, 54));
  testing::expect_cuda_checks("fp4_to_fp8", fp4_case(2, 512, 8, 12, 1, 0, 0, 55));
  testing::expect_cuda_checks("fp4_to_fp8", fp4_case(2, 512, 10, 30, 2, 0, 0, 56));
}

TEST(Fp4ToFp8Cuda, LossyCountsTheSameInexactElements) {
  V4_REQUIRE_GPU();
  testing::expect_cuda_checks("fp4_to_fp8", fp4_case(2, 512, 10, 20, 0, 0, 1, 57));
  testing::expect_cuda_checks("fp4_to_fp8", fp4_case(1, 256, 14, 40, 2, 0, 1, 58));
}

}  // namespace
}  // namespace v4::harness
