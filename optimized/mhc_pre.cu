#include "optimized/mhc_pre.h"

#include <cstdint>
#include <stdexcept>

#include "optimized/cuda_runtime.h"
#include "optimized/formats.cuh"
#include "optimized/mhc_common.cuh"

namespace v4::optimized {
namespace {

constexpr int kChunk = 1024;      // columns of 4d per mix-partial block
constexpr int kBlockK = 32;       // columns per step of a warp (4 lanes x 8)
constexpr int kMixThreads = 256;  // 8 warps
constexpr int kFinishThreads = 256;
constexpr int kGateThreads = 256;  // 8 tokens
constexpr int kFinishDims = kFinishThreads * 8;  // dims of one finish block

// D (8x8, f64) += A (8x4) · B (4x8) on the FP64 tensor cores. Fragments (PTX ISA, m8n8k4 .f64):
// lane = 4·g + t; a = A[g][t], b = B[t][g], d = {D[g][2t], D[g][2t + 1]}.
__device__ __forceinline__ void dmma(double (&d)[2], double a, double b) {
  asm volatile("mma.sync.aligned.m8n8k4.row.col.f64.f64.f64.f64 {%0, %1}, {%2}, {%3}, {%0, %1};\n"
               : "+d"(d[0]), "+d"(d[1])
               : "d"(a), "d"(b));
}

// ---- 1. mix partials -----------------------------------------------------------------------
// part_dot: [S, T, NMIX] f64 · part_ss: [S, T] f64 · x: [T, 4d] bf16 (16-byte vectors) ·
// fn: [NMIX, 4d] fp32. Dynamic shared memory: NMIX x kChunk fp32 (fn[:, chunk]).
// Warp w owns R row tiles of 8 tokens. In each step of 32 columns lane 4g + t loads columns
// 8t .. 8t + 7 of token g of each tile and the same columns of mix 8·gi + g; MMA j of the step
// multiplies column 8t + j for t = 0..3 (a fixed permutation of the k order, the same for A and
// B). Every (token, mix) sum is one chain of 256 MMAs over the chunk, ascending steps and j:
// which warp or tile holds the token never changes it.
template <int NMIX, int R>
__global__ void __launch_bounds__(kMixThreads) hc_mix_partial_kernel(double* __restrict__ part_dot,
                                                                    double* __restrict__ part_ss,
                                                                    const uint4* __restrict__ x,
                                                                    const float* __restrict__ fn, int64_t tokens,
                                                                    int width) {
  constexpr int G = (NMIX + 7) / 8;  // 8-mix column groups (3 for 24, 1 for 4)
  extern __shared__ float4 fn_s4[];
  const float* fn_s = reinterpret_cast<const float*>(fn_s4);
  const int s = blockIdx.y;
  const int64_t k0 = int64_t(s) * kChunk;
  // 8 independent 16-byte loads in flight per thread: a dependent one-at-a-time loop would wait a
  // full memory latency per 4 KB and take ~20 us for the 96 KB of a cold chunk.
#pragma unroll 8
  for (int r = 0; r < NMIX * kChunk / 4 / kMixThreads; ++r) {
    const int idx = threadIdx.x + r * kMixThreads;
    const int m = idx / (kChunk / 4), c = idx % (kChunk / 4);
    fn_s4[idx] = __ldg(reinterpret_cast<const float4*>(fn + int64_t(m) * width + k0) + c);
  }
  const int lane = threadIdx.x & 31, g = lane >> 2, t = lane & 3;
  const int64_t tile0 = (int64_t(blockIdx.x) * (kMixThreads / 32) + (threadIdx.x >> 5)) * (8 * R);
  double acc[R][G][2], ss[R];
#pragma unroll
  for (int r = 0; r < R; ++r) {
    ss[r] = 0.0;
#pragma unroll
    for (int gi = 0; gi < G; ++gi) acc[r][gi][0] = acc[r][gi][1] = 0.0;
  }
  __syncthreads();
  // x of the next step is loaded while this one computes (software pipelining, one step deep).
  uint4 xnext[R];
#pragma unroll
  for (int r = 0; r < R; ++r) {
    const int64_t tok = tile0 + 8 * r + g;
    xnext[r] = tok < tokens ? __ldcs(x + (tok * width + k0 + 8 * t) / 8) : make_uint4(0, 0, 0, 0);
  }
#pragma unroll 1
  for (int kb = 0; kb < kChunk; kb += kBlockK) {
    const int col = kb + 8 * t;  // within the chunk
    uint4 xcur[R];
#pragma unroll
    for (int r = 0; r < R; ++r) {
      xcur[r] = xnext[r];
      const int64_t tok = tile0 + 8 * r + g;
      xnext[r] = tok < tokens && kb + kBlockK < kChunk ? __ldcs(x + (tok * width + k0 + col + kBlockK) / 8)
                                                      : make_uint4(0, 0, 0, 0);
    }
    double xa[R][8];
#pragma unroll
    for (int r = 0; r < R; ++r) {
      const uint4 v = xcur[r];
      const uint32_t w[4] = {v.x, v.y, v.z, v.w};
#pragma unroll
      for (int j = 0; j < 4; ++j) {
        xa[r][2 * j] = dev::bf16_lo(w[j]);
        xa[r][2 * j + 1] = dev::bf16_hi(w[j]);
      }
#pragma unroll
      for (int j = 0; j < 8; ++j) ss[r] = fma(xa[r][j], xa[r][j], ss[r]);  // exact squares
    }
    double fb[G][8];
#pragma unroll
    for (int gi = 0; gi < G; ++gi) {
      const int m = 8 * gi + g;
      if (m < NMIX) {
        const float4 f0 = *reinterpret_cast<const float4*>(fn_s + m * kChunk + col);
        const float4 f1 = *reinterpret_cast<const float4*>(fn_s + m * kChunk + col + 4);
        const float f[8] = {f0.x, f0.y, f0.z, f0.w, f1.x, f1.y, f1.z, f1.w};
#pragma unroll
        for (int j = 0; j < 8; ++j) fb[gi][j] = f[j];
      } else {
#pragma unroll
        for (int j = 0; j < 8; ++j) fb[gi][j] = 0.0;
      }
    }
#pragma unroll
    for (int j = 0; j < 8; ++j) {
#pragma unroll
      for (int gi = 0; gi < G; ++gi) {
#pragma unroll
        for (int r = 0; r < R; ++r) dmma(acc[r][gi], xa[r][j], fb[gi][j]);
      }
    }
  }
#pragma unroll
  for (int r = 0; r < R; ++r) {
    // The 4 lanes of a token: pairwise adds are commutative, so all four get the same bits.
    ss[r] += __shfl_xor_sync(0xFFFFFFFFu, ss[r], 1);
    ss[r] += __shfl_xor_sync(0xFFFFFFFFu, ss[r], 2);
    const int64_t tok = tile0 + 8 * r + g;
    if (tok >= tokens) continue;
    double* out = part_dot + (int64_t(s) * tokens + tok) * NMIX;
#pragma unroll
    for (int gi = 0; gi < G; ++gi) {
#pragma unroll
      for (int e = 0; e < 2; ++e) {
        const int m = 8 * gi + 2 * t + e;
        if (m < NMIX) out[m] = acc[r][gi][e];
      }
    }
    if (t == 0) part_ss[int64_t(s) * tokens + tok] = ss[r];
  }
}

// ---- 2. gates (and Sinkhorn: optimized/mhc_common.cuh), one warp per token --------------------
// pre: [T, 4] fp32 (pre-gate + eps) · post: [T, 4] · comb: [T, 16] (NMIX == 24) · part_dot:
// [S, T, NMIX] · part_ss: [S, T] · base: [NMIX] · scale: [3] or [1].
// Its own kernel, not the head of the finish: when the finish blocks computed their token's
// gates first, 7 of 8 warps waited at the barrier for warp 0's chain of L2 loads, double sqrt
// and sigmoid (Nsight Compute: 34 of 46 cycles per instruction in barrier stalls, DRAM 40 %).
template <int NMIX>
__global__ void __launch_bounds__(kGateThreads) hc_gates_kernel(float* __restrict__ pre, float* __restrict__ post,
                                                               float* __restrict__ comb,
                                                               const double* __restrict__ part_dot,
                                                               const double* __restrict__ part_ss,
                                                               const float* __restrict__ base,
                                                               const float* __restrict__ scale, int64_t tokens,
                                                               int dim, int chunks, int iters, float hc_eps,
                                                               float norm_eps) {
  const int64_t t = int64_t(blockIdx.x) * (kGateThreads / 32) + (threadIdx.x >> 5);
  if (t >= tokens) return;  // whole warps only
  const int lane = threadIdx.x & 31;
  double ss = 0.0;
  for (int s = 0; s < chunks; ++s) ss += part_ss[int64_t(s) * tokens + t];
  const float inv = float(1.0 / sqrt(double(__fadd_rn(float(ss / double(4 * dim)), norm_eps))));
  double dot = 0.0;
  if (lane < NMIX) {
    for (int s = 0; s < chunks; ++s) dot += part_dot[(int64_t(s) * tokens + t) * NMIX + lane];
  }
  const float mu = __fmul_rn(float(dot), inv);
  if constexpr (NMIX == 24) {
    const float z = __fadd_rn(__fmul_rn(mu, scale[lane < 4 ? 0 : 1]), base[lane < 8 ? lane : 0]);
    const float g = dev::hc_sigmoid(z);
    if (lane < 4) pre[t * 4 + lane] = __fadd_rn(g, hc_eps);
    if (lane >= 4 && lane < 8) post[t * 4 + lane - 4] = 2.0f * g;
    const float mu_c = __shfl_sync(0xFFFFFFFFu, mu, 8 + (lane & 15));
    const float a = __fadd_rn(__fmul_rn(mu_c, scale[2]), base[8 + (lane & 15)]);
    const float m = dev::hc_sinkhorn_lane(a, iters, hc_eps);
    if (lane < 16) comb[t * 16 + lane] = m;
  } else {
    if (lane < 4) pre[t * 4 + lane] = __fadd_rn(dev::hc_sigmoid(__fadd_rn(__fmul_rn(mu, scale[0]), base[lane])), hc_eps);
  }
}

// ---- 3. finish: y = sum_j pre_j · x_j, a pure stream ------------------------------------------
// y: [T, d] bf16 · x: [T, 4, d] bf16 · pre: [T, 4].
__global__ void __launch_bounds__(kFinishThreads) hc_finish_kernel(uint4* __restrict__ y, const uint4* __restrict__ x,
                                                                  const float* __restrict__ pre, int dim,
                                                                  int dim_chunks) {
  const int64_t t = blockIdx.x / dim_chunks;
  const int dc = int(blockIdx.x % dim_chunks);
  const int vectors = dim / 8;
  const int v = dc * kFinishThreads + threadIdx.x;  // this thread's 8 output dims
  if (v >= vectors) return;
  uint4 xv[4];
#pragma unroll
  for (int j = 0; j < 4; ++j) xv[j] = __ldcs(x + (t * 4 + j) * vectors + v);
  const float4 g = __ldg(reinterpret_cast<const float4*>(pre) + t);
  const double p[4] = {double(g.x), double(g.y), double(g.z), double(g.w)};
  uint32_t out[4];
#pragma unroll
  for (int h = 0; h < 4; ++h) {
    float r[2];
#pragma unroll
    for (int e = 0; e < 2; ++e) {
      double sum = 0.0;
#pragma unroll
      for (int j = 0; j < 4; ++j) {
        const uint32_t w = (&xv[j].x)[h];
        sum = fma(p[j], double(e ? dev::bf16_hi(w) : dev::bf16_lo(w)), sum);  // exact products
      }
      r[e] = float(sum);
    }
    out[h] = dev::pack_bf16x2(r[0], r[1]);
  }
  __stcs(y + t * vectors + v, make_uint4(out[0], out[1], out[2], out[3]));
}

template <int NMIX, int R>
void launch_partial(double* part_dot, double* part_ss, const bf16* x, const float* fn, int64_t tokens, int width,
                    cudaStream_t stream) {
  const size_t smem = size_t(NMIX) * kChunk * sizeof(float);
  static const bool configured = [&] {
    V4_CUDA_CHECK(cudaFuncSetAttribute(hc_mix_partial_kernel<NMIX, R>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                       int(smem)));
    return true;
  }();
  (void)configured;
  const int64_t tile = int64_t(kMixThreads / 32) * 8 * R;
  const dim3 grid(unsigned((tokens + tile - 1) / tile), unsigned(width / kChunk));
  hc_mix_partial_kernel<NMIX, R><<<grid, kMixThreads, smem, stream>>>(
      part_dot, part_ss, reinterpret_cast<const uint4*>(x), fn, tokens, width);
  V4_CUDA_CHECK_LAUNCH();
}

template <int NMIX>
void mix_finish(bf16* y, float* post, float* comb, const bf16* x, const float* fn, const float* base,
                const float* scale, int64_t tokens, int64_t dim, int iters, float hc_eps, float norm_eps,
                cudaStream_t stream) {
  const int width = int(4 * dim), chunks = width / kChunk;
  keep_stream_pool_memory();
  double* part_dot = nullptr;
  double* part_ss = nullptr;
  V4_CUDA_CHECK(cudaMallocAsync(reinterpret_cast<void**>(&part_dot), size_t(chunks * tokens * NMIX) * sizeof(double), stream));
  V4_CUDA_CHECK(cudaMallocAsync(reinterpret_cast<void**>(&part_ss), size_t(chunks * tokens) * sizeof(double), stream));
  if (tokens <= kHcSmallTileTokens) launch_partial<NMIX, 1>(part_dot, part_ss, x, fn, tokens, width, stream);
  else launch_partial<NMIX, 2>(part_dot, part_ss, x, fn, tokens, width, stream);
  float* pre = nullptr;
  V4_CUDA_CHECK(cudaMallocAsync(reinterpret_cast<void**>(&pre), size_t(tokens * 4) * sizeof(float), stream));
  const int64_t gate_tokens = kGateThreads / 32;
  hc_gates_kernel<NMIX><<<unsigned((tokens + gate_tokens - 1) / gate_tokens), kGateThreads, 0, stream>>>(
      pre, post, comb, part_dot, part_ss, base, scale, tokens, int(dim), chunks, iters, hc_eps, norm_eps);
  V4_CUDA_CHECK_LAUNCH();
  const int dim_chunks = int((dim + kFinishDims - 1) / kFinishDims);
  hc_finish_kernel<<<unsigned(tokens * dim_chunks), kFinishThreads, 0, stream>>>(
      reinterpret_cast<uint4*>(y), reinterpret_cast<const uint4*>(x), pre, int(dim), dim_chunks);
  V4_CUDA_CHECK_LAUNCH();
  V4_CUDA_CHECK(cudaFreeAsync(pre, stream));
  V4_CUDA_CHECK(cudaFreeAsync(part_dot, stream));
  V4_CUDA_CHECK(cudaFreeAsync(part_ss, stream));
}

}  // namespace

namespace detail {
void hc_mix_finish(int n_mix, bf16* y, float* post, float* comb, const bf16* x, const float* fn, const float* base,
                   const float* scale, int64_t tokens, int64_t dim, int iters, float hc_eps, float norm_eps,
                   cudaStream_t stream) {
  if (tokens < 0 || dim <= 0) throw std::invalid_argument("hc_pre: dim must be positive");
  if (dim % 256 != 0 || dim > 16384) throw std::invalid_argument("hc_pre: the CUDA kernels need dim % 256 == 0 and dim <= 16384");
  if (iters < 1) throw std::invalid_argument("hc_pre: sinkhorn iters must be at least 1");
  if (tokens == 0) return;
  if (tokens * ((dim + kFinishDims - 1) / kFinishDims) > 0x7FFFFFFF) throw std::invalid_argument("hc_pre: too many tokens");
  if (n_mix == 24) mix_finish<24>(y, post, comb, x, fn, base, scale, tokens, dim, iters, hc_eps, norm_eps, stream);
  else if (n_mix == 4) mix_finish<4>(y, post, comb, x, fn, base, scale, tokens, dim, iters, hc_eps, norm_eps, stream);
  else throw std::invalid_argument("hc_mix_finish: n_mix must be 24 or 4");
}
}  // namespace detail

void hc_pre_two_pass(bf16* y, float* post, float* comb, const bf16* x, const float* fn, const float* base,
                     const float* scale, int64_t tokens, int64_t dim, int sinkhorn_iters, float hc_eps,
                     float norm_eps, cudaStream_t stream) {
  detail::hc_mix_finish(24, y, post, comb, x, fn, base, scale, tokens, dim, sinkhorn_iters, hc_eps, norm_eps, stream);
}

}  // namespace v4::optimized
