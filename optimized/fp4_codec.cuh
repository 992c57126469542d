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

#include <cmath>
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

// ---- e2m1 codes straight from bf16 pairs (the activation quantizer's hot path) ----
// Two bf16 in one word (lo = bits 0-15, hi = 16-31), scale 2^e with e >= kBf16PairMinExponent:
//  1. c = max(|x| bits, bits of 0.25·2^e) per 16-bit half (max.u16x2): every |x|·2^-e <= 0.25
//     codes 0 (0.25 is the tie of 0 and 0.5, to the even 0), so clamping there changes no code;
//     bf16 subnormals (bits < 0x80 <= the clamp, as e >= -124) are clamped away too.
//  2. f = 8·c + k: the f16 bits of s = max(|x|·2^-e, 0.25), exact (the bf16 exponent minus e,
//     rebiased 127 -> 15, mantissa 7 -> 10 bits; 0.25 <= s <= 6 is normal in f16).
//  3. magic m = 2^(9 + max(exponent(s), 0)) (f16 bits of the clamped exponent + 9), whose ulp is
//     e2m1's spacing at s: 0.5 below 2, 1 in [2, 4), 2 in [4, 8); r = fl16(s + m) (add.rn.f16x2)
//     rounds s to that grid, ties to even, and r - m (bits) counts its ulps: the code for s < 2,
//     code - 2 in [2, 4), code - 4 in [4, 8). m >> 9 is 0x30, 0x32, 0x34 there, so
//     r - m + (m >> 9) = code + 0x30 (code in bits 0-2, bits 3 clear, 4-5 set).
//  4. the sign (bit 15 of each half) goes to bit 3, as std::signbit in the reference (-0 -> 0x8).
// 11 instructions per two codes against ~2 x 13 on the fp32 path (unpack, multiply, min, sign, 8
// for the code, packing). Below e = -124 (blocks whose amax < 2^-122·6) bf16 subnormals scale into
// the grid and the caller takes the fp32 path.
inline constexpr int kBf16PairMinExponent = -124;

// Lane-wise max of two unsigned 16-bit pairs (one max.u16x2 on sm_90).
V4_FP4_HD uint32_t vmax_u16x2(uint32_t a, uint32_t b) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  uint32_t r;
  asm("max.u16x2 %0, %1, %2;" : "=r"(r) : "r"(a), "r"(b));
  return r;
#elif defined(__CUDA_ARCH__)
  return __vmaxu2(a, b);
#else
  const uint32_t lo = (a & 0xFFFFu) > (b & 0xFFFFu) ? (a & 0xFFFFu) : (b & 0xFFFFu);
  const uint32_t hi = (a >> 16) > (b >> 16) ? (a >> 16) : (b >> 16);
  return lo | (hi << 16);
#endif
}

#ifndef __CUDA_ARCH__
// Host model of one IEEE binary16 addition, round to nearest even, for finite non-negative
// operands whose sum is below 65520 (all the pair encoder needs): the exact sum in double, then
// one rounding to the f16 grid of its binade.
inline double f16_decode(uint32_t h) {
  const int ex = int((h >> 10) & 31);
  const double mant = double(h & 0x3FF);
  const double mag = ex == 0 ? std::ldexp(mant, -24) : std::ldexp(1024.0 + mant, ex - 25);
  return (h & 0x8000) ? -mag : mag;
}
inline uint32_t f16_encode_rn(double x) {  // 0 <= x < 65520
  if (x < 0x1p-14) return uint32_t(std::nearbyint(x * 0x1p24));  // subnormal grid 2^-24
  int ex = 0;
  std::frexp(x, &ex);                                    // x in [2^(ex-1), 2^ex)
  const double q = std::nearbyint(std::ldexp(x, 11 - ex));  // in [1024, 2048], ties to even
  return (uint32_t(ex - 1 + 15) << 10) + uint32_t(q) - 1024;  // q = 2048 carries into the exponent
}
#endif

// Lane-wise f16 addition, round to nearest even (add.rn.f16x2: never contracted into an FMA).
V4_FP4_HD uint32_t hadd2_rn(uint32_t a, uint32_t b) {
#ifdef __CUDA_ARCH__
  uint32_t r;
  asm("add.rn.f16x2 %0, %1, %2;" : "=r"(r) : "r"(a), "r"(b));
  return r;
#else
  const auto add = [](uint32_t x, uint32_t y) { return f16_encode_rn(f16_decode(x) + f16_decode(y)); };
  return add(a & 0xFFFFu, b & 0xFFFFu) | (add(a >> 16, b >> 16) << 16);
#endif
}

// Per-block constants of the pair encoder for scale 2^e, e >= kBf16PairMinExponent.
struct E2m1PairScale {
  uint32_t clamp;   // bits of 0.25·2^e in both halves
  uint32_t offset;  // f = 8·c + offset = f16 bits of c·2^-e (mod 2^32; each half exact)
};
V4_FP4_HD E2m1PairScale e2m1_pair_scale(int e) {
  const uint32_t quarter = uint32_t(e * 128 + 0x3E80) * 0x10001u;  // 0.25 = bf16 0x3E80
  return {quarter, 0x34003400u - 8u * quarter};                   // 0.25 = f16 0x3400
}

// The two codes of w's bf16 halves scaled by 2^-e, |x|·2^-e <= 6: nibble (code | sign << 3) in
// bits 0-3 and 16-19, 0x3 in bits 4-5 and 20-21, zero elsewhere.
V4_FP4_HD uint32_t e2m1_pair_from_bf16x2(uint32_t w, E2m1PairScale k) {
  const uint32_t c = vmax_u16x2(w & 0x7FFF7FFFu, k.clamp);
  const uint32_t f = c * 8u + k.offset;
  const uint32_t m = vmax_u16x2(f & 0x7C007C00u, 0x3C003C00u) + 0x24002400u;
  const uint32_t r = hadd2_rn(f, m);
  return (r - m + (m >> 9)) | ((w >> 12) & 0x00080008u);
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

// Eight codes from four pair words (e2m1_pair_from_bf16x2 of words 0..3, elements 2i and 2i+1
// in word i) into one word, code j in bits 4j..4j+3: bytes of x = (e0 e2 e1 e3), of y =
// (e4 e6 e5 e7); two PRMTs split the even and odd elements, the masks drop the 0x30 bits.
V4_FP4_HD uint32_t e2m1_pack8(uint32_t p0, uint32_t p1, uint32_t p2, uint32_t p3) {
  const uint32_t x = p0 + (p1 << 8);
  const uint32_t y = p2 + (p3 << 8);
  const uint32_t even = byte_perm(x, y, 0x5410u);
  const uint32_t odd = byte_perm(x, y, 0x7632u);
  return (even & 0x0F0F0F0Fu) | ((odd << 4) & 0xF0F0F0F0u);
}

// fp32 bits of max |x| over the 8 bf16 of w[0..3] (nonnegative finite floats order as their bits,
// so this is the float max of the magnitudes, the quantizers' amax).
V4_FP4_HD uint32_t bf16x8_amax_bits(const uint32_t w[4]) {
  const uint32_t m = vmax_u16x2(vmax_u16x2(w[0] & 0x7FFF7FFFu, w[1] & 0x7FFF7FFFu),
                                vmax_u16x2(w[2] & 0x7FFF7FFFu, w[3] & 0x7FFF7FFFu));
  const uint32_t lo = m << 16, hi = m & 0xFFFF0000u;
  return lo > hi ? lo : hi;
}

// The packed codes of 8 bf16 (element j = half j & 1 of w[j >> 1]) under scale 2^e, e in
// [-126, 126], every |x|·2^-e <= 6: the pair encoder, or for the tiny blocks below
// kBf16PairMinExponent the fp32 path (2^-e <= 2^126 is a normal float, the product is the
// reference's v·2^-e).
V4_FP4_HD uint32_t e2m1_codes8_from_bf16(const uint32_t w[4], int e) {
  if (e >= kBf16PairMinExponent) {
    const E2m1PairScale k = e2m1_pair_scale(e);
    return e2m1_pack8(e2m1_pair_from_bf16x2(w[0], k), e2m1_pair_from_bf16x2(w[1], k),
                      e2m1_pair_from_bf16x2(w[2], k), e2m1_pair_from_bf16x2(w[3], k));
  }
  const float inv = u2f(uint32_t(127 - e) << 23);
  uint32_t packed = 0;
  for (int j = 0; j < 8; ++j) {
    const float x = u2f((j & 1) ? (w[j >> 1] & 0xFFFF0000u) : (w[j >> 1] << 16));
    packed |= e2m1_code(x * inv) << (4 * j);
  }
  return packed;
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
