// Hadamard-128 on the GPU (spec §7): y = bf16(fl32(fl32(H·x) · fl32(128^-1/2))), as
// reference/hadamard.h.
//
// Numerics: the reference sums the 128 signed bf16 values in double in index order. Every
// partial sum of ±x_j (in any order) is a multiple of the smallest ulp among the row's values and
// below 2^8 times the largest, so it is exact in double whenever the row's bf16 exponents span at
// most 38 binades (53 − 8 significand bits − 7 for 128 terms); N(0, 1) rows span ~20. The kernel's
// fast Walsh-Hadamard transform in double is then exact too, and fl32(sum) is the reference's bit
// for bit; the rest (one fp32 product with the host-computed fp32 scale, one bf16 rounding) is the
// reference's own operation sequence, so the output is bitwise equal. An exact zero sum is +0 in
// the reference (it starts at +0); the butterflies can give −0, so +0.0 is added once at the end.
// Outside the 38-binade condition each of the 7 double additions on a path rounds by ≤ 2^-53
// relative to its operands: |Δsum| ≤ 7·2^-53·Σ|x|, which stays below the fp32 half-ulp of the
// sum unless |sum| < 2^-23·Σ|x| (cancellation); the registered budget (1 bf16 ulp) covers the
// rest of that case.
//
// Kernel: 16 lanes per row, 8 contiguous bf16 per lane (one 16-byte load). Element bits 0-2 are
// transformed in registers, bits 3-6 (the lane bits) by xor shuffles that exchange only half of
// the values: the pair of lanes splits the work so that each lane sends and receives 4 doubles
// per stage and the lane bit and register bit 2 swap roles (comment at the kernel). Rows are
// independent and the grid has one 16-lane group per row: batch invariant by construction, no
// dispatch threshold.
// Napkin math: 2 B read + 2 B written per element, 512 B per row. 524288 rows (8192 tokens x 64
// heads): 268 MB, floor 62 us at 4.30 TB/s. Per row 16 lanes x 32 32-bit shuffles = 16 warp
// shuffles (one per clock per SM: ~32 us for 524288 rows) and 896 DADD (28 warp instructions at 2
// per clock: ~28 us), both below the memory floor.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

#include "reference/formats.h"

namespace v4::optimized {

// y: [rows, n] bf16 (may alias x) · x: [rows, n] bf16; n == 128, 16-byte aligned.
void hadamard(bf16* y, const bf16* x, int64_t rows, int64_t n, cudaStream_t stream);

} // namespace v4::optimized
