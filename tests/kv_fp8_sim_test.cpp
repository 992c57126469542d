// kv_fp8_sim (spec §2.3, D1): dims [0, 448) through e4m3 per 1x64 block and back to bf16, the
// RoPE dims [448, 512) untouched. Expected values derived by hand from §1.2 and §2.1.
#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "harness/generators.h"
#include "reference/kv_fp8_sim.h"

namespace v4::reference {
namespace {

constexpr int64_t kDim = 512;

bf16 bf(float v) {
  const bf16 b = bf16_encode(v);
  EXPECT_EQ(bf16_decode(b), v) << v << " is not a bf16 value";
  return b;
}

std::vector<bf16> simulate(const std::vector<bf16>& x, int64_t dim = kDim) {
  std::vector<bf16> y(x.size());
  kv_fp8_sim(y.data(), x.data(), int64_t(x.size()) / dim, dim);
  return y;
}

// D1 regression: the pre-fix kernel cast through bf16 and returned its input. Every 64-block of
// random N(0,1) bf16 values must change in at least one element: a block is left unchanged only
// if all 64 values already lie on the e4m3 grid of their scale (4 of bf16's 8 significant bits).
TEST(KvFp8Sim, D1RegressionRandomBlocksChange) {
  const harness::Tensor x = harness::random_bf16({16, kDim}, 7, "kv");
  const std::vector<bf16> xs(x.data<bf16>(), x.data<bf16>() + x.numel());
  const std::vector<bf16> y = simulate(xs);
  for (int64_t r = 0; r < 16; ++r) {
    for (int64_t b = 0; b < 7; ++b) {
      int changed = 0;
      for (int64_t j = b * 64; j < (b + 1) * 64; ++j)
        changed += y[size_t(r * kDim + j)].bits != xs[size_t(r * kDim + j)].bits;
      EXPECT_GT(changed, 0) << "row " << r << " block " << b
                            << " unchanged: the simulation is an identity";
    }
  }
}

// Whatever the RoPE dims hold (NaN payloads, Inf, -0, subnormals), they come back bit for bit;
// they are never quantized, so they are not checked for finiteness either.
TEST(KvFp8Sim, RopeDimsBitIdentical) {
  std::vector<bf16> x(2 * kDim, bf(0.5f));
  const uint16_t specials[] = {0x7FC1, 0xFFFF, 0x7F80, 0xFF80, 0x8000, 0x0001, 0x7F7F, 0x1234};
  for (int64_t j = 448; j < kDim; ++j)
    x[size_t(kDim + j)] = bf16{specials[j % 8]};
  const std::vector<bf16> y = simulate(x);
  for (int64_t j = 448; j < kDim; ++j)
    EXPECT_EQ(y[size_t(kDim + j)].bits, x[size_t(kDim + j)].bits) << j;
}

// Block with amax 1: 1/448 = 2^-8.8 -> s = 2^-8, x/s = 256·x; y = e4m3(x/s)·s.
TEST(KvFp8Sim, HandDerivedBlock) {
  std::vector<bf16> x(kDim, bf16{0});
  x[0] = bf(-1.0f);       // -256 on the grid -> -1
  x[1] = bf(77.0f / 256); // 77 in [64, 128), step 8: 72 or 80 -> 80 -> 0.3125
  x[2] = bf(76.0f / 256); // 76: tie 72 (m 1) / 80 (m 2) -> 80 -> 0.3125
  x[3] = bf(68.0f / 256); // 68: tie 64 (m 0) / 72 (m 1) -> 64 -> 0.25
  x[4] = bf(0x1p-12f);    // 2^-4: on the grid -> 2^-12
  x[5] = bf(0x1p-18f);    // 2^-10: tie 0 / 2^-9 -> 0 -> +0
  x[6] = bf(-0x1p-18f);   // -> -0
  x[7] = bf(0x1.8p-18f);  // 0.75·2^-9 -> 2^-9 -> 2^-17
  x[8] = bf16{0x8000};    // -0 stays -0
  // Block 1 (dims 64..127) all zero: floor scale, zeros stay zeros.
  const std::vector<bf16> y = simulate(x);
  const std::vector<std::pair<int, float>> want = {{0, -1.0f},    {1, 0.3125f},  {2, 0.3125f},
                                                   {3, 0.25f},    {4, 0x1p-12f}, {5, 0.0f},
                                                   {7, 0x1p-17f}, {9, 0.0f},     {64, 0.0f}};
  for (auto [i, v] : want)
    EXPECT_EQ(y[size_t(i)].bits, bf16_encode(v).bits) << "dim " << i;
  EXPECT_EQ(y[6].bits, 0x8000);
  EXPECT_EQ(y[8].bits, 0x8000);
}

TEST(KvFp8Sim, InPlaceEqualsOutOfPlace) {
  const harness::Tensor t = harness::random_bf16_wide({8, kDim}, 3, "kv", -20, 20);
  std::vector<bf16> x(t.data<bf16>(), t.data<bf16>() + t.numel());
  const std::vector<bf16> y = simulate(x);
  kv_fp8_sim(x.data(), x.data(), 8, kDim);
  for (size_t i = 0; i < x.size(); ++i)
    ASSERT_EQ(x[i].bits, y[i].bits) << i;
}

// Without a RoPE tail (dim 448, the golden layout) every dim is quantized.
TEST(KvFp8Sim, Dim448QuantizesEverything) {
  std::vector<bf16> x(448, bf(77.0f / 256));
  x[0] = bf(1.0f);
  x[447] = bf(76.0f / 256);
  const std::vector<bf16> y = simulate(x, 448);
  EXPECT_EQ(bf16_decode(y[447]), 0.3125f);
}

// [C] computes q·s in fp32 and casts to bf16. At the very top of the bf16 range that product
// overflows: |x| >= 1.9375·2^127 (bf16 0x7F78) gives s = 2^120 and x/s >= 248, which rounds to
// 256 (tie at 248 -> the even code), and 256·2^120 = 2^128 is +Inf in fp32. Just below, 0x7F77 =
// 1.9296875·2^127 gives x/s = 247 -> 240 and y = 1.875·2^127 (0x7F70). docs/kv_fp8_sim.md.
TEST(KvFp8Sim, TopOfBf16RangeOverflowsAsInTheOfficialCode) {
  std::vector<bf16> x(kDim, bf16{0});
  x[0] = bf16{0x7F78};
  x[1] = bf16{0xFF7F};
  x[64] = bf16{0x7F77};
  const std::vector<bf16> y = simulate(x);
  EXPECT_EQ(y[0].bits, 0x7F80);
  EXPECT_EQ(y[1].bits, 0xFF80);
  EXPECT_EQ(y[64].bits, 0x7F70);
}

TEST(KvFp8Sim, RejectsBadShapesAndNonFiniteQuantizedDims) {
  std::vector<bf16> x(kDim, bf(1.0f)), y(kDim);
  EXPECT_THROW(kv_fp8_sim(y.data(), x.data(), 1, 447), std::invalid_argument);
  EXPECT_THROW(kv_fp8_sim(y.data(), x.data(), -1, kDim), std::invalid_argument);
  x[447] = bf16{0x7FC0};
  EXPECT_THROW(kv_fp8_sim(y.data(), x.data(), 1, kDim), std::invalid_argument);
  x[447] = bf16{0xFF80};
  EXPECT_THROW(kv_fp8_sim(y.data(), x.data(), 1, kDim), std::invalid_argument);
}

} // namespace
} // namespace v4::reference
