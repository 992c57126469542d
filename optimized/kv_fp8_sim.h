// FP8 KV simulation on the GPU (spec §2.3, D1): dims [0, 448) of every row go through e4m3 and
// back with one §2.1 scale per 64 dims, y = bf16(e4m3(x/s)·s); dims [448, dim) are copied bit for
// bit. Bitwise equal to reference/kv_fp8_sim.h; y may alias x (each element is read and written
// by the same thread).
//
// Kernel: one warp per row, 16-byte vectors (8 bf16); 8 consecutive lanes hold one 64-dim block
// and share its max by a 3-step xor shuffle. Rows are independent: batch invariant by construction.
// Napkin math: 2 B read + 2 B written per element. 131072 rows x 512 (KV entries of a 128K-token
// prefill): 268 MB, floor 62 us at 4.30 TB/s.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

#include "reference/formats.h"

namespace v4::optimized {

// y: [rows, dim] bf16 (may alias x) · x: [rows, dim] bf16, dim >= 448, dim % 8 == 0, 16-byte aligned.
void kv_fp8_sim(bf16* y, const bf16* x, int64_t rows, int64_t dim, cudaStream_t stream);

}  // namespace v4::optimized
