// fp4_to_fp8 on the GPU: the converted weights, block scales and the report bitwise equal to the
// reference in every mode, in range and out of range (nothing written), and lossy; deterministic.
#include "tests/cuda_test_util.h"

namespace v4::harness {
namespace {

Case fp4_case(int64_t n, int64_t k, int64_t spread, int64_t check, int64_t lossy, uint64_t seed) {
  return make_case("fp4_to_fp8", {{"n", n}, {"k", k}, {"spread", spread}, {"check", check}, {"lossy", lossy}}, seed);
}

TEST(Fp4ToFp8Cuda, InRangeEveryMode) {
  V4_REQUIRE_GPU();
  testing::expect_cuda_checks("fp4_to_fp8", fp4_case(512, 1024, 14, 0, 0, 51));
  testing::expect_cuda_checks("fp4_to_fp8", fp4_case(256, 768, 11, 1, 0, 52));
  testing::expect_cuda_checks("fp4_to_fp8", fp4_case(256, 512, 16, 2, 0, 53));
}

TEST(Fp4ToFp8Cuda, OutOfRangeWritesNothingAndReportsTheSameBlocks) {
  V4_REQUIRE_GPU();
  testing::expect_cuda_checks("fp4_to_fp8", fp4_case(512, 512, 15, 0, 0, 54));
  testing::expect_cuda_checks("fp4_to_fp8", fp4_case(256, 512, 12, 1, 0, 55));
  testing::expect_cuda_checks("fp4_to_fp8", fp4_case(256, 512, 30, 2, 0, 56));
}

TEST(Fp4ToFp8Cuda, LossyCountsTheSameInexactElements) {
  V4_REQUIRE_GPU();
  testing::expect_cuda_checks("fp4_to_fp8", fp4_case(256, 512, 40, 0, 1, 57));
  // spread 134: 120 + 134 = 254, the largest non-NaN sub-scale code
  testing::expect_cuda_checks("fp4_to_fp8", fp4_case(128, 256, 134, 2, 1, 58));
}

}  // namespace
}  // namespace v4::harness
