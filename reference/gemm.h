// Block-scaled GEMMs (spec §4): C[m, n] = A[m, k] · B[n, k]ᵀ with A an act_quant output.
//
//   fp8_gemm (§4.1): for kb ascending over 128-deep blocks
//       P   = Σ_{k in kb} A[m,k]·B[n,k]                     exact in fp64, then rounded once to
//       fp32 acc = fl32(acc + fl32(P · fl32(sA[m,kb]·sB[⌊n/128⌋,kb])))
//   fp4_gemm (§4.2): for k32 ascending over 32-deep blocks
//       P   = Σ_{k in k32} A[m,k]·e4m3(B[n,k])              exact in fp64, then rounded once to
//       fp32 acc = fl32(acc + fl32(fl32(P · sA[m,⌊k32/4⌋]) · sB[n,k32]))
//   C = bf16(acc), acc starting at +0.
// The per-block promotion into a separate fp32 accumulator is part of the semantics. Every P is
// exact in fp64: a 128-term e4m3·e4m3 sum spans 2^-18 .. 2^25 (43 bits), a 32-term e4m3·e2m1
// sum 2^-10 .. 2^17; both fit in 53 bits.
#pragma once

#include <cstdint>

#include "reference/formats.h"

namespace v4::reference {

inline constexpr int64_t kGemmBlockK = 128; // act_quant block and FP8 weight block
inline constexpr int64_t kGemmBlockN = 128; // FP8 weight block along N
inline constexpr int64_t kFp4GemmBlockK = 32;

// acc: [m, n] fp32 (the accumulator before the bf16 cast) · a: [m, k] e4m3 · sa: [m, k/128] ·
// b: [n, k] e4m3 · sb: [⌈n/128⌉, k/128] ue8m0; k % 128 == 0.
void fp8_gemm_acc(float* acc, const e4m3* a, const ue8m0* sa, const e4m3* b, const ue8m0* sb,
                  int64_t m, int64_t n, int64_t k);
// c: [m, n] bf16 = bf16(fp8_gemm_acc).
void fp8_gemm(bf16* c, const e4m3* a, const ue8m0* sa, const e4m3* b, const ue8m0* sb, int64_t m,
              int64_t n, int64_t k);

// acc: [m, n] fp32 · a: [m, k] e4m3 · sa: [m, k/128] · b: [n, k/2] packed e2m1 ·
// sb: [n, k/32] ue8m0; k % 128 == 0.
void fp4_gemm_acc(float* acc, const e4m3* a, const ue8m0* sa, const e2m1x2* b, const ue8m0* sb,
                  int64_t m, int64_t n, int64_t k);
void fp4_gemm(bf16* c, const e4m3* a, const ue8m0* sa, const e2m1x2* b, const ue8m0* sb, int64_t m,
              int64_t n, int64_t k);

// FP8 weight quantization, 128×128 blocks with the §2.1 scale rule (Q = 448, floor 1e-4) over
// each block's amax: w8: [n, k] e4m3 · s: [⌈n/128⌉, k/128] ue8m0 · w: [n, k] fp32 (finite);
// k % 128 == 0 (a partial last block along N uses its rows only).
void fp8_weight_quant(e4m3* w8, ue8m0* s, const float* w, int64_t n, int64_t k);

} // namespace v4::reference
