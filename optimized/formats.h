// Device array forms of the spec §1 conversions (optimized/formats.cu), with the reference's names
// and argument order plus a trailing stream, and the exhaustive-check launchers used by
// tests/formats_cuda_test.cpp. All pointers are device pointers.
//
// Napkin math (streaming casts, n elements): bf16_encode reads 4 B and writes 2 B per element,
// e4m3_encode 4 + 1, e2m1_encode 4 + 0.5. At n = 2^26 (fp32 in: 268 MB) bf16_encode moves 403 MB:
// floor 94 us at 4.30 TB/s.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

#include "reference/formats.h"

namespace v4::optimized {

// y: [n] bf16 · x: [n] fp32.
void bf16_encode(bf16* y, const float* x, int64_t n, cudaStream_t stream);
// y: [n] fp32 · x: [n] bf16.
void bf16_decode(float* y, const bf16* x, int64_t n, cudaStream_t stream);
// y: [n] e4m3 · x: [n] fp32 (RNE, satfinite).
void e4m3_encode(e4m3* y, const float* x, int64_t n, cudaStream_t stream);
void e4m3_decode(float* y, const e4m3* x, int64_t n, cudaStream_t stream);
// y: [n/2] packed e2m1 · x: [n] fp32, n even (RNE, satfinite; element 2k in the low nibble).
void e2m1_encode(e2m1x2* y, const float* x, int64_t n, cudaStream_t stream);
// y: [n] fp32 · x: [n/2] packed e2m1 (n codes), n even.
void e2m1_decode(float* y, const e2m1x2* x, int64_t n, cudaStream_t stream);
// y: [n] ue8m0 · x: [n] fp32 exact powers of two in [2^-127, 2^127] (anything else: unspecified).
void ue8m0_encode(ue8m0* y, const float* x, int64_t n, cudaStream_t stream);
void ue8m0_decode(float* y, const ue8m0* x, int64_t n, cudaStream_t stream);

// ---- exhaustive checks (tests) -----------------------------------------------------------------
// For the fp32 inputs whose bit patterns are [first, first + count): the codes of this file's
// device encoders, one per input (e2m1 unpacked: one code per byte).
// bf16_codes: [count] u16 · e4m3_codes: [count] u8 · e2m1_codes: [count] u8.
void encode_bit_range(uint16_t* bf16_codes, uint8_t* e4m3_codes, uint8_t* e2m1_codes, uint32_t first,
                      uint32_t count, cudaStream_t stream);

struct IntrinsicMismatches {
  unsigned long long bf16 = 0, e4m3 = 0, e2m1 = 0, e2m1_nan_inputs = 0;
  uint32_t first_bf16 = 0xFFFFFFFFu, first_e4m3 = 0xFFFFFFFFu, first_e2m1 = 0xFFFFFFFFu;
};
// Compares the device encoders with CUDA's intrinsics (__float2bfloat16_rn,
// __nv_cvt_float_to_fp8(.., __NV_SATFINITE, __NV_E4M3), __nv_cvt_float_to_fp4(.., __NV_E2M1,
// cudaRoundNearest)) over the bit range; bf16 NaN outputs are compared by NaN-ness (spec §1.1).
// e2m1 NaN inputs are outside the contract (D6): counted apart, in e2m1_nan_inputs, when they
// differ. Synchronizes `stream`.
IntrinsicMismatches compare_with_intrinsics(uint32_t first, uint32_t count, cudaStream_t stream);

// Decoders over every code, through this file's decoders (ours) and through the intrinsics.
// ours/intrinsic: [65536] (bf16), [256] (e4m3), [16] (e2m1), [256] (ue8m0) fp32 each, in that order
// (65536 + 256 + 16 + 256 floats). ue8m0 intrinsic: __nv_cvt_e8m0_to_bf16raw.
inline constexpr int kDecodeTableSize = 65536 + 256 + 16 + 256;
void decode_tables(float* ours, float* intrinsic, cudaStream_t stream);
// ue8m0 encoder over the 255 powers of two 2^-127..2^127: ours and __nv_cvt_float_to_e8m0
// (satfinite, round toward zero: exact inputs make the rounding mode irrelevant). [255] u8 each.
void ue8m0_pow2_table(uint8_t* ours, uint8_t* intrinsic, cudaStream_t stream);

}  // namespace v4::optimized
