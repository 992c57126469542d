// RMSNorm on the GPU (spec §5): the weighted norm and the weightless per-head norm in bf16
// arithmetic, with reference/rms_norm.h's rounding points.
//
// rms_norm: one block of 128 threads per row, the row held in registers (one read). The sum of
//   squares is accumulated in double (bf16² is exact in double; the sum is exact whenever the
//   squares span fewer than ~37 binades, so it equals the reference's sequential double sum), in a
//   fixed order: each thread sequentially over its own vectors, a xor butterfly per warp, the 4
//   warps in order. rsqrt as the reference: fl32(1/sqrt(double(fl32(mean) + eps))), IEEE double
//   sqrt and division. Then y = bf16(w · (x · inv)) with two fp32 roundings, as the reference.
//   Tolerance: harness/ops/rms_norm_op.cpp (1 bf16 ulp), met bitwise whenever the sum is exact.
// rms_norm_head: one warp per head of 512 (or any head_dim % 8 == 0): the square rounded to bf16,
//   summed in double (exact for bf16 values spanning < 36 binades), mean, +eps, rsqrt and product
//   each rounded to bf16 as in [C].
// Napkin math: weighted 2 B read + 2 B written per element (+ w from L2); 16384 x 7168: 470 MB,
// floor 109 us at 4.30 TB/s. Per-head: 1024 x 128 heads x 512: 268 MB, floor 62 us.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

#include "reference/formats.h"

namespace v4::optimized {

// y: [rows, dim] bf16 · x: [rows, dim] bf16 · w: [dim] fp32; dim % 8 == 0 and dim <= 8192.
void rms_norm(bf16* y, const bf16* x, const float* w, int64_t rows, int64_t dim, float eps, cudaStream_t stream);

// y: [rows, heads, head_dim] bf16 (may alias x) · x: same shape; head_dim % 8 == 0, <= 1024.
void rms_norm_head(bf16* y, const bf16* x, int64_t rows, int64_t heads, int64_t head_dim, float eps,
                   cudaStream_t stream);

// NEGATIVE CONTROL, not for use: a weighted RMSNorm whose sum of squares is split into a number
// of partial sums that grows with the number of rows (1 up to 64 rows, 4 above), the partials
// accumulated and rounded in bf16 when there are several, and the mean taken over dim + 8 (an
// off-by-one tile count), the way a split-K kernel with a batch-dependent split count and low-precision
// partials goes wrong. The batch-invariance check must catch it.
void rms_norm_split_control(bf16* y, const bf16* x, const float* w, int64_t rows, int64_t dim, float eps,
                            cudaStream_t stream);
inline constexpr int64_t kSplitControlThreshold = 64;

}  // namespace v4::optimized
