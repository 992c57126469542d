// RoPE (spec §6): the YaRN correction range from its formula, the frequency table, the fp32 angle
// (D15), known rotations, the inverse, and the registered checks and golden cases.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "reference/rope.h"
#include "tests/attention_test_util.h"

namespace v4::reference {
namespace {

RopeParams compressed_table() {
  ModelConfig cfg; // preview defaults: compress_rope_theta 160000, YaRN 16 / 65536 / 32 / 1
  return rope_params_for_layer(cfg, 4);
}

TEST(Rope, LayerTables) {
  ModelConfig cfg;
  const RopeParams window = rope_params_for_layer(cfg, 0), hca = rope_params_for_layer(cfg, 128);
  EXPECT_EQ(window.base, 10000);
  EXPECT_EQ(window.original_seq_len, 0); // no YaRN on window-only layers (D3)
  EXPECT_EQ(hca.base, 160000);
  EXPECT_EQ(hca.original_seq_len, 65536);
}

TEST(Rope, YarnCorrectionRangeFromFormula) {
  const RopeCorrectionRange r = rope_correction_range(compressed_table());
  EXPECT_EQ(r.low, 15);  // ⌊64·ln(65536/(32·2π)) / (2 ln 160000)⌋
  EXPECT_EQ(r.high, 25); // ⌈64·ln(65536/(2π)) / (2 ln 160000)⌉
  RopeParams other = compressed_table();
  other.base = 10000; // the formula, not constants: another base moves the range
  const RopeCorrectionRange r2 = rope_correction_range(other);
  EXPECT_NE(r2.low, 15);
}

TEST(Rope, FrequencyTable) {
  const RopeParams yarn = compressed_table();
  RopeParams plain = yarn;
  plain.original_seq_len = 0;
  std::vector<float> f(32), base(32);
  rope_freqs(f.data(), yarn);
  rope_freqs(base.data(), plain);
  for (int i = 0; i < 32; ++i) {
    const float want = 1.0f / float(std::pow(160000.0, double(float(2 * i) / 64.0f)));
    EXPECT_EQ(base[size_t(i)], want) << i; // fl32(1 / fl32(base^(2i/64)))
    if (i <= 15) {
      EXPECT_EQ(f[size_t(i)], base[size_t(i)]) << i; // below the ramp: unchanged
    }
    if (i >= 25) {
      EXPECT_EQ(f[size_t(i)], base[size_t(i)] / 16.0f) << i; // above: divided by 16 exactly
    }
  }
  // Inside the ramp, [C] divides by (high − low) as torch's CUDA kernel does: a multiplication by
  // fl32(1/10). At i = 24, 9·fl32(0.1) rounds above fl32(0.9), which moves freq_24 by 4 ulp
  // against a true division (the golden table has the multiplied value).
  const float ramp_div = 9.0f / 10.0f, ramp_mul = 9.0f * (1.0f / 10.0f);
  ASSERT_NE(ramp_div, ramp_mul);
  const float smooth = 1.0f - ramp_mul;
  EXPECT_EQ(f[24], (base[24] / 16.0f) * (1.0f - smooth) + base[24] * smooth);
}

TEST(Rope, AngleIsAnFp32Product) {
  std::vector<float> f(32), cs(64);
  rope_freqs(f.data(), compressed_table());
  const int64_t p = 1000003;
  rope_cos_sin(cs.data(), p, f.data(), 32);
  const float angle = float(p) * f[1]; // D15
  EXPECT_EQ(cs[2], float(std::cos(double(angle))));
  EXPECT_EQ(cs[3], float(std::sin(double(angle))));
  EXPECT_GT(std::fabs(double(angle) - double(p) * double(f[1])),
            1e-3); // a double angle would differ
}

TEST(Rope, KnownRotationAndInverse) {
  // One head of 64 dims, every pair = (1, 0): the output pair is (bf16(cos θ_i), bf16(sin θ_i)).
  std::vector<bf16> x(64), y(64), back(64);
  for (int i = 0; i < 32; ++i)
    x[size_t(2 * i)] = bf16_encode(1.0f), x[size_t(2 * i + 1)] = bf16_encode(0.0f);
  const RopeParams p = compressed_table();
  std::vector<float> f(32), cs(64);
  rope_freqs(f.data(), p);
  const int64_t pos = 37;
  rope_cos_sin(cs.data(), pos, f.data(), 32);
  rope_apply(y.data(), x.data(), &pos, 1, 1, 64, p, false);
  for (int i = 0; i < 32; ++i) {
    EXPECT_EQ(y[size_t(2 * i)].bits, bf16_encode(cs[size_t(2 * i)]).bits) << i;
    EXPECT_EQ(y[size_t(2 * i + 1)].bits, bf16_encode(cs[size_t(2 * i + 1)]).bits) << i;
  }
  rope_apply(back.data(), y.data(), &pos, 1, 1, 64, p, true);
  for (int i = 0; i < 64; ++i)
    EXPECT_NEAR(bf16_decode(back[size_t(i)]), bf16_decode(x[size_t(i)]), 2 * 0x1p-8) << i;
}

TEST(Rope, NopeDimsUntouchedInPlace) {
  std::vector<bf16> x(2 * 512);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = bf16_encode(float(int(i % 97) - 48) / 16.0f);
  const std::vector<bf16> before = x;
  const int64_t pos = 5;
  rope_apply(x.data(), x.data(), &pos, 1, 2, 512, compressed_table(), false);
  int changed_rope = 0;
  for (int h = 0; h < 2; ++h) {
    for (int d = 0; d < 512; ++d) {
      const size_t i = size_t(h * 512 + d);
      if (d < 448)
        EXPECT_EQ(x[i].bits, before[i].bits);
      else
        changed_rope += x[i].bits != before[i].bits;
    }
  }
  EXPECT_GT(changed_rope, 64); // the RoPE dims did rotate
}

TEST(Rope, RegisteredChecks) {
  harness::testing::expect_smoke_checks_pass("rope");
}
TEST(Rope, Golden) {
  harness::testing::expect_golden_pass({"rope_yarn", "rope_window"});
}

} // namespace
} // namespace v4::reference
