// FP4 -> FP8 lossless re-blocking on the GPU (spec §3, D7); same contract as
// reference/fp4_to_fp8.h: every 128×128 block is checked first, nothing is written when any block
// violates the bound (unless lossy), and the report is identical to the reference's, field for
// field (violations in row-major block order, failing-element counts, inexact counts).
//
// Three launches, no host round trip between them:
//  1. check:   one block of 128 threads per 128×128 block; thread r reduces the 4 sub-scales of
//              row r, then the block reduces Emin/Emax (exact integer min/max). Failing elements
//              (non-zero codes with d < -8) are counted where the report needs them: in the
//              element-wise mode, and for blocks out of the ratio bound. Per-block stats go to
//              `block_stats`; a violation (or a NaN sub-scale) sets a bit of one device flag by atomicOr (an integer OR: the
//              result cannot depend on the order, so this is no order-dependent reduction).
//  2. convert: one block of 256 threads per 128×128 block, returns at once when the flag is set
//              and the mode is not lossy; W8 = e4m3(w4·2^(E-F)), F = max(Emax - 6, 0), looked
//              up 4 bytes at a time from an 8-entry byte table per sub-block (PRMT,
//              optimized/fp4_codec.cuh); napkin math beside the kernel.
//  3. the host reads block_stats back and builds the report.
// Napkin math: reads 0.5 + 1/32 B, writes 1 + 1/16384 B per weight; 24576 x 7168 (8 Pro experts'
// w1): 270 MB, floor 63 us at 4.30 TB/s.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>
#include <vector>

#include "reference/fp4_to_fp8.h"

namespace v4::optimized {

using reference::Fp4ToFp8Options;
using reference::Fp4ToFp8Report;
using reference::LosslessCheck;

inline constexpr int kFp4BlockStats = 5;  // emax, emin, failing, first NaN sub-scale index, inexact

// w8: [n, k] e4m3 · f: [n/128, k/128] ue8m0 · w4: [n, k/2] packed e2m1 · e: [n, k/32] ue8m0;
// n % 128 == 0, k % 128 == 0. Synchronizes `stream`. Throws std::invalid_argument for a NaN
// sub-scale (0xFF) like the reference.
Fp4ToFp8Report fp4_to_fp8(e4m3* w8, ue8m0* f, const e2m1x2* w4, const ue8m0* e, int64_t n, int64_t k,
                          Fp4ToFp8Options options, cudaStream_t stream);

// The device part alone (launches 1 and 2), for timing and for callers that keep the stats:
// block_stats: [n/128 · k/128, 5] int64 · flag: [1] int32 (set to 0 by this call).
void fp4_to_fp8_launch(e4m3* w8, ue8m0* f, int64_t* block_stats, int32_t* flag, const e2m1x2* w4, const ue8m0* e,
                       int64_t n, int64_t k, Fp4ToFp8Options options, cudaStream_t stream);
// The report from host copies of block_stats (in block row-major order); throws for a NaN sub-scale.
Fp4ToFp8Report fp4_to_fp8_report(const std::vector<int64_t>& block_stats, int64_t n, int64_t k,
                                 Fp4ToFp8Options options);

}  // namespace v4::optimized
