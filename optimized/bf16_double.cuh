// bf16 -> double by rebiasing the exponent on the integer pipe (host and device; a .cpp may include
// it). F2F.F64.F32 runs at 16 per clock per SM on the pipe that also executes the DFMAs of the
// bitwise-exact double kernels (hc_post: 5 conversions and 20 DFMA per dim), so taking the input
// conversions off that pipe frees a third of its slots.
//
// A bf16 pattern h = s | e (8 bits) | m (7 bits) is, for 0 < e < 255, the double with the same
// sign, exponent e − 127 + 1023 = e + 896 and mantissa m·2^45: the high word is (h & 0x7FFF) << 13
// plus 896 << 20, ORed with the sign. Zero (e = 0, m = 0) is the zero high word; Inf and NaN
// (e = 255) get the all-ones exponent with m kept (a signalling NaN stays signalling, where F2F
// would quiet it: a NaN output is canonicalised by the final bf16 rounding either way). Subnormal
// bf16 (e = 0, m != 0) need a normalisation: bf16_pair_has_subnormal() finds them, and callers
// take the F2F path for those (rare). tests/bf16_double_test.cpp checks all 2^16 patterns.
#pragma once

#include <cstdint>

#if defined(__CUDACC__)
#define V4_HD __host__ __device__ __forceinline__
#else
#include <cstring>
#define V4_HD inline
#endif

namespace v4::optimized::dev {

// The high 32 bits of the double equal to bf16 pattern h (low 16 bits of h; the low 32 bits of
// that double are zero); undefined for subnormal h.
V4_HD uint32_t bf16_double_high_word(uint32_t h) {
  const uint32_t mag = h & 0x7FFFu;
  uint32_t hi = (mag << 13) + 0x38000000u;                // exponent + 896
  hi = mag >= 0x7F80u ? ((mag << 13) | 0x7FF00000u) : hi; // Inf, NaN
  hi = mag < 0x0080u ? 0u : hi;                           // zero
  return ((h & 0x8000u) << 16) | hi;
}

// True if either bf16 half of the 32-bit word is subnormal (exponent 0, mantissa non-zero).
V4_HD bool bf16_pair_has_subnormal(uint32_t w) {
  const uint32_t lo = w & 0x7FFFu, hi = (w >> 16) & 0x7FFFu;
  return (lo - 1u) < 0x7Fu || (hi - 1u) < 0x7Fu;
}

#if defined(__CUDACC__)
__device__ __forceinline__ double bf16_lo_double(uint32_t w) {
  return __hiloint2double(int(bf16_double_high_word(w & 0xFFFFu)), 0);
}
__device__ __forceinline__ double bf16_hi_double(uint32_t w) {
  return __hiloint2double(int(bf16_double_high_word(w >> 16)), 0);
}
#else
inline double bf16_bits_to_double(uint32_t h) {
  const uint64_t bits = uint64_t(bf16_double_high_word(h)) << 32;
  double d;
  std::memcpy(&d, &bits, sizeof d);
  return d;
}
#endif

} // namespace v4::optimized::dev

#undef V4_HD
