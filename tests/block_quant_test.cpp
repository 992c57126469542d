// The power-of-two scale rule (spec §2.1). The spec's claim, checked exhaustively: for every
// positive finite bf16 amax, the bit-trick exponent of t = fl32(max(a, FLOOR)·fl32(1/Q)) equals
// the exact ⌈log2(max(a, FLOOR)/Q)⌉, for Q = 448 (FLOOR fl32(1e-4)) and Q = 6 (FLOOR 6·2^-126).
// fp32 inputs (the FP4 weight quantizer) are checked around every Q·2^k, the only places where a
// rounded t could land on the wrong side of a power of two.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "reference/block_quant.h"

namespace v4::reference {
namespace {

// Smallest e with Q·2^e >= max(a, floor), by exact comparisons in double (independent of the
// bit trick): start below the answer and step up.
int exact_ceiling(float a, ScaleRule rule) {
  const double v = std::max(double(a), double(rule.floor)), q = rule.q_max;
  int e = std::ilogb(v) - std::ilogb(q) - 2; // Q·2^e < 2^(ilogb(v)-1) <= v/2
  while (std::ldexp(q, e) < v)
    ++e;
  return e;
}

TEST(BlockQuant, BitTrickEqualsExactCeilingForEveryBf16) {
  int checked = 0;
  for (const ScaleRule rule : {kE4m3ScaleRule, kE2m1ScaleRule}) {
    for (uint32_t code = 0x0001; code <= 0x7F7F; ++code) { // every positive finite bf16
      const float a = bf16_decode(bf16{uint16_t(code)});
      ASSERT_EQ(pow2_scale_exponent(a, rule), exact_ceiling(a, rule))
          << "Q " << rule.q_max << " bf16 0x" << std::hex << code;
      ++checked;
    }
  }
  EXPECT_EQ(checked, 2 * 0x7F7F);
}

TEST(BlockQuant, BitTrickEqualsExactCeilingAroundEveryPowerOfTwoBoundaryInFp32) {
  for (const ScaleRule rule : {kE4m3ScaleRule, kE2m1ScaleRule}) {
    for (int k = -126; k <= 127; ++k) {
      const double boundary = std::ldexp(double(rule.q_max), k); // a/Q = 2^k exactly
      if (boundary > 0x1.fffffep127 || boundary < 0x1p-126)
        continue;                                                       // fp32 normals only
      const uint32_t centre = std::bit_cast<uint32_t>(float(boundary)); // exact: Q has <= 3 bits
      for (int delta = -64; delta <= 64; ++delta) {
        const float a = std::bit_cast<float>(uint32_t(int64_t(centre) + delta));
        ASSERT_EQ(pow2_scale_exponent(a, rule), exact_ceiling(a, rule))
            << "Q " << rule.q_max << " a " << a;
      }
    }
  }
}

// Hand-derived values. e4m3: 448 = Q·2^0 -> 0; 449 > Q -> 1; 224 = Q/2 -> -1. Floors:
// fl32(1e-4)/448 = 2.23e-7 lies in (2^-23, 2^-22] -> -22; (6·2^-126)/6 = 2^-126 -> -126.
TEST(BlockQuant, HandDerivedExponents) {
  EXPECT_EQ(pow2_scale_exponent(448.0f, kE4m3ScaleRule), 0);
  EXPECT_EQ(pow2_scale_exponent(449.0f, kE4m3ScaleRule), 1);
  EXPECT_EQ(pow2_scale_exponent(224.0f, kE4m3ScaleRule), -1);
  EXPECT_EQ(pow2_scale_exponent(0.0f, kE4m3ScaleRule), -22);
  EXPECT_EQ(pow2_scale_exponent(1e-30f, kE4m3ScaleRule), -22);
  EXPECT_EQ(pow2_scale_exponent(6.0f, kE2m1ScaleRule), 0);
  EXPECT_EQ(pow2_scale_exponent(3.0f, kE2m1ScaleRule), -1);
  EXPECT_EQ(pow2_scale_exponent(7.0f, kE2m1ScaleRule), 1);
  EXPECT_EQ(pow2_scale_exponent(0.0f, kE2m1ScaleRule), -126);
  // The e2m1 floor is exactly 6·2^-126, so 6·2^-126 itself gives 2^-126 and the next fp32 up
  // gives 2^-125.
  EXPECT_EQ(pow2_scale_exponent(0x1.8p-124f, kE2m1ScaleRule), -126);
  EXPECT_EQ(pow2_scale_exponent(std::nextafter(0x1.8p-124f, 1.0f), kE2m1ScaleRule), -125);
  // bf16 max (2 - 2^-7)·2^127: /448 = 2^119.19 -> 120; /6 = 2^125.4 -> 126.
  EXPECT_EQ(pow2_scale_exponent(bf16_decode(bf16{0x7F7F}), kE4m3ScaleRule), 120);
  EXPECT_EQ(pow2_scale_exponent(bf16_decode(bf16{0x7F7F}), kE2m1ScaleRule), 126);
}

TEST(BlockQuant, DecodeFiniteNamesTheBadElement) {
  const bf16 x[3] = {bf16{0x3F80}, bf16{0x7FC0}, bf16{0x0000}};
  float out[3];
  try {
    decode_finite(out, x, 3, 100, "some_quantizer");
    FAIL() << "NaN accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("some_quantizer"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("element 101"), std::string::npos) << e.what();
  }
  const bf16 inf[1] = {bf16{0xFF80}};
  EXPECT_THROW(decode_finite(out, inf, 1, 0, "q"), std::invalid_argument);
}

} // namespace
} // namespace v4::reference
