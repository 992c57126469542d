// fp4_weight_quant: fp32 weights -> e2m1 codes (packed along K) + ue8m0 per 1x32 ([project] §2.1
// rule with Q = 6). fp32 inputs have 24-bit mantissas, so the cases near a scale boundary are
// derived by hand here: fl32(1/6) = 1/6·(1 + 2^-25) exactly (0x3E2AAAAB·6 = 2^26 + 2).
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "reference/fp4_weight_quant.h"

namespace v4::reference {
namespace {

struct Weights {
  std::vector<float> w;
  std::vector<e2m1x2> q;
  std::vector<ue8m0> s;
  int64_t n, k;
  Weights(int64_t n_, int64_t k_)
      : w(size_t(n_ * k_), 0.0f), q(size_t(n_ * k_ / 2)), s(size_t(n_ * k_ / 32)), n(n_), k(k_) {}
  void run() { fp4_weight_quant(q.data(), s.data(), w.data(), n, k); }
  uint8_t code(int64_t i) const { return e2m1_get(q.data(), i); }
};

TEST(Fp4WeightQuant, ScaleBoundaryInFp32) {
  Weights t(3, 32);
  // Row 0: amax 6 + 2^-21 (one ulp above 6): a/6 = 1 + 2^-21/6 > 1, and t = fl32(a·fl32(1/6))
  // = fl32(1 + 2^-21/6 + 2^-25 + ...) = 1 + 2^-23 (the excess 1.09e-7 is past half an ulp,
  // 5.96e-8) -> e = 1, s = 2. a/s = 3 + 2^-22 -> code 5 (3); 1.0/2 = 0.5 -> code 1;
  // 0.75/2 = 0.375 in (0.25, 0.75) -> 0.5 -> code 1.
  t.w[0] = 6.0f + 0x1p-21f;
  t.w[1] = 1.0f;
  t.w[2] = 0.75f;
  // Row 1: amax 6 - 2^-21: a/6 < 1 -> e = 0; the trick agrees: t = 1 - 4.97e-8 rounds to
  // 1 - 2^-24 (mantissa non-zero, biased exponent of 2^-1) -> e = 0. a/1 rounds to 6 -> code 7.
  t.w[32] = 6.0f - 0x1p-21f;
  // Row 2: amax exactly 6 -> e = 0 -> 6 -> code 7; -2.5 -> tie -> -2 -> code 0xC.
  t.w[64] = -6.0f;
  t.w[65] = -2.5f;
  t.run();
  EXPECT_EQ(t.s[0].bits, 128);
  EXPECT_EQ(t.code(0), 0x5);
  EXPECT_EQ(t.code(1), 0x1);
  EXPECT_EQ(t.code(2), 0x1);
  EXPECT_EQ(t.s[1].bits, 127);
  EXPECT_EQ(t.code(32), 0x7);
  EXPECT_EQ(t.s[2].bits, 127);
  EXPECT_EQ(t.code(64), 0xF);
  EXPECT_EQ(t.code(65), 0xC);
}

// Packing is along K: element 2k of a row in the low nibble of byte k; rows are consecutive.
TEST(Fp4WeightQuant, PackedAlongK) {
  Weights t(2, 32);
  const float row0[4] = {0.5f, 1.0f, 1.5f, 6.0f};   // scale 1: codes 1, 2, 3, 7
  const float row1[4] = {-6.0f, 3.0f, -0.0f, 4.0f}; // codes 0xF, 5, 8, 6
  for (int j = 0; j < 4; ++j)
    t.w[size_t(j)] = row0[j], t.w[size_t(32 + j)] = row1[j];
  t.run();
  EXPECT_EQ(t.q[0].bits, 0x21);
  EXPECT_EQ(t.q[1].bits, 0x73);
  EXPECT_EQ(t.q[16].bits, 0x5F);
  EXPECT_EQ(t.q[17].bits, 0x68);
}

// fp32 subnormal weights: amax below 6·2^-126 -> s = 2^-126 (code 1); 2^-140/2^-126 = 2^-14 ->
// 0, with the sign kept; 0.5·2^-126 = 2^-127 (an fp32 subnormal) -> 0.5 exactly -> code 1.
TEST(Fp4WeightQuant, SubnormalWeightsUseTheFloor) {
  Weights t(1, 32);
  t.w[0] = 0x1p-140f;
  t.w[1] = -0x1p-140f;
  t.w[2] = 0x1p-127f;
  t.run();
  EXPECT_EQ(t.s[0].bits, 1);
  EXPECT_EQ(t.code(0), 0x0);
  EXPECT_EQ(t.code(1), 0x8);
  EXPECT_EQ(t.code(2), 0x1);
}

TEST(Fp4WeightQuant, RejectsBadShapesAndNonFiniteWeights) {
  Weights t(2, 64);
  EXPECT_THROW(fp4_weight_quant(t.q.data(), t.s.data(), t.w.data(), 2, 48), std::invalid_argument);
  EXPECT_THROW(fp4_weight_quant(t.q.data(), t.s.data(), t.w.data(), -1, 64), std::invalid_argument);
  for (float bad : {NAN, INFINITY, -INFINITY}) {
    t.w[100] = bad;
    EXPECT_THROW(t.run(), std::invalid_argument) << bad;
  }
}

} // namespace
} // namespace v4::reference
