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
// Kernel: one thread per 8 elements (16-byte loads of g and u, one 16-byte store), one launch
// over the flat array; elementwise: batch invariant by construction, no dispatch threshold.
// Napkin math: 2 + 2 B read, 2 B written per element (+ 4 B per row for the routing weight).
// Pro 16384 x 3072: 302 MB, floor 70 us at 4.30 TB/s. The double exp and division cost ~40 FP64
// instructions per element: 50.3 M x 40 / (132 SM x 64 / clk x 1.98 GHz = 16.7 T/s) = 120 us, so
// the kernel is FP64-bound at ~1.7x the memory floor (the price of the reference's double silu).
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

#include "reference/formats.h"

namespace v4::optimized {

// h: [rows, inter] bf16 · g, u: [rows, inter] bf16 · route_weight: [rows] fp32 or nullptr;
// inter % 8 == 0, 16-byte aligned; limit <= 0 disables the clamp.
void swiglu_clamp_bf16(bf16* h, const bf16* g, const bf16* u, const float* route_weight,
                       int64_t rows, int64_t inter, float limit, cudaStream_t stream);

} // namespace v4::optimized
