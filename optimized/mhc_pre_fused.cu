// hc_pre in one launch (optimized/mhc_pre.h, `hc_pre`): a cluster of 8 CTAs per tile of BM tokens.
// CTA c of the cluster owns dims [c·w, (c+1)·w), w = dim/8, of all 4 streams: its 4w columns of
// x̂ for the tile are read once from HBM into shared memory and stay there until y is written.
//
//  1. X slice -> smem (cp.async, two groups: streams {0, 2} then {1, 3}, so the K-half warps start
//     on their first stream while the second is still arriving).
//  2. Partial mixes over the CTA's columns, fp32 FMAs. Warp (g, h) = (warp & 3, warp >> 2) owns
//     mixes 6g..6g+5 and K-half h (streams 2h, 2h+1) for all BM tokens: acc[BM][6] in registers;
//     lane l takes columns i = 64s + 2l, 2l + 1 of each stream (s ascending; fn read as float2
//     straight from L2, one step ahead; x as bf16x2 words from smem). Then a transpose-reduce over
//     the 32 lanes (xor 16, 8, 4, 2, 1; each level adds a lane's partial and its partner's, an
//     operation that commutes, so every (token, mix) gets the same tree whichever lane holds it).
//     The sum of squares: 16 threads per token, 8-value vectors k, k + 16, ..., xor tree of 16.
//     CTA partial = half 0 + half 1.
//  3. cluster.sync; token r is owned by CTA r % 8 (warp r / 8): lane e sums the 8 CTAs' partial e
//     in rank order (DSMEM), then μ, σ gates and the Sinkhorn on the warp (mhc_common.cuh), post
//     and comb to global, pre to smem. cluster.sync; every CTA copies the tile's pre; cluster.sync.
//  4. y = bf16(fl32(pre_0 X_0 + pre_1 X_1 + pre_2 X_2 + pre_3 X_3)) for the CTA's dims, from smem.
// Each token's sums have one order, fixed by dim alone (not by T, the tile or the token's slot in
// it): deterministic and batch invariant. No atomics.
#include <cooperative_groups.h>

#include <cstdint>
#include <stdexcept>

#include "optimized/cuda_runtime.h"
#include "optimized/formats.cuh"
#include "optimized/mhc_common.cuh"
#include "optimized/mhc_pre.h"

namespace v4::optimized {
namespace {

namespace cg = cooperative_groups;

constexpr int kCluster = 8;
constexpr int kThreads = 256;
constexpr int kGroupMixes = 6;  // mixes per warp
constexpr int kPartStride = 32; // floats per token in the CTA partials: 24 mixes + sum of squares
constexpr unsigned kFull = 0xFFFFFFFFu;

// Shared memory of one CTA (dynamic, in this order).
struct Layout {
  int bm, w;
  __host__ __device__ size_t x_bytes() const { return size_t(bm) * 4 * w * 2; } // [BM][4][w] bf16
  __host__ __device__ size_t floats() const {
    return size_t(2 * bm * 24)        // half partials [2][BM][24]
           + size_t(bm * kPartStride) // CTA partials [BM][32] (read by the cluster)
           + size_t(bm)               // sums of squares [BM]
           + 8                        // pre of the owned tokens [2][4] (read by the cluster)
           + size_t(bm * 4);          // pre of the tile [BM][4]
  }
  __host__ __device__ size_t bytes() const { return x_bytes() + floats() * 4; }
};

__device__ __forceinline__ void cp_async16(void* smem, const void* gmem, bool valid) {
  const unsigned dst = static_cast<unsigned>(__cvta_generic_to_shared(smem));
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(dst), "l"(gmem),
               "r"(valid ? 16 : 0)
               : "memory");
}
__device__ __forceinline__ void cp_async_commit() {
  asm volatile("cp.async.commit_group;\n" ::: "memory");
}
template <int N> __device__ __forceinline__ void cp_async_wait() {
  asm volatile("cp.async.wait_group %0;\n" ::"n"(N) : "memory");
}

// Issues the copies of streams j0 and j0 + 2 of the tile (zeros for tokens past the end).
template <int BM>
__device__ void load_streams(uint16_t* xs, const bf16* x, int64_t t0, int64_t tokens, int dim,
                             int c, int w, int j0) {
  const int chunks = w / 8; // 16-byte chunks per (token, stream)
  for (int idx = threadIdx.x; idx < BM * 2 * chunks; idx += kThreads) {
    const int r = idx / (2 * chunks), rem = idx % (2 * chunks);
    const int j = j0 + 2 * (rem / chunks), k = rem % chunks;
    const bool valid = t0 + r < tokens;
    const bf16* src = valid ? x + ((t0 + r) * 4 + j) * int64_t(dim) + int64_t(c) * w + 8 * k : x;
    cp_async16(xs + (r * 4 + j) * w + 8 * k, src, valid);
  }
  cp_async_commit();
}

// acc[r·6 + mm] += Σ over stream j's columns of this lane: fn[6g + mm, j·dim + c·w + i] · x[r, j,
// i].
template <int BM, int N>
__device__ __forceinline__ void mix_stream(float (&acc)[N], const uint16_t* xs, const float* fn,
                                           int dim, int c, int w, int g, int j) {
  const int lane = threadIdx.x & 31;
  const int steps = (w + 63) / 64;
  const int64_t width = 4 * int64_t(dim);
  const float* fcol = fn + int64_t(kGroupMixes * g) * width + int64_t(j) * dim + int64_t(c) * w;
  auto load_f = [&](int s, float2(&f)[kGroupMixes]) {
    const int i = 64 * s + 2 * lane;
#pragma unroll
    for (int mm = 0; mm < kGroupMixes; ++mm) {
      f[mm] = i < w ? __ldg(reinterpret_cast<const float2*>(fcol + mm * width + i))
                    : make_float2(0.0f, 0.0f);
    }
  };
  float2 fnext[kGroupMixes];
  load_f(0, fnext);
  const uint32_t* xw = reinterpret_cast<const uint32_t*>(xs);
  for (int s = 0; s < steps; ++s) {
    float2 f[kGroupMixes];
#pragma unroll
    for (int mm = 0; mm < kGroupMixes; ++mm)
      f[mm] = fnext[mm];
    if (s + 1 < steps)
      load_f(s + 1, fnext);
    const int i = 64 * s + 2 * lane;
    if (i < w) {
#pragma unroll
      for (int r = 0; r < BM; ++r) {
        const uint32_t word = xw[((r * 4 + j) * w + i) / 2];
        const float x0 = dev::bf16_lo(word), x1 = dev::bf16_hi(word);
#pragma unroll
        for (int mm = 0; mm < kGroupMixes; ++mm) {
          acc[r * kGroupMixes + mm] = fmaf(x0, f[mm].x, acc[r * kGroupMixes + mm]);
          acc[r * kGroupMixes + mm] = fmaf(x1, f[mm].y, acc[r * kGroupMixes + mm]);
        }
      }
    }
  }
}

// y: [T, dim] bf16 (16-byte vectors) · post: [T, 4] · comb: [T, 16] · x: [T, 4, dim] bf16 ·
// fn: [24, 4·dim] · base: [24] · scale: [3].
template <int BM>
__global__ void __cluster_dims__(kCluster, 1, 1) __launch_bounds__(kThreads, 2)
    hc_pre_fused_kernel(uint4* __restrict__ y, float* __restrict__ post, float* __restrict__ comb,
                        const bf16* __restrict__ x, const float* __restrict__ fn,
                        const float* __restrict__ base, const float* __restrict__ scale,
                        int64_t tokens, int dim, int iters, float hc_eps, float norm_eps) {
  constexpr int kValues = BM * kGroupMixes, kPadded = (kValues + 31) / 32 * 32,
                kPerLane = kPadded / 32;
  cg::cluster_group cluster = cg::this_cluster();
  const int c = int(cluster.block_rank());
  const int64_t t0 = int64_t(blockIdx.x / kCluster) * BM;
  const int w = dim / kCluster, warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  const Layout lay{BM, w};
  extern __shared__ uint4 smem[];
  uint16_t* xs = reinterpret_cast<uint16_t*>(smem);
  float* half_part =
      reinterpret_cast<float*>(reinterpret_cast<unsigned char*>(smem) + lay.x_bytes());
  float* part = half_part + 2 * BM * 24;
  float* ss_part = part + BM * kPartStride;
  float* pre_own = ss_part + BM;
  float* pre_all = pre_own + 8;

  // 1 + 2: streams {0, 2}, then {1, 3}.
  load_streams<BM>(xs, x, t0, tokens, dim, c, w, 0);
  load_streams<BM>(xs, x, t0, tokens, dim, c, w, 1);
  const int g = warp & 3, h = warp >> 2;
  float acc[kPadded]; // [r·6 + mm], zero padding up to a multiple of 32 for the reduction
#pragma unroll
  for (int k = 0; k < kPadded; ++k)
    acc[k] = 0.0f;
  cp_async_wait<1>();
  __syncthreads();
  mix_stream<BM>(acc, xs, fn, dim, c, w, g, 2 * h);
  cp_async_wait<0>();
  __syncthreads();
  mix_stream<BM>(acc, xs, fn, dim, c, w, g, 2 * h + 1);
  dev::hc_transpose_reduce<kPadded>(acc);
#pragma unroll
  for (int k = 0; k < kPerLane; ++k) {
    const int idx = kPerLane * lane + k;
    if (idx < kValues)
      half_part[(h * BM + idx / kGroupMixes) * 24 + kGroupMixes * g + idx % kGroupMixes] = acc[k];
  }
  { // sum of squares: 16 threads per token
    const int r = threadIdx.x >> 4, k = threadIdx.x & 15;
    float ss = 0.0f;
    if (r < BM) {
      const uint4* xv = reinterpret_cast<const uint4*>(xs + r * 4 * w);
      for (int i = k; i < w / 2; i += 16) {
        const uint4 q = xv[i];
        const uint32_t wd[4] = {q.x, q.y, q.z, q.w};
#pragma unroll
        for (int e = 0; e < 4; ++e) {
          const float a = dev::bf16_lo(wd[e]), b = dev::bf16_hi(wd[e]);
          ss = fmaf(a, a, ss);
          ss = fmaf(b, b, ss);
        }
      }
    }
#pragma unroll
    for (int o = 8; o > 0; o >>= 1)
      ss = __fadd_rn(ss, __shfl_xor_sync(kFull, ss, o));
    if (r < BM && k == 0)
      ss_part[r] = ss;
  }
  __syncthreads();
  for (int idx = threadIdx.x; idx < BM * 25; idx += kThreads) {
    const int r = idx / 25, m = idx % 25;
    part[r * kPartStride + m] =
        m < 24 ? __fadd_rn(half_part[r * 24 + m], half_part[(BM + r) * 24 + m]) : ss_part[r];
  }
  cluster.sync();

  // 3. Owned tokens: r = c + 8·warp for warps 0, 1.
  if (warp < 2 && c + kCluster * warp < BM) {
    const int r = c + kCluster * warp;
    float v = 0.0f;
    if (lane < 25) {
      float p[kCluster];
#pragma unroll
      for (int q = 0; q < kCluster; ++q)
        p[q] = cluster.map_shared_rank(part, q)[r * kPartStride + lane];
      v = p[0];
#pragma unroll
      for (int q = 1; q < kCluster; ++q)
        v = __fadd_rn(v, p[q]);
    }
    const float ss = __shfl_sync(kFull, v, 24);
    const float mu = __fmul_rn(v, dev::hc_rms_factor(double(ss), 4 * dim, norm_eps));
    const int64_t t = t0 + r;
    const bool valid = t < tokens;
    const float pre = dev::hc_gates(mu, base, scale, iters, hc_eps, valid ? post + t * 4 : nullptr,
                                    valid ? comb + t * 16 : nullptr);
    if (lane < 4)
      pre_own[warp * 4 + lane] = pre;
  }
  cluster.sync();
  if (threadIdx.x < BM * 4) {
    const int r = threadIdx.x >> 2;
    pre_all[threadIdx.x] =
        cluster.map_shared_rank(pre_own, r % kCluster)[(r / kCluster) * 4 + (threadIdx.x & 3)];
  }
  cluster.sync(); // no remote reads after this point; pre_all is visible to the whole CTA

  // 4. y for the CTA's dims.
  const int vecs = w / 8;
  for (int idx = threadIdx.x; idx < BM * vecs; idx += kThreads) {
    const int r = idx / vecs, k = idx % vecs;
    if (t0 + r >= tokens)
      break; // idx ascends with r
    const float p[4] = {pre_all[r * 4], pre_all[r * 4 + 1], pre_all[r * 4 + 2], pre_all[r * 4 + 3]};
    uint4 q[4];
#pragma unroll
    for (int j = 0; j < 4; ++j)
      q[j] = reinterpret_cast<const uint4*>(xs + (r * 4 + j) * w)[k];
    __stcs(y + ((t0 + r) * dim + int64_t(c) * w) / 8 + k, dev::hc_weighted_sum_bf16x8(p, q));
  }
}

template <int BM>
void launch_fused(bf16* y, float* post, float* comb, const bf16* x, const float* fn,
                  const float* base, const float* scale, int64_t tokens, int64_t dim, int iters,
                  float hc_eps, float norm_eps, cudaStream_t stream) {
  const size_t smem = Layout{BM, int(dim / kCluster)}.bytes();
  static size_t configured = 0; // raised once per size (a host call per launch would be timed)
  if (smem > configured) {
    V4_CUDA_CHECK(cudaFuncSetAttribute(hc_pre_fused_kernel<BM>,
                                       cudaFuncAttributeMaxDynamicSharedMemorySize, int(smem)));
    configured = smem;
  }
  const int64_t tiles = (tokens + BM - 1) / BM;
  hc_pre_fused_kernel<BM><<<unsigned(tiles * kCluster), kThreads, smem, stream>>>(
      reinterpret_cast<uint4*>(y), post, comb, x, fn, base, scale, tokens, int(dim), iters, hc_eps,
      norm_eps);
  V4_CUDA_CHECK_LAUNCH();
}

} // namespace

int hc_pre_tile_tokens(int64_t dim) {
  // The X slice (BM·dim bytes) within ~100 KB and the registers within 128 per thread (acc: BM·6
  // floats padded to 96), so that two CTAs fit on an SM. (BM = 16 needs 230 registers, or spills.)
  const int64_t fit = 102400 / dim;
  return fit >= 14 ? 14 : fit >= 12 ? 12 : fit >= 8 ? 8 : 6;
}

void hc_pre(bf16* y, float* post, float* comb, const bf16* x, const float* fn, const float* base,
            const float* scale, int64_t tokens, int64_t dim, int sinkhorn_iters, float hc_eps,
            float norm_eps, cudaStream_t stream) {
  if (tokens < 0 || dim <= 0)
    throw std::invalid_argument("hc_pre: dim must be positive");
  if (dim % 256 != 0 || dim > 16384)
    throw std::invalid_argument("hc_pre: the CUDA kernel needs dim % 256 == 0 and dim <= 16384");
  if (sinkhorn_iters < 1)
    throw std::invalid_argument("hc_pre: sinkhorn iters must be at least 1");
  if (tokens == 0)
    return;
  if ((tokens + 5) / 6 * kCluster > 0x7FFFFFFF)
    throw std::invalid_argument("hc_pre: too many tokens");
  switch (hc_pre_tile_tokens(dim)) {
  case 14:
    return launch_fused<14>(y, post, comb, x, fn, base, scale, tokens, dim, sinkhorn_iters, hc_eps,
                            norm_eps, stream);
  case 12:
    return launch_fused<12>(y, post, comb, x, fn, base, scale, tokens, dim, sinkhorn_iters, hc_eps,
                            norm_eps, stream);
  case 8:
    return launch_fused<8>(y, post, comb, x, fn, base, scale, tokens, dim, sinkhorn_iters, hc_eps,
                           norm_eps, stream);
  default:
    return launch_fused<6>(y, post, comb, x, fn, base, scale, tokens, dim, sinkhorn_iters, hc_eps,
                           norm_eps, stream);
  }
}

} // namespace v4::optimized
