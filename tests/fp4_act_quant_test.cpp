// fp4_act_quant and its in-place form (spec §2.4): e2m1 codes per 1x32 block, packed two per
// byte (element 2k in the low nibble), ue8m0 scales. Codes 0-7 = {0, .5, 1, 1.5, 2, 3, 4, 6},
// 8-15 their negatives; expected values derived by hand from the §1.3 RNE table and §2.1.
#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "reference/fp4_act_quant.h"

namespace v4::reference {
namespace {

bf16 bf(float v) {
  const bf16 b = bf16_encode(v);
  EXPECT_EQ(bf16_decode(b), v) << v << " is not a bf16 value";
  return b;
}

struct Fp4Row {
  std::vector<bf16> x, y;
  std::vector<e2m1x2> q;
  std::vector<ue8m0> s;
  explicit Fp4Row(int64_t cols)
      : x(size_t(cols), bf16{0}), y(size_t(cols)), q(size_t(cols / 2)), s(size_t(cols / 32)) {}
  void run() {
    const int64_t cols = int64_t(x.size());
    fp4_act_quant(q.data(), s.data(), x.data(), 1, cols);
    fp4_act_quant_sim(y.data(), x.data(), 1, cols);
  }
  uint8_t code(int64_t i) const { return e2m1_get(q.data(), i); }
};

// amax 6: t = fl32(6·fl32(1/6)) = 1 exactly (fl32(1/6)·6 = 1 + 2^-25 rounds to 1) -> s = 1,
// scale code 127; every tie of the §1.3 table goes to the even code (mantissa bit 0).
TEST(Fp4ActQuant, HandDerivedTiesAtScaleOne) {
  Fp4Row row(64);
  const std::vector<std::pair<float, uint8_t>> cases = {
      {6.0f, 0x7},    {2.5f, 0x4},               // 2.5: tie 2 (code 4) / 3 (code 5) -> 2
      {5.0f, 0x6},                               // tie 4 / 6 -> 4 (code 6)
      {0.25f, 0x0},                              // tie 0 / 0.5 -> 0
      {-0.75f, 0xA},                             // tie 0.5 / 1 -> 1, negative: 8 | 2
      {1.25f, 0x2},   {1.75f, 0x4}, {3.5f, 0x6}, // ties -> 1, 2, 4
      {0.3125f, 0x1},                            // in (0.25, 0.75) -> 0.5
      {2.75f, 0x5},   {-6.0f, 0xF}, {5.5f, 0x7}, // 5.5 in (5, 6] -> 6
  };
  for (size_t i = 0; i < cases.size(); ++i)
    row.x[i] = bf(cases[i].first);
  row.x[20] = bf16{0x8000}; // -0 -> code 8
  row.run();
  EXPECT_EQ(row.s[0].bits, 127);
  for (size_t i = 0; i < cases.size(); ++i) {
    EXPECT_EQ(row.code(int64_t(i)), cases[i].second) << "x = " << cases[i].first;
    EXPECT_EQ(bf16_decode(row.y[i]), e2m1_decode(cases[i].second)) << "x = " << cases[i].first;
  }
  EXPECT_EQ(row.code(20), 0x8);
  EXPECT_EQ(row.y[20].bits, 0x8000);
  EXPECT_EQ(row.code(21), 0x0);
  // Packing: element 0 in the low nibble of byte 0, element 1 in the high nibble.
  EXPECT_EQ(row.q[0].bits, 0x47);
  EXPECT_EQ(row.q[1].bits, 0x06); // elements 2 (code 6) and 3 (code 0)
}

// amax 7: 7/6 -> s = 2 (code 128); 7/2 = 3.5 ties to 4 -> y = 8. amax 3: 3/6 = 2^-1 -> s = 2^-1
// (code 126), 3/s = 6 -> code 7.
TEST(Fp4ActQuant, ScaleRoundsUpAndQuantizedValueMayExceedInput) {
  Fp4Row row(64);
  row.x[0] = bf(7.0f);
  row.x[32] = bf(3.0f);
  row.x[33] = bf(-0.75f); // -0.75/0.5 = -1.5 -> code 0xB -> y = -0.75
  row.run();
  EXPECT_EQ(row.s[0].bits, 128);
  EXPECT_EQ(row.code(0), 0x6);
  EXPECT_EQ(bf16_decode(row.y[0]), 8.0f);
  EXPECT_EQ(row.s[1].bits, 126);
  EXPECT_EQ(row.code(32), 0x7);
  EXPECT_EQ(row.code(33), 0xB);
  EXPECT_EQ(bf16_decode(row.y[33]), -0.75f);
}

// Floor: amax below 6·2^-126 gives s = 2^-126 (code 1). x = 2^-128 -> x/s = 0.25 -> tie -> 0;
// x = 3·2^-128 -> 0.75 -> tie -> 1 -> y = 2^-126; an all-zero block also takes code 1.
TEST(Fp4ActQuant, FloorScale) {
  Fp4Row row(64);
  row.x[0] = bf(0x1p-128f);
  row.x[1] = bf(0x1.8p-127f);
  row.x[2] = bf(-0x1p-128f);
  row.run();
  EXPECT_EQ(row.s[0].bits, 1);
  EXPECT_EQ(row.s[1].bits, 1);
  EXPECT_EQ(row.code(0), 0x0);
  EXPECT_EQ(row.code(1), 0x2);
  EXPECT_EQ(row.code(2), 0x8);
  EXPECT_EQ(bf16_decode(row.y[1]), 0x1p-126f);
  EXPECT_EQ(row.y[2].bits, 0x8000);
}

// As for the KV simulation, [C]'s fp32 product q·s overflows at the top of the bf16 range:
// |x| >= 1.75·2^127 (0x7F60) gives s = 2^126 and x/s >= 3.5 -> 4, 4·2^126 = 2^128 = Inf.
// 0x7F5F = 1.7421875·2^127 -> x/s = 3.484 -> 3 -> y = 1.5·2^127 (0x7F40). The packed form
// (codes and scales) is unaffected.
TEST(Fp4ActQuant, TopOfBf16RangeOverflowsInTheSimulation) {
  Fp4Row row(64);
  row.x[0] = bf16{0x7F60};
  row.x[32] = bf16{0x7F5F};
  row.run();
  EXPECT_EQ(row.s[0].bits, 127 + 126);
  EXPECT_EQ(row.code(0), 0x6);
  EXPECT_EQ(row.y[0].bits, 0x7F80);
  EXPECT_EQ(row.code(32), 0x5);
  EXPECT_EQ(row.y[32].bits, 0x7F40);
}

TEST(Fp4ActQuant, InPlaceEqualsOutOfPlace) {
  Fp4Row row(128);
  for (size_t i = 0; i < row.x.size(); ++i)
    row.x[i] = bf(float(int(i % 29) - 14) * 0.375f * float(1 + i / 32));
  row.run();
  std::vector<bf16> x = row.x;
  fp4_act_quant_sim(x.data(), x.data(), 1, 128);
  for (size_t i = 0; i < x.size(); ++i)
    ASSERT_EQ(x[i].bits, row.y[i].bits) << i;
}

TEST(Fp4ActQuant, RejectsBadShapesAndNonFiniteInputs) {
  Fp4Row row(64);
  EXPECT_THROW(fp4_act_quant(row.q.data(), row.s.data(), row.x.data(), 1, 48),
               std::invalid_argument);
  EXPECT_THROW(fp4_act_quant_sim(row.y.data(), row.x.data(), 1, 0), std::invalid_argument);
  row.x[40] = bf16{0x7FC0};
  EXPECT_THROW(fp4_act_quant(row.q.data(), row.s.data(), row.x.data(), 1, 64),
               std::invalid_argument);
  EXPECT_THROW(fp4_act_quant_sim(row.y.data(), row.x.data(), 1, 64), std::invalid_argument);
  row.x[40] = bf16{0xFF80};
  EXPECT_THROW(fp4_act_quant(row.q.data(), row.s.data(), row.x.data(), 1, 64),
               std::invalid_argument);
}

} // namespace
} // namespace v4::reference
