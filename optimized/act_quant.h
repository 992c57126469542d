// act_quant on the GPU (spec §2.2): FP8 e4m3 per-token 1×128, ue8m0 power-of-two scales; bitwise
// equal to reference/act_quant.h. Same name and argument order plus the stream; device pointers.
//
// Kernel: 16 lanes per 128-element block, one 16-byte load of 8 bf16 per lane, the block max by a
// 4-step xor shuffle (max is exact, so its order is irrelevant), the §2.1 scale from its bits, 8
// codes by two cvt.rn.satfinite.e4m3x2 pairs... stored as 8 bytes per lane. Blocks are independent
// and laid out flat (cols % 128 == 0), so rows never interact: batch invariant by construction.
// Napkin math: 2 B read + 1 B + 1/128 B written per element (3.008 B). 16384 x 7168 (Pro hidden,
// 16K tokens): 353 MB, floor 82 us at 4.30 TB/s.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

#include "reference/formats.h"

namespace v4::optimized {

// q: [rows, cols] e4m3 · s: [rows, cols/128] ue8m0 · x: [rows, cols] bf16, cols % 128 == 0.
void act_quant(e4m3* q, ue8m0* s, const bf16* x, int64_t rows, int64_t cols, cudaStream_t stream);

// Rows at which the grid-stride schedule starts looping (same arithmetic on both sides).
int64_t act_quant_schedule_threshold(int64_t cols);

}  // namespace v4::optimized
