// mHC hc_head on the GPU (spec §14): the 4 pre-weights of the final reduction (no Sinkhorn, no
// post) and h = bf16(Σ_j pre_j X_j); the kernels of optimized/mhc_pre.cu with 4 mixes.
// Napkin math: read X 8d + write h 2d per token; Pro T=8192: 587 MB, floor 137 us.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

#include "reference/formats.h"

namespace v4::optimized {

// y: [tokens, dim] bf16 · x: [tokens, 4, dim] bf16 · fn: [4, 4·dim] · base: [4] · scale: [1] fp32;
// dim % 256 == 0, dim <= 16384.
void hc_head(bf16* y, const bf16* x, const float* fn, const float* base, const float* scale, int64_t tokens,
             int64_t dim, float hc_eps, float norm_eps, cudaStream_t stream);

}  // namespace v4::optimized
