#include "optimized/swiglu.h"

#include <stdexcept>

#include "optimized/cuda_runtime.h"
#include "optimized/formats.cuh"

namespace v4::optimized {
namespace {

constexpr int kThreads = 256;

// reference::swiglu_clamp for one element, with its operations and comparisons in its order.
__device__ __forceinline__ float swiglu_one(float gate, float up, float limit) {
  if (limit > 0.0f) {
    up = up < -limit ? -limit : (limit < up ? limit : up); // std::clamp(up, -limit, limit)
    gate = limit < gate ? limit : gate;                    // std::min(gate, limit)
  }
  const double g = gate;
  const float silu = __double2float_rn(__ddiv_rn(g, __dadd_rn(1.0, exp(-g))));
  return __fmul_rn(silu, up);
}

__global__ void __launch_bounds__(kThreads)
    swiglu_kernel(uint4* __restrict__ h, const uint4* __restrict__ g, const uint4* __restrict__ u,
                  const float* __restrict__ route_weight, int64_t vectors, int64_t row_vectors,
                  float limit) {
  const int64_t v = int64_t(blockIdx.x) * kThreads + threadIdx.x;
  if (v >= vectors)
    return;
  const uint4 gv = __ldcs(g + v), uv = __ldcs(u + v);
  const float w = route_weight ? route_weight[v / row_vectors] : 0.0f;
  const uint32_t gw[4] = {gv.x, gv.y, gv.z, gv.w}, uw[4] = {uv.x, uv.y, uv.z, uv.w};
  uint32_t out[4];
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    float lo = swiglu_one(dev::bf16_lo(gw[i]), dev::bf16_lo(uw[i]), limit);
    float hi = swiglu_one(dev::bf16_hi(gw[i]), dev::bf16_hi(uw[i]), limit);
    if (route_weight) {
      lo = __fmul_rn(w, lo);
      hi = __fmul_rn(w, hi);
    }
    out[i] = dev::pack_bf16x2(lo, hi);
  }
  __stcs(h + v, make_uint4(out[0], out[1], out[2], out[3]));
}

} // namespace

void swiglu_clamp_bf16(bf16* h, const bf16* g, const bf16* u, const float* route_weight,
                       int64_t rows, int64_t inter, float limit, cudaStream_t stream) {
  if (rows < 0 || inter <= 0)
    throw std::invalid_argument("swiglu_clamp_bf16: inter must be positive");
  if (inter % 8 != 0)
    throw std::invalid_argument("swiglu_clamp_bf16: the CUDA kernel needs inter % 8 == 0");
  if ((reinterpret_cast<uintptr_t>(h) | reinterpret_cast<uintptr_t>(g) |
       reinterpret_cast<uintptr_t>(u)) %
          16 !=
      0) {
    throw std::invalid_argument("swiglu_clamp_bf16: h, g and u must be 16-byte aligned");
  }
  const int64_t vectors = rows * inter / 8;
  if (vectors == 0)
    return;
  const int64_t blocks = (vectors + kThreads - 1) / kThreads;
  if (blocks > 0x7FFFFFFF)
    throw std::invalid_argument("swiglu_clamp_bf16: too many elements for one launch");
  swiglu_kernel<<<unsigned(blocks), kThreads, 0, stream>>>(
      reinterpret_cast<uint4*>(h), reinterpret_cast<const uint4*>(g),
      reinterpret_cast<const uint4*>(u), route_weight, vectors, inter / 8, limit);
  V4_CUDA_CHECK_LAUNCH();
}

} // namespace v4::optimized
