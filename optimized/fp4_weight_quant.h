// FP4 weight quantization on the GPU (spec §1.6, project rule of reference/fp4_weight_quant.h):
// fp32 master weights to e2m1 with one ue8m0 scale per 1×32 block along K. Bitwise equal to the
// reference for finite weights (non-finite weights are outside the contract, spec D6: the
// reference throws; this kernel does not check).
//
// Kernel: 8 lanes per 32-value block (16-byte loads of 4 fp32), the block max by a 3-step xor
// shuffle, 4 codes (2 bytes) per lane. Napkin math: 4 B read + 0.5 + 1/32 B written per weight:
// a 384-expert x 3072 x 7168 w1 stack (8.5 G weights) is 38 GB, floor 8.8 ms; 24576 x 7168 (176 M
// weights): 798 MB, floor 186 us. Issue budget: 7.8 instructions per byte, 35 per weight; the
// decision-table encoder made it ~30 per weight (69 % measured, issue-bound); the branch-free
// rounding (optimized/fp4_codec.cuh, 8 per code) brings it to ~15: byte-bound, expected ~88 %.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

#include "reference/formats.h"

namespace v4::optimized {

// w4: [n, k/2] packed e2m1 · s: [n, k/32] ue8m0 · w: [n, k] fp32, k % 32 == 0.
void fp4_weight_quant(e2m1x2* w4, ue8m0* s, const float* w, int64_t n, int64_t k, cudaStream_t stream);

}  // namespace v4::optimized
