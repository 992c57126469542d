// Numeric formats of DeepSeek-V4 (spec §1): bf16, e4m3 (fn), e2m1 (packed two per byte), ue8m0.
//
// The storage types are plain bit containers with the same size and layout as CUDA's
// __nv_bfloat16 / __nv_fp8_e4m3 / __nv_fp4x2_e2m1 / __nv_fp8_e8m0, so device buffers can be
// copied to and from host arrays of these types bit for bit. Encoders round to nearest even and
// follow the spec §1.5 table (bf16 overflows to Inf; e4m3 and e2m1 saturate: satfinite).
#pragma once

#include <cstdint>

namespace v4 {

struct bf16 {
  uint16_t bits;
};
struct e4m3 {
  uint8_t bits;
};
// Two e2m1 codes: element 2k in the LOW nibble, element 2k+1 in the HIGH nibble (spec §1.3).
struct e2m1x2 {
  uint8_t bits;
};
struct ue8m0 {
  uint8_t bits;
};

static_assert(sizeof(bf16) == 2 && sizeof(e4m3) == 1 && sizeof(e2m1x2) == 1 && sizeof(ue8m0) == 1);

inline bool operator==(bf16 a, bf16 b) { return a.bits == b.bits; }
inline bool operator==(e4m3 a, e4m3 b) { return a.bits == b.bits; }
inline bool operator==(e2m1x2 a, e2m1x2 b) { return a.bits == b.bits; }
inline bool operator==(ue8m0 a, ue8m0 b) { return a.bits == b.bits; }

constexpr float kE4m3Max = 448.0f;
constexpr float kE2m1Max = 6.0f;

}  // namespace v4

namespace v4::reference {

// fp32 <-> bf16: RNE on the 16 dropped bits, overflow to ±Inf, subnormals kept, NaN stays NaN
// (payload unspecified: compare NaN-ness only).
bf16 bf16_encode(float x);
float bf16_decode(bf16 x);
// The common "round to bf16 and back" used at every rounding point of the model.
inline float round_bf16(float x) { return bf16_decode(bf16_encode(x)); }

// fp32 <-> e4m3fn: RNE, saturate to ±448 (±Inf too), NaN -> 0x7F/0xFF by sign.
e4m3 e4m3_encode(float x);
float e4m3_decode(e4m3 x);

// fp32 <-> one e2m1 code (4 bits in the low nibble of the result): RNE, saturate to ±6.
// NaN input is outside the contract (spec D6) and encodes as ±6 like CUDA's satfinite.
uint8_t e2m1_encode(float x);
float e2m1_decode(uint8_t code);  // code in [0, 16)
inline uint8_t e2m1_get(const e2m1x2* packed, int64_t i) {
  return (i & 1) ? uint8_t(packed[i >> 1].bits >> 4) : uint8_t(packed[i >> 1].bits & 0xF);
}
inline void e2m1_set(e2m1x2* packed, int64_t i, uint8_t code) {
  uint8_t& b = packed[i >> 1].bits;
  b = (i & 1) ? uint8_t((b & 0x0F) | (code << 4)) : uint8_t((b & 0xF0) | (code & 0xF));
}

// ue8m0: code E in [0, 254] means 2^(E-127); 0xFF is NaN. Only exact powers of two encode
// (spec §1.4); anything else throws std::invalid_argument.
ue8m0 ue8m0_encode(float power_of_two);
float ue8m0_decode(ue8m0 x);  // 0x00 decodes to 2^-127 (project decision, spec §1.4)
inline ue8m0 ue8m0_from_exponent(int e) { return ue8m0{uint8_t(e + 127)}; }
inline int ue8m0_exponent(ue8m0 s) { return int(s.bits) - 127; }

// Exact fp32 power of two 2^e for e in [-149, 127], built from bits.
float exp2_exact(int e);

}  // namespace v4::reference
