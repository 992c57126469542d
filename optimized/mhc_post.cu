#include "optimized/mhc_post.h"

#include <stdexcept>

#include "optimized/cuda_runtime.h"
#include "optimized/formats.cuh"
#include "optimized/mhc_common.cuh"
#include "optimized/launch_util.cuh"

namespace v4::optimized {
namespace {

constexpr int kThreads = 128;
constexpr int kItemsInFlight = 2;  // 16-byte output vectors per thread per step, loads first

// One item = one 16-byte vector of the 4 output streams: 80 B read (f, 4 residual streams), 64 B
// written, 40 exact bf16->f64 conversions and 32 f64->f32 roundings (XU pipe).
// Why two items per step (Nsight Compute, one item per step): ~136 registers allow 3 blocks
// (12 warps) per SM; with one item each, 12 · 32 · 80 B = 30 KB were in flight per SM against
// the ~33 KB that ~1 us of DRAM latency at 4.3 TB/s needs; warps waited on loads (long
// scoreboard the top stall, 2.8 active warps per scheduler), DRAM at 66 % of its peak. Two items
// double the bytes in flight at the same occupancy.
__device__ __forceinline__ void hc_post_load(uint4& fv, uint4 (&rv)[4], const uint4* __restrict__ f,
                                             const uint4* __restrict__ residual, int64_t item, int vectors) {
  const int64_t t = item / vectors;
  const int v = int(item % vectors);
  fv = __ldcs(f + t * vectors + v);
#pragma unroll
  for (int j = 0; j < 4; ++j) rv[j] = __ldcs(residual + (t * 4 + j) * vectors + v);
}

__device__ __forceinline__ void hc_post_store(uint4* __restrict__ out, const uint4& fv, const uint4 (&rv)[4],
                                              const float* __restrict__ post, const float* __restrict__ comb,
                                              int64_t item, int vectors) {
  const int64_t t = item / vectors;
  const int v = int(item % vectors);
  double pw[4], cw[4][4];  // post[k], comb[j][k]
#pragma unroll
  for (int k = 0; k < 4; ++k) pw[k] = double(__ldg(post + t * 4 + k));
#pragma unroll
  for (int j = 0; j < 4; ++j) {
#pragma unroll
    for (int k = 0; k < 4; ++k) cw[j][k] = double(__ldg(comb + t * 16 + j * 4 + k));
  }
  uint4 out_v[4];
  dev::hc_post_bf16x8(out_v, fv, rv, pw, cw);
#pragma unroll
  for (int k = 0; k < 4; ++k) __stcs(out + (t * 4 + k) * vectors + v, out_v[k]);
}

__global__ void __launch_bounds__(kThreads) hc_post_kernel(uint4* __restrict__ out, const uint4* __restrict__ f,
                                                          const uint4* __restrict__ residual,
                                                          const float* __restrict__ post,
                                                          const float* __restrict__ comb, int64_t items,
                                                          int vectors) {
  const int64_t stride = int64_t(gridDim.x) * kThreads;
  for (int64_t item = int64_t(blockIdx.x) * kThreads + threadIdx.x; item < items; item += kItemsInFlight * stride) {
    uint4 fv[kItemsInFlight], rv[kItemsInFlight][4];
#pragma unroll
    for (int i = 0; i < kItemsInFlight; ++i) {
      if (item + i * stride < items) hc_post_load(fv[i], rv[i], f, residual, item + i * stride, vectors);
    }
#pragma unroll
    for (int i = 0; i < kItemsInFlight; ++i) {
      if (item + i * stride < items) hc_post_store(out, fv[i], rv[i], post, comb, item + i * stride, vectors);
    }
  }
}

}  // namespace

void hc_post(bf16* out, const bf16* f, const bf16* residual, const float* post, const float* comb, int64_t tokens,
             int64_t dim, cudaStream_t stream) {
  if (tokens < 0 || dim <= 0) throw std::invalid_argument("hc_post: dim must be positive");
  if (dim % 8 != 0) throw std::invalid_argument("hc_post: the CUDA kernel needs dim % 8 == 0");
  const int64_t items = tokens * (dim / 8);
  if (items == 0) return;
  hc_post_kernel<<<dev::stride_grid(items, kThreads), kThreads, 0, stream>>>(
      reinterpret_cast<uint4*>(out), reinterpret_cast<const uint4*>(f), reinterpret_cast<const uint4*>(residual), post,
      comb, items, int(dim / 8));
  V4_CUDA_CHECK_LAUNCH();
}

}  // namespace v4::optimized
