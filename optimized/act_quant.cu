#include "optimized/act_quant.h"

#include <stdexcept>

#include "optimized/cuda_runtime.h"
#include "optimized/formats.cuh"
#include "optimized/launch_util.cuh"

namespace v4::optimized {
namespace {

constexpr int kThreads = 256;
constexpr int kUnroll = 2;  // vectors in flight per thread

// vectors: 8 bf16 each; vector v belongs to block v / 16. The loop bound is uniform per warp so
// every lane takes part in the shuffles; lanes past the end work on zeros and store nothing.
__global__ void __launch_bounds__(kThreads) act_quant_kernel(uint2* __restrict__ q, uint8_t* __restrict__ s,
                                                            const uint4* __restrict__ x, int64_t vectors) {
  const int64_t stride = int64_t(gridDim.x) * kThreads * kUnroll;
  for (int64_t base = (int64_t(blockIdx.x) * kThreads * kUnroll) + threadIdx.x; base - (threadIdx.x & 31) < vectors;
       base += stride) {
    uint4 in[kUnroll];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
      const int64_t v = base + u * kThreads;
      in[u] = v < vectors ? dev::load_stream(x + v) : make_uint4(0, 0, 0, 0);
    }
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
      const int64_t v = base + u * kThreads;
      float f[8];
      float amax = dev::unpack_bf16x8_amax(in[u], f);
      amax = dev::group_max<16>(amax);
      const int e = dev::pow2_scale_exponent(amax, dev::kE4m3RecipQ, dev::kE4m3Floor);
      const float inv = dev::exp2_normal(-e);  // x / s is exact: a power-of-two scaling
      uint32_t packed[2];
#pragma unroll
      for (int i = 0; i < 2; ++i) {
        float y[4];
#pragma unroll
        for (int j = 0; j < 4; ++j) y[j] = fminf(fmaxf(__fmul_rn(f[4 * i + j], inv), -448.0f), 448.0f);
        packed[i] = uint32_t(dev::e4m3x2_encode(y[0], y[1])) | (uint32_t(dev::e4m3x2_encode(y[2], y[3])) << 16);
      }
      if (v < vectors) {
        __stcs(q + v, make_uint2(packed[0], packed[1]));
        if ((threadIdx.x & 15) == 0) s[v >> 4] = uint8_t(e + 127);
      }
    }
  }
}

}  // namespace

int64_t act_quant_schedule_threshold(int64_t cols) {
  const int64_t vectors_per_row = cols / 8;
  const int64_t per_pass = int64_t(132 * 32) * kThreads * kUnroll;
  return vectors_per_row > 0 ? per_pass / vectors_per_row : 0;
}

void act_quant(e4m3* q, ue8m0* s, const bf16* x, int64_t rows, int64_t cols, cudaStream_t stream) {
  if (rows < 0 || cols <= 0 || cols % 128 != 0) throw std::invalid_argument("act_quant: cols must be a positive multiple of 128");
  const int64_t vectors = rows * cols / 8;
  if (vectors == 0) return;
  act_quant_kernel<<<dev::stride_grid(vectors, kThreads * kUnroll), kThreads, 0, stream>>>(
      reinterpret_cast<uint2*>(q), reinterpret_cast<uint8_t*>(s), reinterpret_cast<const uint4*>(x), vectors);
  V4_CUDA_CHECK_LAUNCH();
}

}  // namespace v4::optimized
