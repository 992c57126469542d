// fp4_act_quant on the GPU (spec §2.4): FP4 e2m1 per-token 1×32 with ue8m0 scales, and the
// in-place simulation y = bf16(e2m1(x/s)·s). Bitwise equal to reference/fp4_act_quant.h.
//
// Kernel: 4 lanes per 32-element block, one 16-byte load of 8 bf16 per lane, the block max by a
// 2-step xor shuffle, 8 codes packed into 4 bytes per lane (element 2k in the low nibble).
// Blocks are independent and flat (cols % 32 == 0): batch invariant by construction.
// Napkin math: quantize reads 2 B and writes 0.5 + 1/32 B per element (2.53 B); the simulation
// reads 2 and writes 2. 16384 x 7168: quantize 297 MB (floor 69 us), simulation 470 MB (109 us).
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
