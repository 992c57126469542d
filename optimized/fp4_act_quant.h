// fp4_act_quant on the GPU (spec §2.4): FP4 e2m1 per-token 1×32 with ue8m0 scales, and the
// in-place simulation y = bf16(e2m1(x/s)·s). Bitwise equal to reference/fp4_act_quant.h.
//
// Kernel: 4 lanes per 32-element block, one 16-byte load of 8 bf16 per lane, the block max by a
// 2-step xor shuffle, 8 codes packed into 4 bytes per lane (element 2k in the low nibble).
// Blocks are independent and flat (cols % 32 == 0): batch invariant by construction.
// Napkin math: quantize reads 2 B and writes 0.5 + 1/32 B per element (2.53 B); the simulation
// reads 2 and writes 2. 16384 x 7168: quantize 297 MB (floor 69 us), simulation 470 MB (109 us).
// Issue budget at 4.30 TB/s: 16.5 B/clk/SM (132 SMs, 1.98 GHz) against 128 thread-instructions
// per clock: 7.8 instructions per byte, 19.7 per element quantized, 31 per element simulated.
// The decision-table encoder (~20 per code) plus scaling, clamp, sign and packing was ~28 per
// element: issue-bound at 46 % (quantize) and 52 % (simulation). The branch-free rounding of
// optimized/fp4_codec.cuh costs 8 per code; per element now ~15 to quantize (unpack, |.|max,
// FMUL, clamp, 8, sign, pack) and ~14 to simulate (no code: the rounded value, sign, FMUL by
// 2^e, half a bf16x2 pack; the decode of ~7 is gone). Expected: quantize ~75 % of the issue
// budget, near the byte floor at full IPC (~80-90 us, 75-85 %); simulation ~45 % of it,
// byte-bound (~120-125 us, ~88 %). 8 blocks of 256 threads per SM (31 registers, no spills),
// 32 B loaded per thread: 64 KB in flight per SM.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

#include "reference/formats.h"

namespace v4::optimized {

// q: [rows, cols/2] packed e2m1 · s: [rows, cols/32] ue8m0 · x: [rows, cols] bf16, cols % 32 == 0.
void fp4_act_quant(e2m1x2* q, ue8m0* s, const bf16* x, int64_t rows, int64_t cols, cudaStream_t stream);

// y: [rows, cols] bf16 (may alias x) · x: [rows, cols] bf16, cols % 32 == 0.
void fp4_act_quant_sim(bf16* y, const bf16* x, int64_t rows, int64_t cols, cudaStream_t stream);

// Rows at which the grid-stride schedule starts looping (same arithmetic on both sides).
int64_t fp4_act_quant_schedule_threshold(int64_t cols);

}  // namespace v4::optimized
