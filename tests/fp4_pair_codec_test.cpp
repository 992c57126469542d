// The bf16-pair e2m1 encoder of optimized/fp4_codec.cuh (the activation quantizer's hot path),
// compiled as plain C++ with a host model of the f16 addition: every bf16 pattern, in both halves
// of a word, under every scale exponent the e2m1 scale rule gives a bf16 block, against the
// reference encoder; the 8-code packing; and whole 1x32 blocks against reference::fp4_act_quant.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "optimized/fp4_codec.cuh"
#include "reference/block_quant.h"
#include "reference/fp4_act_quant.h"
#include "reference/formats.h"

namespace v4::optimized::fp4 {
namespace {

float bf16_value(uint32_t bits) { return u2f(bits << 16); }

// The range of e over every finite bf16 block maximum.
void exponent_range(int& lo, int& hi) {
  lo = 1000;
  hi = -1000;
  for (uint32_t b = 0; b < 0x7F80; ++b) {
    const int e = reference::pow2_scale_exponent(bf16_value(b), reference::kE2m1ScaleRule);
    lo = std::min(lo, e);
    hi = std::max(hi, e);
  }
}

// The reference code of x in a block of scale 2^e, as quantize_block_e2m1 computes it.
uint32_t reference_code(float x, int e) {
  return reference::e2m1_encode(std::clamp(x * reference::exp2_exact(-e), -6.0f, 6.0f));
}

TEST(Fp4PairCodec, HostF16AdditionRoundsToNearestEven) {
  EXPECT_EQ(hadd2_rn(0x3400u, 0x6000u), 0x6000u);  // 0.25 + 512 -> 512 (tie, even)
  EXPECT_EQ(hadd2_rn(0x3A00u, 0x6000u), 0x6002u);  // 0.75 + 512 -> 513 (tie, even)
  EXPECT_EQ(hadd2_rn(0x3D00u, 0x6000u), 0x6002u);  // 1.25 + 512 -> 513
  EXPECT_EQ(hadd2_rn(0x3F00u, 0x6000u), 0x6004u);  // 1.75 + 512 -> 514
  EXPECT_EQ(hadd2_rn(0x4100u, 0x6400u), 0x6402u);  // 2.5 + 1024 -> 1026
  EXPECT_EQ(hadd2_rn(0x4500u, 0x6800u), 0x6802u);  // 5 + 2048 -> 2052
  EXPECT_EQ(hadd2_rn(0x4580u, 0x6800u), 0x6803u);  // 5.5 + 2048 -> 2054
  EXPECT_EQ(hadd2_rn(0x3C01u << 16, 0x3C00u << 16), 0x4000u << 16);  // 1+2^-10 + 1 -> 2 (tie)
}

// Every finite bf16 x with |x|·2^-e <= 6 (the scale rule's guarantee for members of a block of
// scale 2^e, Fp4Codec.Bf16BlockMaximumNeverExceeds6AfterScaling) in the low and the high half,
// the other half another such pattern, for every e the fast path takes; and through the 8-code
// entry point (fp32 path below kBf16PairMinExponent) for every e of the rule.
TEST(Fp4PairCodec, EveryBf16InBothHalvesUnderEveryScaleMatchesReference) {
  int e_lo = 0, e_hi = 0;
  exponent_range(e_lo, e_hi);
  EXPECT_EQ(e_lo, -126);
  EXPECT_EQ(e_hi, 126);  // bf16 max 0x7F7F·fl(1/6) < 2^126
  uint64_t checked = 0, pair_bad = 0, block_bad = 0;
  for (int e = e_lo; e <= e_hi; ++e) {
    std::vector<uint32_t> bits, want;
    for (uint32_t b = 0; b < 0x10000; ++b) {
      if ((b & 0x7F80) == 0x7F80) continue;  // Inf/NaN: outside the contract (spec D6)
      const float x = bf16_value(b);
      if (std::fabs(double(x)) * std::ldexp(1.0, -e) > 6.0) continue;
      bits.push_back(b);
      want.push_back(reference_code(x, e));
    }
    const size_t n = bits.size();
    for (size_t i = 0; i < n; ++i) {
      const size_t o = (i * 7919 + 13) % n;  // a partner pattern for the other half
      if (e >= kBf16PairMinExponent) {
        const E2m1PairScale k = e2m1_pair_scale(e);
        const uint32_t lo = e2m1_pair_from_bf16x2(bits[i] | (bits[o] << 16), k);
        const uint32_t hi = e2m1_pair_from_bf16x2(bits[o] | (bits[i] << 16), k);
        const uint32_t want_lo = (want[i] | 0x30u) | ((want[o] | 0x30u) << 16);
        const uint32_t want_hi = (want[o] | 0x30u) | ((want[i] | 0x30u) << 16);
        pair_bad += (lo != want_lo) + (hi != want_hi);
        pair_bad += want[i] != e2m1_code(u2f(bits[i] << 16) * reference::exp2_exact(-e));
      }
      // element position i % 8 of an 8-code vector, the other seven other patterns
      uint32_t w[4] = {};
      uint32_t expect = 0;
      for (int j = 0; j < 8; ++j) {
        const size_t idx = j == int(i % 8) ? i : (i * 31 + j * 1009) % n;
        w[j >> 1] |= bits[idx] << (16 * (j & 1));
        expect |= want[idx] << (4 * j);
      }
      block_bad += e2m1_codes8_from_bf16(w, e) != expect;
      ++checked;
    }
    ASSERT_EQ(pair_bad + block_bad, 0u) << "first mismatch at e = " << e;
  }
  EXPECT_GT(checked, 250u * 30000u);
}

// Code j of the packed word is nibble j whatever the other seven are.
TEST(Fp4PairCodec, Pack8PutsCodeJInNibbleJ) {
  std::mt19937 rng(7);
  uint64_t bad = 0;
  for (int t = 0; t < 1 << 20; ++t) {
    const uint32_t codes = rng();
    uint32_t p[4];
    for (int i = 0; i < 4; ++i) {
      const uint32_t a = (codes >> (8 * i)) & 0xF, b = (codes >> (8 * i + 4)) & 0xF;
      p[i] = ((a & 7) | 0x30u | (a & 8)) | (((b & 7) | 0x30u | (b & 8)) << 16);
    }
    bad += e2m1_pack8(p[0], p[1], p[2], p[3]) != codes;
  }
  EXPECT_EQ(bad, 0u);
}

// Whole 1x32 blocks as the kernel computes them (integer amax of each 8-element vector, the max
// of four, the scale rule, the 8-code encoder) against the reference quantizer, over blocks of
// every magnitude from bf16 subnormals to 2^127, with exact e2m1 ties planted.
TEST(Fp4PairCodec, BlocksMatchReferenceQuantizer) {
  std::mt19937 rng(11);
  uint64_t bad_codes = 0, bad_scales = 0;
  for (int t = 0; t < 200000; ++t) {
    const int top = int(rng() % 255);  // block exponent field 0..254
    bf16 x[32];
    for (int j = 0; j < 32; ++j) {
      uint32_t b;
      const uint32_t kind = rng() % 8;
      const int ex = std::max(0, top - int(rng() % 6));
      if (kind == 0) {  // an e2m1 tie (x.25, x.75 ...) or grid point relative to the block top
        b = (uint32_t(ex) << 7) | ((rng() % 4) << 5);
      } else {
        b = (uint32_t(ex) << 7) | (rng() & 0x7F);
      }
      if (ex == 0xFF) b = 0x7F7F;
      x[j].bits = uint16_t(b | ((rng() & 1) << 15));
    }
    e2m1x2 q_ref[16];
    ue8m0 s_ref;
    reference::fp4_act_quant(q_ref, &s_ref, x, 1, 32);
    uint32_t w[4][4];
    uint32_t amax_bits = 0;
    for (int v = 0; v < 4; ++v) {
      for (int i = 0; i < 4; ++i) w[v][i] = x[8 * v + 2 * i].bits | (uint32_t(x[8 * v + 2 * i + 1].bits) << 16);
      amax_bits = std::max(amax_bits, bf16x8_amax_bits(w[v]));
    }
    const int e = reference::pow2_scale_exponent(u2f(amax_bits), reference::kE2m1ScaleRule);
    bad_scales += uint8_t(e + 127) != s_ref.bits;
    for (int v = 0; v < 4; ++v) {
      const uint32_t got = e2m1_codes8_from_bf16(w[v], e);
      uint32_t want = 0;
      for (int b = 0; b < 4; ++b) want |= uint32_t(q_ref[4 * v + b].bits) << (8 * b);
      bad_codes += got != want;
    }
  }
  EXPECT_EQ(bad_scales, 0u);
  EXPECT_EQ(bad_codes, 0u);
}

}  // namespace
}  // namespace v4::optimized::fp4
