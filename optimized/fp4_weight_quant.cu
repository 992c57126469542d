#include "optimized/fp4_weight_quant.h"

#include <stdexcept>

#include "optimized/cuda_runtime.h"
#include "optimized/formats.cuh"
#include "optimized/fp4_codec.cuh"
#include "optimized/launch_util.cuh"

namespace v4::optimized {
namespace {

constexpr int kThreads = 256;
constexpr int kUnroll = 2;

// One 16-byte vector (4 fp32) per lane and unrolled step; vector v is in block v / 8.
__global__ void __launch_bounds__(kThreads) fp4_weight_kernel(uint16_t* __restrict__ q, uint8_t* __restrict__ s,
                                                             const float4* __restrict__ w, int64_t vectors) {
  const int64_t stride = int64_t(gridDim.x) * kThreads * kUnroll;
  for (int64_t base = int64_t(blockIdx.x) * kThreads * kUnroll + threadIdx.x; base - (threadIdx.x & 31) < vectors;
       base += stride) {
    float4 in[kUnroll];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
      const int64_t v = base + u * kThreads;
      in[u] = v < vectors ? __ldcs(w + v) : make_float4(0, 0, 0, 0);
    }
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
      const int64_t v = base + u * kThreads;
      const float f[4] = {in[u].x, in[u].y, in[u].z, in[u].w};
      float amax = fmaxf(fmaxf(fabsf(f[0]), fabsf(f[1])), fmaxf(fabsf(f[2]), fabsf(f[3])));
      amax = dev::group_max<8>(amax);
      const int e = dev::pow2_scale_exponent(amax, dev::kE2m1RecipQ, dev::kE2m1Floor);
      const float inv = dev::exp2_normal(-e);
      uint32_t packed = 0;
#pragma unroll
      for (int j = 0; j < 4; ++j) {  // clamp to ±6 as the reference, sign from bit 31 of x
        const float x = __fmul_rn(f[j], inv);
        packed |= (fp4::e2m1_code_abs(fminf(fabsf(x), 6.0f)) | ((__float_as_uint(x) >> 28) & 8u)) << (4 * j);
      }
      if (v >= vectors) continue;
      __stcs(q + v, uint16_t(packed));
      if ((threadIdx.x & 7) == 0) s[v >> 3] = uint8_t(e + 127);
    }
  }
}

}  // namespace

void fp4_weight_quant(e2m1x2* w4, ue8m0* s, const float* w, int64_t n, int64_t k, cudaStream_t stream) {
  if (n < 0 || k <= 0 || k % 32 != 0) throw std::invalid_argument("fp4_weight_quant: k must be a positive multiple of 32");
  const int64_t vectors = n * k / 4;
  if (vectors == 0) return;
  fp4_weight_kernel<<<dev::stride_grid(vectors, kThreads * kUnroll), kThreads, 0, stream>>>(
      reinterpret_cast<uint16_t*>(w4), reinterpret_cast<uint8_t*>(s), reinterpret_cast<const float4*>(w), vectors);
  V4_CUDA_CHECK_LAUNCH();
}

}  // namespace v4::optimized
