// fp4_to_fp8 (spec §3, D7): lossless inside the range, refused with locations and nothing
// written outside it, the strict and element-wise checks, the lossy mode's count. Expected
// codes derived by hand: F = Emax - 6, d = E - F, W8 = e4m3(w·2^d) (§1.2 codes).
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "reference/fp4_to_fp8.h"

namespace v4::reference {
namespace {

constexpr uint8_t kCanary = 0xFF;

struct Fp4 {
  int64_t n, k;
  std::vector<e2m1x2> w4;
  std::vector<ue8m0> e;
  std::vector<e4m3> w8;
  std::vector<ue8m0> f;
  Fp4(int64_t n_, int64_t k_, uint8_t scale)
      : n(n_), k(k_), w4(size_t(n_ * k_ / 2), e2m1x2{0}), e(size_t(n_ * k_ / 32), ue8m0{scale}),
        w8(size_t(n_ * k_), e4m3{kCanary}), f(size_t((n_ / 128) * (k_ / 128)), ue8m0{kCanary}) {}
  void set_code(int64_t r, int64_t c, uint8_t code) { e2m1_set(w4.data(), r * k + c, code); }
  ue8m0& sub_scale(int64_t r, int64_t c) { return e[size_t(r * (k / 32) + c / 32)]; }
  uint8_t w8_at(int64_t r, int64_t c) const { return w8[size_t(r * k + c)].bits; }
  Fp4ToFp8Report run(Fp4ToFp8Options options = {}) {
    return fp4_to_fp8(w8.data(), f.data(), w4.data(), e.data(), n, k, options);
  }
  bool untouched() const {
    for (const e4m3 q : w8)
      if (q.bits != kCanary)
        return false;
    for (const ue8m0 s : f)
      if (s.bits != kCanary)
        return false;
    return true;
  }
};

// One block, sub-scales 127 (2^0) except row 0's second sub-block at 113: range 14, the widest
// lossless one. F = 127 - 6 = 121. d = 6: 0.5·2^6 = 32 = 2^5 -> 0x60; 6·2^6 = 384 = 1.5·2^8 ->
// 0x7C. d = -8: 0.5·2^-8 = 2^-9 -> subnormal m 1 -> 0x01; 6·2^-8 = 1.5·2^-6 -> E 1, m 4 ->
// 0x0C; -1.5·2^-8 = -3·2^-9 -> 0x83; -0 -> 0x80.
TEST(Fp4ToFp8, LosslessInRangeHandDerived) {
  Fp4 t(128, 128, 127);
  for (int64_t c = 32; c < 64; ++c)
    t.sub_scale(0, c) = ue8m0{113};
  t.set_code(0, 0, 0x1);
  t.set_code(0, 1, 0x7);
  t.set_code(0, 32, 0x1);
  t.set_code(0, 33, 0x7);
  t.set_code(0, 34, 0xB);
  t.set_code(0, 35, 0x8);
  const Fp4ToFp8Report report = t.run();
  ASSERT_TRUE(report.lossless());
  EXPECT_TRUE(report.written);
  EXPECT_EQ(report.blocks, 1);
  EXPECT_EQ(report.worst_exponent_range, 14);
  EXPECT_EQ(t.f[0].bits, 121);
  EXPECT_EQ(t.w8_at(0, 0), 0x60);
  EXPECT_EQ(t.w8_at(0, 1), 0x7C);
  EXPECT_EQ(t.w8_at(0, 2), 0x00);
  EXPECT_EQ(t.w8_at(0, 32), 0x01);
  EXPECT_EQ(t.w8_at(0, 33), 0x0C);
  EXPECT_EQ(t.w8_at(0, 34), 0x83);
  EXPECT_EQ(t.w8_at(0, 35), 0x80);
  // The meaning is kept: 2^-9·2^(121-127) = 0.5·2^(113-127) = 2^-15.
  EXPECT_EQ(std::ldexp(e4m3_decode(t.w8[32]), 121 - 127), std::ldexp(0.5, 113 - 127));
}

// A 256 x 384 tensor (2 x 3 blocks) with block (1, 2) at range 15 and block (0, 1) at range 16:
// both named, in row-major order, and nothing written.
TEST(Fp4ToFp8, ViolationsReportedWithLocationNothingWritten) {
  Fp4 t(256, 384, 120);
  for (int64_t r = 0; r < 256; ++r) {
    for (int64_t c = 0; c < 384; ++c)
      t.set_code(r, c, uint8_t((r + c) % 16));
  }
  t.sub_scale(130, 300) = ue8m0{135}; // block (1, 2): 135 - 120 = 15
  t.sub_scale(5, 200) = ue8m0{104};   // block (0, 1): 120 - 104 = 16
  const Fp4ToFp8Report report = t.run();
  EXPECT_FALSE(report.lossless());
  EXPECT_FALSE(report.written);
  EXPECT_EQ(report.blocks, 6);
  EXPECT_EQ(report.worst_exponent_range, 16);
  ASSERT_EQ(report.violations.size(), 2u);
  EXPECT_EQ(report.violations[0].block_row, 0);
  EXPECT_EQ(report.violations[0].block_col, 1);
  EXPECT_EQ(report.violations[0].exponent_range, 16);
  EXPECT_EQ(report.violations[1].block_row, 1);
  EXPECT_EQ(report.violations[1].block_col, 2);
  EXPECT_EQ(report.violations[1].exponent_range, 15);
  EXPECT_TRUE(t.untouched());
  EXPECT_NE(report.summary().find("nothing written"), std::string::npos) << report.summary();
}

// Range 12: exact with subnormals (default accepts), not with normals only (strict refuses).
TEST(Fp4ToFp8, StrictModeRefusesRatio2p12) {
  Fp4 t(128, 128, 130);
  t.sub_scale(64, 96) = ue8m0{118};
  t.set_code(64, 96, 0x1); // d = 118 - 124 = -6: 0.5·2^-6 = 2^-7, an e4m3 subnormal (0x04)
  const Fp4ToFp8Report strict = t.run({LosslessCheck::kBlockRatio2p11, false});
  EXPECT_FALSE(strict.lossless());
  EXPECT_TRUE(t.untouched());
  const Fp4ToFp8Report normal = t.run();
  EXPECT_TRUE(normal.lossless());
  EXPECT_EQ(t.w8_at(64, 96), 0x04);
}

// Element-wise rule: a range-20 block whose low sub-block (d = -14) holds only ±0 codes is
// accepted; one non-zero code there is refused. The rule is the spec's (d >= -8 for non-zero
// codes): code 6 (= 4) at d = -9 would even be exact (4·2^-9 = 2^-7), but it is refused too.
TEST(Fp4ToFp8, ElementWiseModeIgnoresZeroCodes) {
  Fp4 t(128, 128, 140);
  for (int64_t c = 0; c < 32; ++c)
    t.sub_scale(3, c) = ue8m0{120}; // d = 120 - 134 = -14
  for (int64_t c = 0; c < 128; ++c)
    t.set_code(3, c, c < 32 ? uint8_t(c % 2 ? 0x8 : 0x0) : uint8_t(0x5));
  const Fp4ToFp8Options elementwise{LosslessCheck::kNonZeroElements, false};
  EXPECT_FALSE(t.run().lossless()); // the block rule refuses range 20
  const Fp4ToFp8Report accepted = t.run(elementwise);
  EXPECT_TRUE(accepted.lossless());
  EXPECT_EQ(t.w8_at(3, 1), 0x80);  // -0 kept
  EXPECT_EQ(t.w8_at(3, 32), 0x74); // F = 134, d = 6: 3·2^6 = 192 = 1.5·2^7 -> E 14, m 4
  for (int64_t c = 0; c < 32; ++c)
    t.sub_scale(3, c) = ue8m0{125}; // d = -9
  t.set_code(3, 0, 0x6);
  const Fp4ToFp8Report refused = t.run(elementwise);
  EXPECT_FALSE(refused.lossless());
  ASSERT_EQ(refused.violations.size(), 1u);
  EXPECT_EQ(refused.violations[0].failing_elements, 1);
}

// Lossy mode at d = -9 (range 15): of the 16 codes, magnitudes 0.5 and 1.5 are inexact
// (0.5·2^-9 = 2^-10 and 1.5·2^-9 = 3·2^-10 are not multiples of 2^-9), the other 12 are exact.
// Codes cycle 0..15 along a row, so a 32-wide sub-block holds each inexact code (1, 3, 9, 11)
// twice: 8 per row, 1024 over 128 rows. Rounding: 2^-10 ties to 0 (even); 3·2^-10 ties to 2^-8.
TEST(Fp4ToFp8, LossyModeCountsInexactElements) {
  Fp4 t(128, 128, 200);
  for (int64_t r = 0; r < 128; ++r) {
    for (int64_t c = 0; c < 128; ++c)
      t.set_code(r, c, uint8_t(c % 16));
    for (int64_t c = 64; c < 96; ++c)
      t.sub_scale(r, c) = ue8m0{185}; // F = 194, d = -9
  }
  const Fp4ToFp8Report refused = t.run();
  EXPECT_FALSE(refused.lossless());
  EXPECT_TRUE(t.untouched());
  const Fp4ToFp8Report lossy = t.run({LosslessCheck::kBlockRatio2p14, true});
  EXPECT_TRUE(lossy.written);
  EXPECT_TRUE(lossy.lossy);
  EXPECT_EQ(lossy.violations.size(), 1u);
  EXPECT_EQ(lossy.inexact_elements, 1024);
  EXPECT_EQ(t.w8_at(0, 65), 0x00); // code 1: 2^-10 -> +0
  EXPECT_EQ(t.w8_at(0, 73), 0x80); // code 9: -2^-10 -> -0
  EXPECT_EQ(t.w8_at(0, 67), 0x02); // code 3: 3·2^-10 -> 2^-8 (subnormal m 2)
  EXPECT_EQ(t.w8_at(0, 66), 0x01); // code 2: 2^-9, exact
  EXPECT_NE(lossy.summary().find("LOSSY"), std::string::npos) << lossy.summary();
}

// F saturates at biased 0 when Emax < 6 ([TK]); d = E then, and everything is exact.
TEST(Fp4ToFp8, BlockScaleSaturatesAtZero) {
  Fp4 t(128, 128, 3);
  t.set_code(0, 0, 0x7); // 6·2^3 = 48 = 1.5·2^5 -> E 12, m 4 -> 0x64
  const Fp4ToFp8Report report = t.run();
  EXPECT_TRUE(report.lossless());
  EXPECT_EQ(t.f[0].bits, 0);
  EXPECT_EQ(t.w8_at(0, 0), 0x64);
}

TEST(Fp4ToFp8, RejectsBadShapesAndNanSubScales) {
  Fp4 t(128, 256, 127);
  EXPECT_THROW(fp4_to_fp8(t.w8.data(), t.f.data(), t.w4.data(), t.e.data(), 100, 256, {}),
               std::invalid_argument);
  EXPECT_THROW(fp4_to_fp8(t.w8.data(), t.f.data(), t.w4.data(), t.e.data(), 128, 96, {}),
               std::invalid_argument);
  EXPECT_THROW(fp4_to_fp8(t.w8.data(), t.f.data(), t.w4.data(), t.e.data(), 128, 0, {}),
               std::invalid_argument);
  t.sub_scale(7, 200) = ue8m0{0xFF};
  EXPECT_THROW(t.run(), std::invalid_argument);
  EXPECT_TRUE(t.untouched());
}

} // namespace
} // namespace v4::reference
