// optimized/bf16_double.cuh on the CPU: the integer rebias gives the exact double of every normal,
// zero, infinite and NaN bf16 pattern, and the subnormal test flags exactly the subnormal ones.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>

#include "optimized/bf16_double.cuh"
#include "reference/formats.h"

namespace v4::optimized::dev {
namespace {

uint64_t bits_of(double d) {
  uint64_t b;
  std::memcpy(&b, &d, sizeof b);
  return b;
}

TEST(Bf16Double, EveryNonSubnormalPatternIsExact) {
  int checked = 0;
  for (uint32_t h = 0; h < 0x10000u; ++h) {
    const bool subnormal = (h & 0x7F80u) == 0 && (h & 0x7Fu) != 0;
    ASSERT_EQ(bf16_pair_has_subnormal(h), subnormal) << std::hex << h;
    ASSERT_EQ(bf16_pair_has_subnormal(h << 16), subnormal) << std::hex << h;
    if (subnormal) continue;
    const double want = double(reference::bf16_decode(bf16{uint16_t(h)}));
    const double got = bf16_bits_to_double(h);
    if (std::isnan(want)) {
      ASSERT_TRUE(std::isnan(got)) << std::hex << h;
      ASSERT_EQ(std::signbit(got), std::signbit(want)) << std::hex << h;
      ASSERT_EQ((bits_of(got) >> 45) & 0x7Fu, h & 0x7Fu) << std::hex << h;  // payload kept
    } else {
      ASSERT_EQ(bits_of(got), bits_of(want)) << std::hex << h;  // signed zeros included
    }
    ++checked;
  }
  EXPECT_EQ(checked, 0x10000 - 2 * 127);
}

TEST(Bf16Double, PairTestSeesEitherHalf) {
  EXPECT_FALSE(bf16_pair_has_subnormal(0x3F80BF80u));  // 1, -1
  EXPECT_FALSE(bf16_pair_has_subnormal(0x80000000u));  // -0, +0
  EXPECT_TRUE(bf16_pair_has_subnormal(0x3F800001u));   // 1, smallest subnormal
  EXPECT_TRUE(bf16_pair_has_subnormal(0x807F3F80u));   // largest negative subnormal, 1
}

}  // namespace
}  // namespace v4::optimized::dev
