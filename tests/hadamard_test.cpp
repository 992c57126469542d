// Hadamard-128 (spec §7): Sylvester entries, exact involution on a representable input, and the
// registered checks and golden case.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <vector>

#include "reference/hadamard.h"
#include "tests/attention_test_util.h"

namespace v4::reference {
namespace {

TEST(Hadamard, SylvesterColumns) {
  // y = H·e_j / √128: entry i is (−1)^popcount(i & j) / √128, rounded to bf16.
  const float scale = float(std::pow(128.0, -0.5));
  for (int j : {0, 1, 5, 64, 127}) {
    std::vector<bf16> x(128, bf16_encode(0.0f)), y(128);
    x[size_t(j)] = bf16_encode(1.0f);
    hadamard(y.data(), x.data(), 1, 128);
    for (int i = 0; i < 128; ++i) {
      const float sign = (std::popcount(unsigned(i & j)) & 1) ? -1.0f : 1.0f;
      ASSERT_EQ(y[size_t(i)].bits, bf16_encode(sign * scale).bits) << "i=" << i << " j=" << j;
    }
  }
}

TEST(Hadamard, InvolutionOnAConstantVector) {
  // x = 1 everywhere: y = (√128, 0, ..., 0) up to rounding, and H(y) ≈ x.
  std::vector<bf16> x(128, bf16_encode(1.0f)), y(128), z(128);
  hadamard(y.data(), x.data(), 1, 128);
  EXPECT_NEAR(bf16_decode(y[0]), std::sqrt(128.0), 0.05);
  for (int i = 1; i < 128; ++i)
    EXPECT_EQ(bf16_decode(y[size_t(i)]), 0.0f) << i;
  hadamard(z.data(), y.data(), 1, 128);
  for (int i = 0; i < 128; ++i)
    EXPECT_NEAR(bf16_decode(z[size_t(i)]), 1.0f, 2 * 0x1p-8) << i;
}

TEST(Hadamard, RejectsNonPowerOfTwo) {
  std::vector<bf16> x(96), y(96);
  EXPECT_THROW(hadamard(y.data(), x.data(), 1, 96), std::invalid_argument);
}

TEST(Hadamard, RegisteredChecks) {
  harness::testing::expect_smoke_checks_pass("hadamard");
}
TEST(Hadamard, Golden) {
  harness::testing::expect_golden_pass({"hadamard"});
}

} // namespace
} // namespace v4::reference
