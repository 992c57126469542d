// The branch-free FP4 helpers of optimized/fp4_codec.cuh (compiled here as plain C++) against the
// reference encoders, exhaustively: every fp32 magnitude in [0, 6] for the e2m1 code and value,
// every sign, every 16-bit code pattern under every shift d of the FP4 -> FP8 table, and the
// scale rule's claim that bf16 inputs never need the ±6 clamp.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "optimized/fp4_codec.cuh"
#include "reference/block_quant.h"
#include "reference/formats.h"

namespace v4::optimized::fp4 {
namespace {

// Every fp32 pattern from +0 to 6.0 (1.09e9 values): the code and the rounded value.
TEST(Fp4Codec, E2m1CodeAndValueMatchReferenceForEveryMagnitudeUpTo6) {
  const uint32_t last = f2u(6.0f);
  uint64_t code_mismatches = 0, value_mismatches = 0;
  uint32_t first_bad = 0;
  for (uint32_t bits = 0; bits <= last; ++bits) {
    const float a = u2f(bits);
    const uint8_t ref = reference::e2m1_encode(a);
    const bool code_ok = e2m1_code_abs(a) == ref;
    const bool value_ok = e2m1_round_abs(a) == reference::e2m1_decode(ref);
    if ((!code_ok || !value_ok) && code_mismatches + value_mismatches == 0) first_bad = bits;
    code_mismatches += !code_ok;
    value_mismatches += !value_ok;
  }
  EXPECT_EQ(code_mismatches, 0u) << "first mismatch at bits 0x" << std::hex << first_bad;
  EXPECT_EQ(value_mismatches, 0u) << "first mismatch at bits 0x" << std::hex << first_bad;
}

// The signed form with its clamp, on both signs and past ±6 (every 4096th pattern, and the
// neighbourhood of every threshold exhaustively through the magnitude test above).
TEST(Fp4Codec, SignedCodeMatchesClampedReference) {
  uint64_t mismatches = 0;
  for (uint64_t b = 0; b <= 0xFFFFFFFFull; b += 4093) {
    const float x = u2f(uint32_t(b));
    if (!std::isfinite(x)) continue;
    mismatches += e2m1_code(x) != reference::e2m1_encode(std::clamp(x, -6.0f, 6.0f));
  }
  for (float x : {-0.0f, 0.0f, -0.25f, -0.75f, -5.0f, -6.0f, -7.0f, 7.0f, -1e30f, 1e30f})
    EXPECT_EQ(e2m1_code(x), reference::e2m1_encode(std::clamp(x, -6.0f, 6.0f))) << x;
  EXPECT_EQ(mismatches, 0u);
}

// The byte table of shift d, built as the kernel builds it: entry m = e4m3(e2m1 value m · 2^d),
// zero below 2^-126 (where the product, at most 6·2^-127, rounds to a signed zero in e4m3).
void table_for(int d, uint32_t& t_lo, uint32_t& t_hi) {
  uint32_t b[8];
  for (int m = 0; m < 8; ++m) {
    const float v = d < -126 ? 0.0f : reference::e2m1_decode(uint8_t(m)) * std::ldexp(1.0f, d);
    b[m] = reference::e4m3_encode(v).bits;
  }
  t_lo = pack4(b[0], b[1], b[2], b[3]);
  t_hi = pack4(b[4], b[5], b[6], b[7]);
}

// Every 16-bit pattern of 4 codes (placed in both halves of the word), every d the lossy mode can
// reach (E in [0, 254], F in [0, 248]): bytes equal to the reference conversion of each code.
TEST(Fp4Codec, Expand8MatchesReferenceConversionForEveryCodeAndShift) {
  uint64_t mismatches = 0;
  for (int d = -254; d <= 6; ++d) {
    uint32_t t_lo = 0, t_hi = 0;
    table_for(d, t_lo, t_hi);
    uint8_t want[16];
    for (int c = 0; c < 16; ++c) {
      const double exact = std::ldexp(double(reference::e2m1_decode(uint8_t(c))), d);
      want[c] = reference::e4m3_encode(float(exact)).bits;
    }
    for (uint32_t p = 0; p < 0x10000; ++p) {
      const uint32_t codes = p | ((p ^ 0x5A3Cu) << 16);
      uint32_t lo = 0, hi = 0;
      expand8(codes, t_lo, t_hi, lo, hi);
      for (int j = 0; j < 8; ++j) {
        const uint32_t got = ((j < 4 ? lo : hi) >> (8 * (j & 3))) & 0xFF;
        mismatches += got != want[(codes >> (4 * j)) & 0xF];
      }
    }
  }
  EXPECT_EQ(mismatches, 0u);
}

// Host emulation of PRMT for selectors 0-7 (the only ones the kernels use).
TEST(Fp4Codec, BytePermSelectsBytesOfBothWords) {
  EXPECT_EQ(byte_perm(0x33221100u, 0x77665544u, 0x7654u), 0x77665544u);
  EXPECT_EQ(byte_perm(0x33221100u, 0x77665544u, 0x0415u), 0x00441155u);
  EXPECT_EQ(byte_perm(0u, 0x80u, 0x4004u), 0x80000080u);
}

// The fast paths skip the ±6 clamp for bf16 inputs: for every bf16 block maximum the scale rule
// gives 2^e >= amax / 6, so |x|·2^-e <= 6 for every element (the next bf16 above 6·2^e is
// 6.03125·2^e, whose scaled t exceeds 2^e).
TEST(Fp4Codec, Bf16BlockMaximumNeverExceeds6AfterScaling) {
  uint64_t over = 0;
  for (uint32_t b = 0; b < 0x7F80; ++b) {  // every finite non-negative bf16
    const float amax = reference::bf16_decode(bf16{uint16_t(b)});
    const int e = reference::pow2_scale_exponent(amax, reference::kE2m1ScaleRule);
    over += amax * std::ldexp(1.0f, -e) > 6.0f;
  }
  EXPECT_EQ(over, 0u);
}

}  // namespace
}  // namespace v4::optimized::fp4
