#include "optimized/compressor.h"

#include <cmath>
#include <stdexcept>

#include "optimized/cuda_runtime.h"
#include "optimized/formats.cuh"
#include "optimized/rope.cuh"

namespace v4::optimized {
namespace {

constexpr unsigned kFull = 0xFFFFFFFFu;

__device__ __forceinline__ float round_bf16(float v) {
  return dev::bf16_to_float(dev::float_to_bf16(v));
}

__device__ __forceinline__ double warp_sum_double(double v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1)
    v += __shfl_xor_sync(kFull, v, o);
  return v;
}

// One block per (sequence, entry i); thread ch = channel. Template: ratio m, head dim, rotate.
template <int kRatio, int kHd, bool kRotate>
__global__ void __launch_bounds__(kHd)
    compressor_pool_kernel(uint16_t* __restrict__ entries, const float* __restrict__ kv,
                           const float* __restrict__ score, const float* __restrict__ norm,
                           int64_t tokens, int64_t blocks, float eps,
                           const __grid_constant__ dev::RopeFreqs freqs, float hadamard_scale) {
  constexpr int kOverlap = kRatio == 4 ? 2 : 1;
  constexpr int kWidth = kOverlap * kHd;    // channels per token row
  constexpr int kSlots = kOverlap * kRatio; // window slots
  constexpr bool kCache = kSlots <= 8;      // CSA: slots in registers; HCA: re-read
  constexpr int kWarpsPer = kHd / 32;
  constexpr int kNope = kHd - 64;
  __shared__ double s_part[kWarpsPer];
  __shared__ float s_amax[kWarpsPer];
  __shared__ double s_h[kRotate ? kHd : 1];

  const int ch = threadIdx.x, lane = ch & 31, warp = ch >> 5;
  const int64_t seq = blockIdx.x / blocks, i = blockIdx.x % blocks;
  const float* kvs = kv + seq * tokens * kWidth;
  const float* scs = score + seq * tokens * kWidth;
  const float neg_inf = __int_as_float(0xFF800000);

  // Slot j of the window, as the reference's decode-state layout: with overlap, slots [0, m) are
  // block i − 1's half a (absent for i = 0: logit −∞, value 0, as the reset state), slots [m, 2m)
  // block i's half b; without, block i's tokens.
  const auto offset = [&](int j) -> int64_t {
    if constexpr (kOverlap == 2) {
      return j < kRatio ? ((i - 1) * kRatio + j) * kWidth + ch
                        : (i * kRatio + j - kRatio) * kWidth + kHd + ch;
    } else {
      return (i * kRatio + j) * kWidth + ch;
    }
  };
  const auto present = [&](int j) { return kOverlap == 1 || j >= kRatio || i > 0; };
  const auto logit = [&](int j) { return present(j) ? scs[offset(j)] : neg_inf; };
  const auto value = [&](int j) { return present(j) ? kvs[offset(j)] : 0.0f; };

  // ---- compressor_pool for channel ch ----
  [[maybe_unused]] float zc[kCache ? kSlots : 1], kc[kCache ? kSlots : 1], ec[kCache ? kSlots : 1];
  float max_logit = neg_inf;
#pragma unroll 8
  for (int j = 0; j < kSlots; ++j) {
    const float z = logit(j);
    if constexpr (kCache) {
      zc[j] = z;
      kc[j] = value(j);
    }
    max_logit = max_logit < z ? z : max_logit; // std::max(max_logit, z)
  }
  const auto exp_of = [&](float z) {
    return __double2float_rn(exp(double(__fsub_rn(z, max_logit))));
  };
  double sum = 0.0;
#pragma unroll 8
  for (int j = 0; j < kSlots; ++j) {
    float e;
    if constexpr (kCache) {
      e = ec[j] = exp_of(zc[j]);
    } else {
      e = exp_of(logit(j));
    }
    sum = __dadd_rn(sum, double(e));
  }
  const float denominator = __double2float_rn(sum);
  double acc = 0.0;
#pragma unroll 8
  for (int j = 0; j < kSlots; ++j) {
    float e, k;
    if constexpr (kCache) {
      e = ec[j];
      k = kc[j];
    } else {
      e = exp_of(logit(j)); // the same value as in the sum
      k = value(j);
    }
    acc = __dadd_rn(acc, double(__fmul_rn(__fdiv_rn(e, denominator), k)));
  }
  const float c = round_bf16(__double2float_rn(acc)); // bf16(pooled)

  // ---- RMSNorm (reference::rms_norm on the row of hd) ----
  double sq = warp_sum_double(double(c) * double(c)); // bf16² exact in double
  if (lane == 0)
    s_part[warp] = sq;
  __syncthreads();
  double total = s_part[0];
#pragma unroll
  for (int w = 1; w < kWarpsPer; ++w)
    total = __dadd_rn(total, s_part[w]);
  const float mean = __double2float_rn(__ddiv_rn(total, double(kHd)));
  const float inv = __double2float_rn(__ddiv_rn(1.0, __dsqrt_rn(double(__fadd_rn(mean, eps)))));
  float y = round_bf16(__fmul_rn(norm[ch], __fmul_rn(c, inv)));

  // ---- RoPE at position i·m on dims [hd − 64, hd): pair (2p, 2p + 1) in lanes (even, odd) ----
  const float partner = __shfl_xor_sync(kFull, y, 1);
  if (ch >= kNope) {
    float cs, sn, re, im;
    dev::rope_cos_sin(i * kRatio, freqs.f[(ch - kNope) >> 1], cs, sn);
    const bool odd = (ch & 1) != 0;
    dev::rope_rotate(odd ? partner : y, odd ? y : partner, cs, sn, re, im);
    y = round_bf16(odd ? im : re);
  }

  if constexpr (!kRotate) {
    // ---- FP8 KV simulation of dims [0, 448), blocks of 64 = two warps (kv_fp8_sim.cu) ----
    const float amax = dev::group_max<32>(ch < 448 ? fabsf(y) : 0.0f);
    if (lane == 0)
      s_amax[warp] = amax;
    __syncthreads();
    if (ch < 448) {
      const int b = ch >> 6;
      const int e = dev::pow2_scale_exponent(fmaxf(s_amax[2 * b], s_amax[2 * b + 1]),
                                             dev::kE4m3RecipQ, dev::kE4m3Floor);
      const float q = fminf(fmaxf(__fmul_rn(y, dev::exp2_normal(-e)), -448.0f), 448.0f);
      y = __fmul_rn(dev::e4m3_decode(dev::e4m3_encode(q)), dev::exp2_normal(e)); // exact in bf16
    }
  } else {
    // ---- Hadamard-128: double butterflies in shared memory, exact (optimized/hadamard.h) ----
    s_h[ch] = double(y);
    __syncthreads();
#pragma unroll
    for (int h = 1; h < kHd; h <<= 1) {
      const double a = s_h[ch], b = s_h[ch ^ h];
      __syncthreads();
      s_h[ch] = (ch & h) ? __dsub_rn(b, a) : __dadd_rn(a, b); // (x0 + x1, x0 − x1)
      __syncthreads();
    }
    const double hsum = __dadd_rn(s_h[ch], 0.0); // −0 → +0, as the reference's sum from +0
    y = round_bf16(__fmul_rn(__double2float_rn(hsum), hadamard_scale));
    // ---- FP4 simulation, blocks of 32 = one warp (fp4_act_quant.cu) ----
    const float amax = dev::group_max<32>(fabsf(y));
    const int e = dev::pow2_scale_exponent(amax, dev::kE2m1RecipQ, dev::kE2m1Floor);
    const uint32_t code =
        dev::e2m1_encode(fminf(fmaxf(__fmul_rn(y, dev::exp2_normal(-e)), -6.0f), 6.0f));
    const float scale = e >= -126 ? dev::exp2_normal(e) : __uint_as_float(0x00400000u);
    y = __fmul_rn(dev::e2m1_decode(code), scale); // exact in fp32 and bf16
  }
  entries[(seq * blocks + i) * kHd + ch] = dev::float_to_bf16(y);
}

template <int kRatio, int kHd, bool kRotate>
void launch(bf16* entries, const float* kv, const float* score, int64_t batch, int64_t tokens,
            const reference::CompressorParams& p, cudaStream_t stream) {
  const int64_t blocks = tokens / kRatio, grid = batch * blocks;
  if (grid == 0)
    return;
  if (grid > 0x7FFFFFFF)
    throw std::invalid_argument("compressor_pool_blocks: too many entries for one launch");
  dev::RopeFreqs freqs;
  reference::rope_freqs(freqs.f, p.rope); // the reference's table, bit for bit
  const float hadamard_scale = float(std::pow(double(kHd), -0.5)); // as reference::hadamard
  compressor_pool_kernel<kRatio, kHd, kRotate>
      <<<unsigned(grid), kHd, 0, stream>>>(reinterpret_cast<uint16_t*>(entries), kv, score, p.norm,
                                           tokens, blocks, p.norm_eps, freqs, hadamard_scale);
  V4_CUDA_CHECK_LAUNCH();
}

} // namespace

void compressor_pool_blocks_batched(bf16* entries, const float* kv, const float* score,
                                    int64_t batch, int64_t tokens,
                                    const reference::CompressorParams& p, cudaStream_t stream) {
  if (batch < 0 || tokens < 0)
    throw std::invalid_argument("compressor_pool_blocks: negative sizes");
  if (p.rope.rope_dim != 64)
    throw std::invalid_argument("compressor_pool_blocks: the CUDA kernel needs rope_dim 64");
  if (!p.norm)
    throw std::invalid_argument("compressor_pool_blocks: the norm weight must be set");
  const bool main = p.head_dim == 512 && !p.rotate, indexer = p.head_dim == 128 && p.rotate;
  if ((p.ratio != 4 && p.ratio != 128) || !(main || indexer)) {
    throw std::invalid_argument("compressor_pool_blocks: the CUDA kernel needs ratio 4 or 128 and "
                                "(hd 512, FP8) or (hd 128, rotate)");
  }
  if (p.ratio == 4) {
    main ? launch<4, 512, false>(entries, kv, score, batch, tokens, p, stream)
         : launch<4, 128, true>(entries, kv, score, batch, tokens, p, stream);
  } else {
    main ? launch<128, 512, false>(entries, kv, score, batch, tokens, p, stream)
         : launch<128, 128, true>(entries, kv, score, batch, tokens, p, stream);
  }
}

void compressor_pool_blocks(bf16* entries, const float* kv, const float* score, int64_t tokens,
                            const reference::CompressorParams& p, cudaStream_t stream) {
  compressor_pool_blocks_batched(entries, kv, score, 1, tokens, p, stream);
}

} // namespace v4::optimized
