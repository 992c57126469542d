#include "optimized/mhc_boundary.h"

#include <cooperative_groups.h>

#include <cstdint>
#include <map>
#include <stdexcept>

#include "optimized/cuda_runtime.h"
#include "optimized/formats.cuh"
#include "optimized/mhc_common.cuh"

namespace v4::optimized {
namespace {

namespace cg = cooperative_groups;

constexpr int kThreads = 256;
constexpr int kDims = 64;    // dims per CTA (x 4 streams = 256 columns)
constexpr int kChunk = 16;   // tokens per chunk
constexpr int kEntries = 25; // 24 mixes + the sum of squares
constexpr int kStride = 32;  // floats per (CTA, token) in the partial scratch
constexpr int kPerWarp = 4;  // entries per warp: w, w + 8, w + 16, w + 24 (< 25)
constexpr int kPartialsPerWarp = 16; // CTAs bb = w + 8i summed by warp w: 8 x 16 >= 128 CTAs
constexpr int kMaxSlots = 4;         // owned tokens per CTA: ceil(16 / NB), NB >= 4
constexpr unsigned kFull = 0xFFFFFFFFu;

// One token's hc_post inputs for one 16-byte column vector: f, the 4 residual streams, post, comb.
struct PostInputs {
  uint4 fv, rv[4];
  float post[4], comb[16];
  __device__ __forceinline__ void load(const uint4* f, const uint4* residual, const float* post_in,
                                       const float* comb_in, int64_t t, int64_t col, int vec) {
    fv = __ldcs(f + t * vec + col);
#pragma unroll
    for (int j = 0; j < 4; ++j)
      rv[j] = __ldcs(residual + (t * 4 + j) * vec + col);
#pragma unroll
    for (int k = 0; k < 4; ++k)
      post[k] = __ldg(post_in + t * 4 + k);
#pragma unroll
    for (int k = 0; k < 16; ++k)
      comb[k] = __ldg(comb_in + t * 16 + k);
  }
};

// Phase stamps (SM clock of CTA 0, thread 0) for the latency breakdown of
// benchmarks/mhc_boundary_phases.cpp; stamps == nullptr (the normal call) costs one predicate.
__device__ __forceinline__ void stamp(uint64_t* stamps, int phase) {
  if (stamps != nullptr && blockIdx.x == 0 && threadIdx.x == 0)
    stamps[phase] = clock64();
}

// Phase 2 of the kernel: the partial 24 mixes and the sum of squares (entries e = warp + 8·ee)
// over this CTA's 256 columns for tokens r < tc of the chunk; lane l takes dims 2l, 2l + 1 of the
// 4 streams (an 8-term fp32 FMA chain), then hc_transpose_reduce adds over the lanes. R = tokens
// per pass: predicated-off tokens still issue (a 16-token pass with the loads repeated per entry
// was ~2600 SASS instructions per warp, 2.8 us at one token), so chunks of <= 8 tokens take the
// 8-token form. The bits do
// not depend on R: the same chain per lane and the same lane tree (pairs by lane bit 4, 3, ..., 0
// for any N), so a token's partials do not depend on how many tokens share its chunk.
template <int R>
__device__ __forceinline__ void boundary_partials(float* part, const uint32_t* xs, const float4* fs4,
                                                  int b, int tc) {
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  // Entries warp + 8·ee: ee < 3 are mixes (< 24) for every warp; ee = 3 is the sum of squares
  // (entry 24) on warp 0 and nothing elsewhere. The fn values of the three mixes are loaded once
  // and each token's 8 x values once, shared by the entries (the same FMA chain per entry).
  float2 w[3][4];
  const float2* fs2 = reinterpret_cast<const float2*>(fs4);
#pragma unroll
  for (int ee = 0; ee < 3; ++ee) {
#pragma unroll
    for (int j = 0; j < 4; ++j)
      w[ee][j] = fs2[(warp + 8 * ee) * 128 + j * 32 + lane];
  }
  float acc[kPerWarp * R]; // [ee·R + r]
#pragma unroll
  for (int r = 0; r < R; ++r) {
    float x[4][2] = {};
    if (r < tc) {
#pragma unroll
      for (int j = 0; j < 4; ++j) {
        const uint32_t word = xs[(r * 4 + j) * 32 + lane];
        x[j][0] = dev::bf16_lo(word);
        x[j][1] = dev::bf16_hi(word);
      }
    }
#pragma unroll
    for (int ee = 0; ee < 3; ++ee) {
      float a = 0.0f;
#pragma unroll
      for (int j = 0; j < 4; ++j) {
        a = fmaf(x[j][0], w[ee][j].x, a);
        a = fmaf(x[j][1], w[ee][j].y, a);
      }
      acc[ee * R + r] = a;
    }
    float ss = 0.0f;
    if (warp == 0) {
#pragma unroll
      for (int j = 0; j < 4; ++j) {
        ss = fmaf(x[j][0], x[j][0], ss);
        ss = fmaf(x[j][1], x[j][1], ss);
      }
    }
    acc[3 * R + r] = ss;
  }
  dev::hc_transpose_reduce<kPerWarp * R>(acc);
  constexpr int kPerLane = kPerWarp * R / 32;
#pragma unroll
  for (int k = 0; k < kPerLane; ++k) {
    const int idx = kPerLane * lane + k, e = warp + 8 * (idx / R), r = idx % R;
    if (e < kEntries && r < tc)
      part[(int64_t(b) * kChunk + r) * kStride + e] = acc[k];
  }
}

// part: [NB][kChunk][kStride] and pre: [kChunk][4] global scratch, rewritten per chunk.
__global__ void __launch_bounds__(kThreads)
    hc_boundary_kernel(uint4* __restrict__ residual_out, uint4* __restrict__ y,
                       float* __restrict__ post_next, float* __restrict__ comb_next,
                       const uint4* __restrict__ f, const uint4* __restrict__ residual,
                       const float* __restrict__ post, const float* __restrict__ comb,
                       const float* __restrict__ fn, const float* __restrict__ base,
                       const float* __restrict__ scale, float* part, float* pre_g, int64_t tokens,
                       int dim, int iters, float hc_eps, float norm_eps, uint64_t* stamps) {
  cg::grid_group grid = cg::this_grid();
  __shared__ float4 fs4[24 * kDims]; // fn[m, j·dim + 64b + i] at m·256 + j·64 + i
  __shared__ __align__(16) uint32_t xs[kChunk * 4 * 32]; // X' chunk: [r][j][32 bf16x2 words]
  __shared__ float pre_s[kChunk * 4];
  __shared__ float warp_sums[kMaxSlots][8][32]; // owner: per owned token, warp w's sums
  const int b = blockIdx.x, nb = gridDim.x, warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  const int vec = dim / 8; // 16-byte vectors per row of dim
  const int64_t width = 4 * int64_t(dim);

  stamp(stamps, 0);
  // The first chunk's hc_post inputs are requested before the fn slice, so that both HBM round
  // trips overlap (decode is one chunk: the kernel's first ~1 us).
  PostInputs in;
  if (int(threadIdx.x) < (tokens < kChunk ? int(tokens) : kChunk) * 8)
    in.load(f, residual, post, comb, threadIdx.x >> 3, int64_t(kDims / 8) * b + (threadIdx.x & 7),
            vec);
#pragma unroll
  for (int k = 0; k < 24 * kDims / kThreads; ++k) {
    const int idx = threadIdx.x + k * kThreads, m = idx >> 6, j = (idx >> 4) & 3, i4 = idx & 15;
    fs4[idx] =
        __ldg(reinterpret_cast<const float4*>(fn + m * width + int64_t(j) * dim + kDims * b) + i4);
  }

  for (int64_t t0 = 0; t0 < tokens; t0 += kChunk) {
    const int tc = int(tokens - t0 < kChunk ? tokens - t0 : kChunk);

    // 1. hc_post for dims 64b .. 64b + 63: thread (r, v) does 8 dims of the 4 streams.
    if (int(threadIdx.x) < tc * 8) {
      const int r = threadIdx.x >> 3, v = threadIdx.x & 7;
      const int64_t t = t0 + r, col = int64_t(kDims / 8) * b + v;
      if (t0 > 0)
        in.load(f, residual, post, comb, t, col, vec);
      double pw[4], cw[4][4];
#pragma unroll
      for (int k = 0; k < 4; ++k)
        pw[k] = double(in.post[k]);
#pragma unroll
      for (int j = 0; j < 4; ++j) {
#pragma unroll
        for (int k = 0; k < 4; ++k)
          cw[j][k] = double(in.comb[j * 4 + k]);
      }
      uint4 out_v[4];
      dev::hc_post_bf16x8(out_v, in.fv, in.rv, pw, cw);
#pragma unroll
      for (int k = 0; k < 4; ++k) {
        const uint4 q = out_v[k];
        __stcs(residual_out + (t * 4 + k) * vec + col, q);
        reinterpret_cast<uint4*>(xs + (r * 4 + k) * 32)[v] = q;
      }
    }
    __syncthreads();
    if (t0 == 0)
      stamp(stamps, 1);

    // 2. Partials of the chunk's tokens, in passes of 8 tokens when 8 suffice.
    if (tc <= 8)
      boundary_partials<8>(part, xs, fs4, b, tc);
    else
      boundary_partials<16>(part, xs, fs4, b, tc);
    if (t0 == 0)
      stamp(stamps, 2);
    grid.sync();
    if (t0 == 0)
      stamp(stamps, 3);

    // 3. Owned tokens r = b + s·NB (s < 4: NB >= 4). Per token, warp w sums the partials of the
    //    CTAs bb = w, w + 8, ... in ascending bb (lane e: entry e), all its loads issued together;
    //    then warp s adds the 8 warp sums in ascending w. The order depends on NB (the dim) only:
    //    a 14-term and an 8-term chain instead of one of NB (64-112) dependent smem loads and adds.
    if (b < tc) {
      const int slots = (tc - b + nb - 1) / nb;
      for (int s = 0; s < slots; ++s) {
        const int r = b + s * nb;
        float v = 0.0f;
        if (lane < kEntries) {
          // Unconditional loads (an index past NB reads CTA `warp`'s slot, unused), so that all
          // 16 are issued back to back: predicated ones were issued 4 per L2 round trip.
          float p[kPartialsPerWarp];
#pragma unroll
          for (int i = 0; i < kPartialsPerWarp; ++i) {
            const int bb = warp + 8 * i < nb ? warp + 8 * i : warp;
            p[i] = __ldcg(part + (int64_t(bb) * kChunk + r) * kStride + lane);
          }
          v = p[0];
#pragma unroll
          for (int i = 1; i < kPartialsPerWarp; ++i) {
            if (warp + 8 * i < nb)
              v = __fadd_rn(v, p[i]);
          }
        }
        warp_sums[s][warp][lane] = v;
      }
      __syncthreads();
      if (warp < slots) {
        const int r = b + warp * nb;
        float v = 0.0f;
        if (lane < kEntries) {
          v = warp_sums[warp][0][lane];
          for (int w = 1; w < 8 && w < nb; ++w)
            v = __fadd_rn(v, warp_sums[warp][w][lane]);
        }
        const float ss = __shfl_sync(kFull, v, 24);
        const float mu = __fmul_rn(v, dev::hc_rms_factor(double(ss), 4 * dim, norm_eps));
        const int64_t t = t0 + r;
        const float pre =
            dev::hc_gates(mu, base, scale, iters, hc_eps, post_next + t * 4, comb_next + t * 16);
        if (lane < 4)
          pre_g[r * 4 + lane] = pre;
      }
    }
    if (t0 == 0)
      stamp(stamps, 4);
    grid.sync();
    if (t0 == 0)
      stamp(stamps, 5);

    // 4. y for dims 64b .. 64b + 63.
    if (int(threadIdx.x) < tc * 4)
      pre_s[threadIdx.x] = __ldcg(pre_g + threadIdx.x);
    __syncthreads();
    if (int(threadIdx.x) < tc * 8) {
      const int r = threadIdx.x >> 3, v = threadIdx.x & 7;
      const float p[4] = {pre_s[r * 4], pre_s[r * 4 + 1], pre_s[r * 4 + 2], pre_s[r * 4 + 3]};
      uint4 q[4];
#pragma unroll
      for (int j = 0; j < 4; ++j)
        q[j] = reinterpret_cast<const uint4*>(xs + (r * 4 + j) * 32)[v];
      __stcs(y + (t0 + r) * vec + int64_t(kDims / 8) * b + v, dev::hc_weighted_sum_bf16x8(p, q));
    }
    __syncthreads(); // xs and pre_s are rewritten by the next chunk
  }
  stamp(stamps, 6);
}

// Co-residency of all NB CTAs (checked once per NB; a cooperative launch fails otherwise) and a
// scratch buffer kept for the process: an allocation per call would be timed with the launch.
float* scratch_for(int nb) {
  static std::map<int, bool> checked;
  if (!checked[nb]) {
    int device = 0, sms = 0, per_sm = 0;
    V4_CUDA_CHECK(cudaGetDevice(&device));
    V4_CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device));
    V4_CUDA_CHECK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, hc_boundary_kernel,
                                                                kThreads, 0));
    if (int64_t(per_sm) * sms < nb)
      throw CudaError("hc_boundary: the cooperative grid does not fit on the device");
    checked[nb] = true;
  }
  static float* scratch = [] {
    void* p = nullptr;
    V4_CUDA_CHECK(cudaMalloc(&p, (size_t(128) * kChunk * kStride + kChunk * 4) * sizeof(float)));
    return static_cast<float*>(p);
  }();
  return scratch;
}

} // namespace

void hc_boundary(bf16* residual_out, bf16* y, float* post_next, float* comb_next, const bf16* f,
                 const bf16* residual, const float* post, const float* comb, const float* fn,
                 const float* base, const float* scale, int64_t tokens, int64_t dim,
                 int sinkhorn_iters, float hc_eps, float norm_eps, cudaStream_t stream) {
  hc_boundary_traced(residual_out, y, post_next, comb_next, f, residual, post, comb, fn, base,
                     scale, tokens, dim, sinkhorn_iters, hc_eps, norm_eps, nullptr, stream);
}

void hc_boundary_traced(bf16* residual_out, bf16* y, float* post_next, float* comb_next,
                        const bf16* f, const bf16* residual, const float* post, const float* comb,
                        const float* fn, const float* base, const float* scale, int64_t tokens,
                        int64_t dim, int sinkhorn_iters, float hc_eps, float norm_eps,
                        uint64_t* stamps, cudaStream_t stream) {
  if (tokens < 0 || dim <= 0)
    throw std::invalid_argument("hc_boundary: dim must be positive");
  if (dim % 256 != 0 || dim > 128 * kDims) {
    throw std::invalid_argument(
        "hc_boundary: the CUDA kernel needs dim % 256 == 0 and dim <= 8192");
  }
  if (sinkhorn_iters < 1)
    throw std::invalid_argument("hc_boundary: sinkhorn iters must be at least 1");
  if (tokens == 0)
    return;
  const int nb = int(dim / kDims);
  float* part = scratch_for(nb);
  float* pre_g = part + size_t(128) * kChunk * kStride;
  auto* r_out = reinterpret_cast<uint4*>(residual_out);
  auto* y4 = reinterpret_cast<uint4*>(y);
  auto* f4 = reinterpret_cast<const uint4*>(f);
  auto* res4 = reinterpret_cast<const uint4*>(residual);
  int d = int(dim);
  void* args[] = {&r_out, &y4,     &post_next, &comb_next,      &f4,     &res4,
                  &post,  &comb,   &fn,        &base,           &scale,  &part,
                  &pre_g, &tokens, &d,         &sinkhorn_iters, &hc_eps, &norm_eps,
                  &stamps};
  V4_CUDA_CHECK(cudaLaunchCooperativeKernel(reinterpret_cast<const void*>(hc_boundary_kernel),
                                            dim3(unsigned(nb)), dim3(kThreads), args,
                                            0, stream));
  V4_CUDA_CHECK_LAUNCH();
}

} // namespace v4::optimized
