#include "optimized/mhc_post.h"

#include <stdexcept>

#include "optimized/cuda_runtime.h"
#include "optimized/formats.cuh"
#include "optimized/mhc_common.cuh"
#include "optimized/launch_util.cuh"

namespace v4::optimized {
namespace {

constexpr int kThreads = 128;  // 138 registers: 3 blocks (12 warps) per SM

__global__ void __launch_bounds__(kThreads) hc_post_kernel(uint4* __restrict__ out, const uint4* __restrict__ f,
                                                          const uint4* __restrict__ residual,
                                                          const float* __restrict__ post,
                                                          const float* __restrict__ comb, int64_t items,
                                                          int vectors) {
  for (int64_t item = int64_t(blockIdx.x) * kThreads + threadIdx.x; item < items;
       item += int64_t(gridDim.x) * kThreads) {
    const int64_t t = item / vectors;
    const int v = int(item % vectors);
    const uint4 fv = __ldcs(f + t * vectors + v);
    uint4 rv[4];
#pragma unroll
    for (int j = 0; j < 4; ++j) rv[j] = __ldcs(residual + (t * 4 + j) * vectors + v);
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
