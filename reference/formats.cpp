// Bit-exact encoders and decoders of spec §1. Written for reading: every branch is one row of
// the spec's tables. Rounding uses std::rint, which rounds to nearest even in the default
// floating-point environment (the reference never changes it).
#include "reference/formats.h"

#include <bit>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace v4::reference {

float exp2_exact(int e) {
  if (e > 127 || e < -149) throw std::invalid_argument("exp2_exact: exponent out of fp32 range");
  if (e >= -126) return std::bit_cast<float>(uint32_t(e + 127) << 23);
  return std::bit_cast<float>(uint32_t(1) << (e + 149));  // subnormal power of two
}

bf16 bf16_encode(float x) {
  const uint32_t u = std::bit_cast<uint32_t>(x);
  if (std::isnan(x)) return bf16{uint16_t((u >> 16) | 0x0040)};  // quiet NaN, sign kept
  // Round to nearest even on the 16 dropped bits; a carry into the exponent is the correct
  // result (including overflow to Inf).
  const uint32_t rounding_bias = 0x7FFF + ((u >> 16) & 1);
  return bf16{uint16_t((u + rounding_bias) >> 16)};
}

float bf16_decode(bf16 x) { return std::bit_cast<float>(uint32_t(x.bits) << 16); }

e4m3 e4m3_encode(float x) {
  const uint8_t sign = std::signbit(x) ? 0x80 : 0x00;
  if (std::isnan(x)) return e4m3{uint8_t(sign | 0x7F)};
  const float a = std::fabs(x);
  if (a >= kE4m3Max) return e4m3{uint8_t(sign | 0x7E)};  // satfinite (also ±Inf)
  if (a < 0.015625f) {                                    // below 2^-6: subnormal grid 2^-9
    const float q = std::rint(a * 512.0f);                // exact scaling; q in [0, 8]
    return e4m3{uint8_t(sign | uint8_t(q))};              // q == 8 is code 0x08 = 2^-6
  }
  int e2 = 0;
  std::frexp(a, &e2);  // a = f·2^e2, f in [0.5, 1): unbiased exponent e2 - 1 in [-6, 8]
  const int exponent = e2 - 1;
  const float q = std::rint(std::ldexp(a, 3 - exponent));  // in [8, 16], exact scaling
  int mantissa = int(q) - 8;
  int biased = exponent + 7;
  if (mantissa == 8) {  // rounded up into the next binade
    mantissa = 0;
    ++biased;
  }
  return e4m3{uint8_t(sign | (biased << 3) | mantissa)};
}

float e4m3_decode(e4m3 x) {
  const float sign = (x.bits & 0x80) ? -1.0f : 1.0f;
  const int biased = (x.bits >> 3) & 0xF;
  const int mantissa = x.bits & 0x7;
  if (biased == 15 && mantissa == 7) return std::numeric_limits<float>::quiet_NaN();
  if (biased == 0) return sign * float(mantissa) * exp2_exact(-9);
  return sign * (1.0f + float(mantissa) / 8.0f) * exp2_exact(biased - 7);
}

uint8_t e2m1_encode(float x) {
  const uint8_t sign = std::signbit(x) ? 0x8 : 0x0;
  const float a = std::fabs(x);
  if (std::isnan(x) || a >= kE2m1Max) return uint8_t(sign | 0x7);  // satfinite
  if (a < 1.0f) {                                                 // subnormal grid 0.5
    const float q = std::rint(a * 2.0f);                          // q in [0, 2]
    return uint8_t(sign | uint8_t(q));                            // q == 2 is code 2 = 1.0
  }
  int e2 = 0;
  std::frexp(a, &e2);
  const int exponent = e2 - 1;                             // 0, 1 or 2
  const float q = std::rint(std::ldexp(a, 1 - exponent));  // in [2, 4]
  int mantissa = int(q) - 2;
  int biased = exponent + 1;
  if (mantissa == 2) {
    mantissa = 0;
    ++biased;
  }
  return uint8_t(sign | (biased << 1) | mantissa);
}

float e2m1_decode(uint8_t code) {
  static constexpr float kMagnitude[8] = {0.0f, 0.5f, 1.0f, 1.5f, 2.0f, 3.0f, 4.0f, 6.0f};
  const float m = kMagnitude[code & 0x7];
  return (code & 0x8) ? -m : m;
}

ue8m0 ue8m0_encode(float power_of_two) {
  int e2 = 0;
  const float f = std::frexp(power_of_two, &e2);
  if (!(power_of_two > 0.0f) || !std::isfinite(power_of_two) || f != 0.5f || e2 - 1 < -127) {
    throw std::invalid_argument("ue8m0_encode: " + std::to_string(power_of_two) +
                                " is not a power of two in [2^-127, 2^127]");
  }
  return ue8m0_from_exponent(e2 - 1);
}

float ue8m0_decode(ue8m0 x) {
  if (x.bits == 0xFF) return std::numeric_limits<float>::quiet_NaN();
  return exp2_exact(int(x.bits) - 127);
}

}  // namespace v4::reference
