#include "optimized/kv_fp8_sim.h"

#include <stdexcept>

#include "optimized/cuda_runtime.h"
#include "optimized/formats.cuh"
#include "optimized/launch_util.cuh"

namespace v4::optimized {
namespace {

constexpr int kThreads = 256;
constexpr int kRowsPerBlock = kThreads / 32;
constexpr int kSimVectors = 448 / 8;  // 56 vectors = 7 blocks of 64 dims

// One warp per row; vector v of the row is handled by lane v % 32 in pass v / 32. Passes are
// uniform per warp (they depend on dim only), so all lanes take part in every shuffle.
__global__ void __launch_bounds__(kThreads) kv_fp8_sim_kernel(uint4* y, const uint4* x, int64_t rows, int vectors) {
  const int lane = threadIdx.x & 31;
  for (int64_t row = int64_t(blockIdx.x) * kRowsPerBlock + (threadIdx.x >> 5); row < rows;
       row += int64_t(gridDim.x) * kRowsPerBlock) {
    const uint4* xr = x + row * vectors;
    uint4* yr = y + row * vectors;
    for (int v = lane; v - lane < vectors; v += 32) {
      const uint4 in = v < vectors ? xr[v] : make_uint4(0, 0, 0, 0);
      float f[8];
      float amax = dev::unpack_bf16x8_amax(in, f);
      amax = dev::group_max<8>(amax);
      if (v >= vectors) continue;
      if (v >= kSimVectors) {  // RoPE dims: bit for bit
        yr[v] = in;
        continue;
      }
      const int e = dev::pow2_scale_exponent(amax, dev::kE4m3RecipQ, dev::kE4m3Floor);
      const float inv = dev::exp2_normal(-e), scale = dev::exp2_normal(e);
      uint32_t out[4];
#pragma unroll
      for (int i = 0; i < 4; ++i) {
        float r[2];
#pragma unroll
        for (int j = 0; j < 2; ++j) {
          const float q = fminf(fmaxf(__fmul_rn(f[2 * i + j], inv), -448.0f), 448.0f);
          r[j] = __fmul_rn(dev::e4m3_decode(dev::e4m3_encode(q)), scale);  // exact: q·s fits bf16
        }
        out[i] = dev::pack_bf16x2(r[0], r[1]);
      }
      yr[v] = make_uint4(out[0], out[1], out[2], out[3]);
    }
  }
}

}  // namespace

void kv_fp8_sim(bf16* y, const bf16* x, int64_t rows, int64_t dim, cudaStream_t stream) {
  if (rows < 0 || dim < 448) throw std::invalid_argument("kv_fp8_sim: dim must be at least 448");
  if (dim % 8 != 0) throw std::invalid_argument("kv_fp8_sim: the CUDA kernel needs dim % 8 == 0 (16-byte vectors)");
  if ((reinterpret_cast<uintptr_t>(x) | reinterpret_cast<uintptr_t>(y)) % 16 != 0) {
    throw std::invalid_argument("kv_fp8_sim: x and y must be 16-byte aligned");
  }
  if (rows == 0) return;
  kv_fp8_sim_kernel<<<dev::stride_grid(rows, kRowsPerBlock), kThreads, 0, stream>>>(
      reinterpret_cast<uint4*>(y), reinterpret_cast<const uint4*>(x), rows, int(dim / 8));
  V4_CUDA_CHECK_LAUNCH();
}

}  // namespace v4::optimized
