// Device encoders and decoders of spec §1, shared by every kernel of optimized/ (device code only:
// include from .cu files). Each one is bitwise equal to CUDA's own conversion intrinsic and to the
// reference (reference/formats.h) over its whole domain; tests/formats_cuda_test.cpp checks that
// exhaustively (all 2^32 fp32 inputs for the encoders, every code for the decoders).
//   bf16:  cvt.rn.bf16.f32 (__float2bfloat16_rn)              NaN payload differs (spec §1.1)
//   e4m3:  cvt.rn.satfinite.e4m3x2.f32 (__nv_cvt_float2_to_fp8x2, __NV_SATFINITE)
//   e2m1:  RNE + satfinite by the spec §1.3 decision table; sm_90 has no e2m1 cvt instruction and
//          the cuda_fp4.h fallback goes through double, so this 7-compare form is what kernels use
//   ue8m0: exponent field of an exact power of two (spec §1.4: only powers of two are encoded)
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp8.h>

#include <cstdint>

namespace v4::optimized::dev {

__device__ __forceinline__ float bf16_to_float(uint16_t bits) { return __uint_as_float(uint32_t(bits) << 16); }
// The two bf16 halves of a 32-bit word: element 2i in the low half (little-endian memory order).
__device__ __forceinline__ float bf16_lo(uint32_t w) { return __uint_as_float(w << 16); }
__device__ __forceinline__ float bf16_hi(uint32_t w) { return __uint_as_float(w & 0xFFFF0000u); }
// The 8 bf16 values of one 16-byte vector as floats (exact), and the largest magnitude among them.
__device__ __forceinline__ float unpack_bf16x8_amax(const uint4& in, float f[8]) {
  const uint32_t w[4] = {in.x, in.y, in.z, in.w};
  float amax = 0.0f;
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    f[2 * i] = bf16_lo(w[i]);
    f[2 * i + 1] = bf16_hi(w[i]);
    amax = fmaxf(amax, fmaxf(fabsf(f[2 * i]), fabsf(f[2 * i + 1])));
  }
  return amax;
}

__device__ __forceinline__ uint16_t float_to_bf16(float x) { return __bfloat16_as_ushort(__float2bfloat16_rn(x)); }
// One cvt.rn.bf16x2.f32 (F2FP.PACK_AB): round-to-nearest-even of each half, as float_to_bf16,
// at half the conversions (single F2F roundings run on the narrow XU pipe).
__device__ __forceinline__ uint32_t pack_bf16x2(float lo, float hi) {
  const __nv_bfloat162 p = __floats2bfloat162_rn(lo, hi);
  return *reinterpret_cast<const uint32_t*>(&p);
}

__device__ __forceinline__ uint8_t e4m3_encode(float x) {
  return uint8_t(__nv_cvt_float_to_fp8(x, __NV_SATFINITE, __NV_E4M3));
}
// Two codes in one instruction; `lo` lands in the low byte.
__device__ __forceinline__ uint16_t e4m3x2_encode(float lo, float hi) {
  return uint16_t(__nv_cvt_float2_to_fp8x2(make_float2(lo, hi), __NV_SATFINITE, __NV_E4M3));
}
__device__ __forceinline__ float e4m3_decode(uint8_t code) {
  const __half_raw h = __nv_cvt_fp8_to_halfraw(__nv_fp8_storage_t(code), __NV_E4M3);
  return __half2float(__half(h));  // every e4m3 value (and NaN) is exact in half and in fp32
}

// RNE with ties to the even code, satfinite; NaN encodes as ±6 like the reference (spec D6).
__device__ __forceinline__ uint8_t e2m1_encode(float x) {
  const float a = fabsf(x);
  uint32_t code = uint32_t(a > 0.25f) + uint32_t(a >= 0.75f) + uint32_t(a > 1.25f) + uint32_t(a >= 1.75f) +
                  uint32_t(a > 2.5f) + uint32_t(a >= 3.5f) + uint32_t(a > 5.0f);
  if (a != a) code = 7;
  return uint8_t(code | ((__float_as_uint(x) >> 28) & 0x8u));
}
__device__ __forceinline__ float e2m1_decode(uint32_t code) {
  // magnitudes {0, .5, 1, 1.5, 2, 3, 4, 6}: 0.5·(m + something) built from the exponent/mantissa
  const uint32_t e = (code >> 1) & 3u, m = code & 1u;
  const float mag = e == 0 ? 0.5f * float(m) : __uint_as_float((e + 126u) << 23) * (1.0f + 0.5f * float(m));
  return (code & 8u) ? -mag : mag;
}

// ue8m0 of an exact power of two 2^e, e in [-127, 127] (2^-127 is the fp32 subnormal 0x00400000).
__device__ __forceinline__ uint8_t ue8m0_encode_pow2(float p) {
  const uint32_t bits = __float_as_uint(p);
  return (bits >> 23) != 0 ? uint8_t(bits >> 23) : uint8_t(0);
}
// 0xFF is NaN; 0x00 is 2^-127 (project decision, spec §1.4).
__device__ __forceinline__ float ue8m0_decode(uint8_t code) {
  if (code == 0xFF) return __uint_as_float(0x7FC00000u);
  return code == 0 ? __uint_as_float(0x00400000u) : __uint_as_float(uint32_t(code) << 23);
}

// 2^e as fp32 bits for e in [-126, 127].
__device__ __forceinline__ float exp2_normal(int e) { return __uint_as_float(uint32_t(e + 127) << 23); }

// The §2.1 scale rule: e = ceil(log2(fl32(max(amax, floor) · fl32(1/Q)))) read off the bits.
// `recip_q` must be the fp32 constant 1.0f / Q, exactly as the reference computes it.
__device__ __forceinline__ int pow2_scale_exponent(float amax, float recip_q, float floor) {
  const float t = __fmul_rn(fmaxf(amax, floor), recip_q);
  const uint32_t bits = __float_as_uint(t);
  return int((bits >> 23) & 0xFF) - 127 + ((bits & 0x7FFFFF) != 0 ? 1 : 0);
}

inline constexpr float kE4m3RecipQ = 1.0f / 448.0f;
inline constexpr float kE4m3Floor = 1e-4f;
inline constexpr float kE2m1RecipQ = 1.0f / 6.0f;
inline constexpr float kE2m1Floor = 6.0f * 1.17549435e-38f;

// Max over a group of `width` consecutive lanes (width a power of two <= 32); all lanes get it.
template <int width>
__device__ __forceinline__ float group_max(float v) {
#pragma unroll
  for (int o = 1; o < width; o <<= 1) v = fmaxf(v, __shfl_xor_sync(0xFFFFFFFFu, v, o));
  return v;
}

}  // namespace v4::optimized::dev
