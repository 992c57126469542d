// Branch-free e2m1 rounding and the FP4 -> FP8 byte-table expansion shared by the FP4 kernels
// (optimized/fp4_act_quant.cu, fp4_weight_quant.cu, fp4_to_fp8.cu). Host and device inline
// functions: without __CUDACC__ they compile as plain C++, so tests/fp4_codec_test.cpp checks them
// exhaustively on the CPU against the reference encoders (reference/formats.h).
//
// e2m1 (spec §1.3) from a = min(|x|, 6), a finite and >= 0, RNE with ties to the even code:
//   a >= 1: e2m1 keeps one mantissa bit, so RNE on bit 22 of the fp32 pattern gives the code:
//           r = bits + 0x1FFFFF + bit22 (a carry moves into the exponent, as RNE must), and
//           code = (r >> 22) - 252 (1.0 = 0x3F800000 -> 254 -> code 2; 6.0 -> 259 -> code 7).
//   a < 1:  the grid is 0.5 (codes 0, 1, 2 = 0, 0.5, 1.0): fl(a + 2^22) rounds a to a multiple of
//           0.5 by RNE (the ulp of [2^22, 2^23) is 0.5), ties to the even multiple, so
//           code = bits(fl(a + 2^22)) - bits(2^22). Exact for every a < 1, subnormals included.
// 8 instructions per code (SHF, LOP3, IADD3, SHF; FADD, IADD; FSETP, SEL) against the 7 compares,
// 7 adds, NaN test and sign extraction of the decision table (~20).
//
// FP4 -> FP8: with d = E - F fixed over a 1x32 sub-block, the FP8 byte of a code is a function of
// its 3 magnitude bits: an 8-entry byte table T_d (two 32-bit words) and the sign bit moved to bit
// 7. PRMT (__byte_perm) looks up 4 bytes at once from the nibbles of a selector, so 8 codes
// cost 11 instructions (mask, shift, 2 lookups of the magnitude, 3 ops and 2 lookups of the sign,
// 2 ORs) instead of ~12 per code.
#pragma once

#include <cstdint>
#include <cstring>

#ifdef __CUDACC__
#define V4_FP4_HD __host__ __device__ __forceinline__
#else
#define V4_FP4_HD inline
#endif

namespace v4::optimized::fp4 {

V4_FP4_HD uint32_t f2u(float x) {
#ifdef __CUDA_ARCH__
  return __float_as_uint(x);
#else
  uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
#endif
}
V4_FP4_HD float u2f(uint32_t u) {
#ifdef __CUDA_ARCH__
  return __uint_as_float(u);
#else
  float x;
  std::memcpy(&x, &u, sizeof x);
  return x;
#endif
}

inline constexpr float kMagic2p22 = 4194304.0f;        // 2^22: ulp 0.5 in [2^22, 2^23)
inline constexpr uint32_t kMagic2p22Bits = 0x4A800000u; // its bits

// a + 2^22 rounded to nearest even (one fp32 add; __fadd_rn keeps the compiler from fusing it).
V4_FP4_HD float add_magic(float a) {
#ifdef __CUDA_ARCH__
  return __fadd_rn(a, kMagic2p22);
#else
  volatile float m = kMagic2p22;  // the host compiler must not fold or reassociate the add
  return a + m;
#endif
}

// e2m1 magnitude code (0..7) of a = min(|x|, 6): a finite, 0 <= a <= 6.
V4_FP4_HD uint32_t e2m1_code_abs(float a) {
  const uint32_t bits = f2u(a);
  const uint32_t normal = (bits + (0x1FFFFFu - (252u << 22)) + ((bits >> 22) & 1u)) >> 22;
  const uint32_t sub = f2u(add_magic(a)) - kMagic2p22Bits;
  return a < 1.0f ? sub : normal;
}

// The e2m1 value of the same rounding, as fp32 (0, 0.5, 1, 1.5, 2, 3, 4 or 6): for the
// simulation, which needs the value and never the code.
V4_FP4_HD float e2m1_round_abs(float a) {
  const uint32_t bits = f2u(a);
  const float normal = u2f((bits + 0x1FFFFFu + ((bits >> 22) & 1u)) & 0xFFC00000u);
#ifdef __CUDA_ARCH__
  const float sub = __fsub_rn(add_magic(a), kMagic2p22);  // exact: a multiple of 0.5 below 2^23
#else
  volatile float m = kMagic2p22;
  const float sub = add_magic(a) - m;
#endif
  return a < 1.0f ? sub : normal;
}

// Signed code of x (bit 3 = sign of x, as the reference's e2m1_encode), for |x| <= 6 after the
// quantizers' clamp. NaN is outside the quantizers' contract (the reference throws).
V4_FP4_HD uint32_t e2m1_code(float x) {
  const float a = x < 0.0f ? -x : x;
  return e2m1_code_abs(a < 6.0f ? a : 6.0f) | ((f2u(x) >> 28) & 8u);
}

// PRMT without sign replication: byte i of the result is byte (s >> 4i) & 7 of {lo, hi}.
V4_FP4_HD uint32_t byte_perm(uint32_t lo, uint32_t hi, uint32_t s) {
#ifdef __CUDA_ARCH__
  return __byte_perm(lo, hi, s);
#else
  const uint64_t both = uint64_t(lo) | (uint64_t(hi) << 32);
  uint32_t out = 0;
  for (int i = 0; i < 4; ++i) out |= uint32_t((both >> (8 * ((s >> (4 * i)) & 7u))) & 0xFFu) << (8 * i);
  return out;
#endif
}

// 8 packed e2m1 codes (code j in bits 4j..4j+3) -> 8 FP8 bytes: byte j = T[code & 7] | sign << 7,
// with T the byte table in {t_lo, t_hi} (entry m in byte m). `lo` gets codes 0..3, `hi` 4..7.
V4_FP4_HD void expand8(uint32_t codes, uint32_t t_lo, uint32_t t_hi, uint32_t& lo, uint32_t& hi) {
  const uint32_t mag = codes & 0x77777777u;
  // sign bit 3 of each nibble -> selector 4 (byte 4 of {0, 0x80} = 0x80) or 0 (byte 0 = 0)
  const uint32_t sgn = (codes >> 1) & 0x44444444u;
  lo = byte_perm(t_lo, t_hi, mag) | byte_perm(0u, 0x80u, sgn);
  hi = byte_perm(t_lo, t_hi, mag >> 16) | byte_perm(0u, 0x80u, sgn >> 16);
}

// Pack four table bytes into a word (entry m in byte m).
V4_FP4_HD uint32_t pack4(uint32_t b0, uint32_t b1, uint32_t b2, uint32_t b3) {
  return b0 | (b1 << 8) | (b2 << 16) | (b3 << 24);
}

}  // namespace v4::optimized::fp4
