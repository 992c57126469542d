// act_quant (spec §2.2): e4m3 codes and ue8m0 scales per 1x128 block. Expected codes are derived
// by hand from §1.2 (code = sign | E << 3 | m, value (1 + m/8)·2^(E-7), subnormals m·2^-9) and
// the §2.1 scale rule; each comment shows the arithmetic.
#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "reference/act_quant.h"

namespace v4::reference {
namespace {

bf16 bf(float v) {
  const bf16 b = bf16_encode(v);
  EXPECT_EQ(bf16_decode(b), v) << v << " is not a bf16 value; the hand derivation assumes it is";
  return b;
}

struct Row {
  std::vector<bf16> x;
  std::vector<e4m3> q;
  std::vector<ue8m0> s;
  explicit Row(int64_t cols) : x(size_t(cols), bf16{0}), q(size_t(cols)), s(size_t(cols / 128)) {}
  void run() { act_quant(q.data(), s.data(), x.data(), 1, int64_t(x.size())); }
};

TEST(ActQuant, HandDerivedBlockWithTiesAndSignedZeros) {
  Row row(256);
  // Block 0: amax 3 -> 3/448 = 2^-7.2 -> s = 2^-7 (scale code 127 - 7 = 120); x/s = 128·x.
  row.x[0] = bf(3.0f);        // 384 = 1.5·2^8: E 15, m 4 -> 0x7C
  row.x[1] = bf(-1.5f);       // -192 = -1.5·2^7: E 14, m 4 -> 0xF4
  row.x[2] = bf(17.0f / 128); // 17: tie between 16 (m 0) and 18 (m 1) -> 16: E 11 -> 0x58
  row.x[3] = bf(19.0f / 128); // 19: tie between 18 (m 1) and 20 (m 2) -> 20 -> 0x5A
  row.x[4] = bf16{0x8000};    // -0 -> 0x80
  row.x[5] = bf(0x1p-20f);    // 2^-13: below half the smallest subnormal 2^-9 -> +0 (0x00)
  row.x[6] = bf(-0x1p-20f);   // -> -0 (0x80): the sign survives rounding to zero
  // Block 1: amax 2^-17 < floor 1e-4 -> s = 2^-22 (code 105); x/s = 2^22·x.
  row.x[128] = bf(0x1p-17f);   // 32 = 2^5: E 12 -> 0x60
  row.x[129] = bf(0x1.8p-19f); // 12 = 1.5·2^3: E 10, m 4 -> 0x54
  row.x[130] = bf(0x1p-28f);   // 2^-6, the smallest normal -> 0x08
  row.x[131] = bf(0x1p-30f);   // 2^-8 = 2·2^-9 -> subnormal m 2 -> 0x02
  row.x[132] = bf(0x1.8p-31f); // 1.5·2^-9: tie between 1 and 2 (·2^-9) -> 2 -> 0x02
  row.x[133] = bf(-0x1p-32f);  // 2^-10: tie between 0 and 2^-9 -> 0, sign kept -> 0x80
  row.run();
  EXPECT_EQ(row.s[0].bits, 120);
  EXPECT_EQ(row.s[1].bits, 105);
  const std::vector<std::pair<int, uint8_t>> want = {
      {0, 0x7C},   {1, 0xF4},   {2, 0x58},   {3, 0x5A},   {4, 0x80},
      {5, 0x00},   {6, 0x80},   {7, 0x00},   {128, 0x60}, {129, 0x54},
      {130, 0x08}, {131, 0x02}, {132, 0x02}, {133, 0x80}, {134, 0x00}};
  for (auto [i, code] : want)
    EXPECT_EQ(row.q[size_t(i)].bits, code) << "element " << i;
}

// A block of zeros takes the floor scale; ±0 keep their codes.
TEST(ActQuant, ZeroBlockTakesTheFloorScale) {
  Row row(128);
  row.x[7] = bf16{0x8000};
  row.run();
  EXPECT_EQ(row.s[0].bits, 105); // 2^-22
  for (int j = 0; j < 128; ++j)
    EXPECT_EQ(row.q[size_t(j)].bits, j == 7 ? 0x80 : 0x00) << j;
}

// Top of the bf16 range: amax = (2 - 2^-7)·2^127 -> /448 = 2^119.19 -> s = 2^120 (code 247);
// x/s = 255 rounds to 256 in [128, 256) (step 16) = 2^8: E 15, m 0 -> 0x78. The clamp to 448
// does not bind.
TEST(ActQuant, LargestBf16) {
  Row row(128);
  row.x[0] = bf16{0x7F7F};
  row.x[1] = bf16{0xFF7F};
  row.run();
  EXPECT_EQ(row.s[0].bits, 247);
  EXPECT_EQ(row.q[0].bits, 0x78);
  EXPECT_EQ(row.q[1].bits, 0xF8);
}

// The largest code of a block lies in [224, 448] (§2.5): amax 224·2^-3 = 28 gives 28/448 = 2^-4
// exactly -> s = 2^-4, x/s = 448 -> 0x7E; amax just above, 28.125, gives s = 2^-3 and 225 -> 224.
TEST(ActQuant, BlockMaxCodeAtBothEnds) {
  Row row(256);
  row.x[0] = bf(28.0f);
  row.x[128] = bf(28.125f);
  row.run();
  EXPECT_EQ(row.s[0].bits, 127 - 4);
  EXPECT_EQ(row.q[0].bits, 0x7E); // 448 = 1.75·2^8
  EXPECT_EQ(row.s[1].bits, 127 - 3);
  EXPECT_EQ(row.q[128].bits, 0x76); // 225 -> 224 = 1.75·2^7: E 14, m 6
}

TEST(ActQuant, RowsAreIndependent) {
  std::vector<bf16> x(3 * 128);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = bf(float(int(i % 37) - 18) * (i < 128 ? 1.0f : i < 256 ? 1024.0f : 0.0078125f));
  std::vector<e4m3> q(x.size()), q1(128);
  std::vector<ue8m0> s(3), s1(1);
  act_quant(q.data(), s.data(), x.data(), 3, 128);
  for (int r = 0; r < 3; ++r) {
    act_quant(q1.data(), s1.data(), x.data() + r * 128, 1, 128);
    EXPECT_EQ(s1[0].bits, s[size_t(r)].bits);
    for (int j = 0; j < 128; ++j)
      ASSERT_EQ(q1[size_t(j)].bits, q[size_t(r * 128 + j)].bits) << r << "," << j;
  }
}

TEST(ActQuant, RejectsBadShapesAndNonFiniteInputs) {
  Row row(256);
  EXPECT_THROW(act_quant(row.q.data(), row.s.data(), row.x.data(), 1, 100), std::invalid_argument);
  EXPECT_THROW(act_quant(row.q.data(), row.s.data(), row.x.data(), 1, 0), std::invalid_argument);
  EXPECT_THROW(act_quant(row.q.data(), row.s.data(), row.x.data(), -1, 128), std::invalid_argument);
  for (uint16_t bad : {uint16_t(0x7FC0), uint16_t(0xFFC1), uint16_t(0x7F80), uint16_t(0xFF80)}) {
    row.x[200] = bf16{bad};
    EXPECT_THROW(row.run(), std::invalid_argument) << std::hex << bad;
  }
}

} // namespace
} // namespace v4::reference
