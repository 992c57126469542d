// Small launch helpers shared by the kernels of optimized/ (device code: include from .cu files).
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace v4::optimized::dev {

// Grid for a grid-stride loop over `items` with `per_block` items per block and iteration: enough
// blocks to fill the GPU several times, never more than the work. The schedule (how many
// iterations a block makes) changes with the size; the arithmetic per item never does.
inline unsigned stride_grid(int64_t items, int per_block, int64_t cap_blocks = 132 * 32) {
  int64_t blocks = (items + per_block - 1) / per_block;
  if (blocks > cap_blocks) blocks = cap_blocks;
  return unsigned(blocks < 1 ? 1 : blocks);
}

__device__ __forceinline__ uint4 load_nc(const void* p) { return __ldg(static_cast<const uint4*>(p)); }
// Streaming load: read once, do not keep in L1.
__device__ __forceinline__ uint4 load_stream(const void* p) { return __ldcs(static_cast<const uint4*>(p)); }

}  // namespace v4::optimized::dev
