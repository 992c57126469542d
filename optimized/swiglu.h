// The clamped SwiGLU on the GPU (spec §16, §17, D2), as reference/swiglu.h swiglu_clamp_bf16:
//   h = bf16(fl32(w_route · fl32(fl32(silu(min(g, L))) · clamp(u, ±L))))   g, u bf16, L = 10
// with silu(g) = g/(1 + e^−g) in double, rounded once to fp32.
//
// Numerics: the clamps are the reference's comparisons (std::clamp, std::min), the fp32 products
// are single IEEE roundings (__fmul_rn), the double division and addition are IEEE; only exp
// differs: CUDA's double exp is within 1 ulp, the reference's (glibc) within 1 ulp, so the double
// quotients are within ~3 double ulps and round to the same fp32 silu unless the exact value lies
// within ~3·2^-53 relative of an fp32 rounding point (~2^-27 of the inputs). Then the two silu
// values are adjacent fp32 numbers, the products differ by at most 2^-22 relative after their
// roundings, which is below a bf16 spacing (>= 2^-8 relative): at most one bf16 rounding point
// lies between the two values, so h is within 1 bf16 ulp (the registered budget), and bitwise
// everywhere else.
//
// Kernels. Both paths compute every silu with the one double expression of swiglu.cu, so they
// are bitwise equal to each other by construction and the choice between them (by rows, below)
// cannot break batch invariance; each is elementwise.
// - Direct (rows < swiglu_table_threshold(inter): decode and other small launches): one thread
//   per 8 elements (16-byte loads of g and u, one 16-byte store), silu in double per element.
//   ~40 FP64 instructions per element: 50.3 M x 40 / (132 SM x 64 / clk x 1.98 GHz = 16.7 T/s)
//   = 120 us for Pro 16384 x 3072, FP64-bound at ~1.7x the memory floor (measured 155 us).
// - Table: after the clamp, silu's fp32 value depends only on the gate's bf16 code or on the
//   limit. A table of fl32(silu) for the 33792 codes with |g| < 32 (optimized/swiglu_table.cuh)
//   is computed ON THE DEVICE by that same expression, once per device (module variable,
//   published by a release flag; a block that does not see the flag computes directly). A
//   persistent grid (one 1024-thread block per SM, 132 KiB of dynamic shared memory) copies it
//   to shared memory with cp.async and streams 16-byte vectors of g and u (__ldcs / __stcs, two
//   vectors per thread and step); silu is a shared-memory gather, silu(limit) once per thread,
//   and the double expression only for codes outside the table (|g| >= 32 unclamped, ±Inf, NaN).
// Napkin math (table path), 6 B per element (+4 B per row for the routing weight):
//   Pro routed 16384 x 3072: 302 MB, floor 70.2 us at 4.30 TB/s, 85 % = 82.6 us; shared
//   14336 x 3072: 264 MB, 61.4 us, 85 % = 72.3 us. 85 % needs 4.30e12 x 0.85 / 6 B / 132 SM /
//   1.98 GHz = 2.3 elements per clock per SM.
//   Gathers: one LDS.32 per element; 32 random codes over 32 banks cost ~3.5 wavefronts (the
//   expected fullest bank; equal codes broadcast), i.e. ~9 elements per clock per SM against 2.3
//   needed: 4x headroom (the worst case, all 32 lanes on one bank in different words, costs 1
//   element per clock: 2.3x slower, still no slower than the direct path).
//   Table copy per launch: 132 blocks x 132 KiB = 17.8 MB from L2, ~2-3 us at L2 rates
//   (6-9 TB/s), partly hidden: each thread's first two vectors (64 KiB per SM) are in flight
//   meanwhile. Latency: 1024 threads x 4 x 16 B = 64 KiB in flight per SM, 8.6 MB in all, over
//   twice the ~3.4 MB that 4.30 TB/s x ~800 ns needs at 50 % occupancy (32 warps per SM).
//   Threshold 2^21 elements (683 rows of 3072): the copy costs ~2-3 us and the table path saves
//   1/324 G - 1/610 G = 1.45 ps per element over the direct one (324 G elements/s measured):
//   break-even near 1.7 M elements.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

#include "reference/formats.h"

namespace v4::optimized {

// Elements at and above which a launch takes the table path (see above).
inline constexpr int64_t kSwigluTableMinElements = int64_t(1) << 21;
// The smallest row count that takes the table path for `inter` (the dispatch threshold).
int64_t swiglu_table_threshold(int64_t inter);

// h: [rows, inter] bf16 · g, u: [rows, inter] bf16 · route_weight: [rows] fp32 or nullptr;
// inter % 8 == 0, 16-byte aligned; limit <= 0 disables the clamp.
void swiglu_clamp_bf16(bf16* h, const bf16* g, const bf16* u, const float* route_weight,
                       int64_t rows, int64_t inter, float limit, cudaStream_t stream);

// For tests: whether the current device's silu table is published (built by the first
// table-path launch), and when it is, its kSiluTableSize fp32 values (optimized/swiglu_table.cuh
// slot order) in `table`. Synchronizes the device.
bool swiglu_table_download(float* table);

} // namespace v4::optimized
