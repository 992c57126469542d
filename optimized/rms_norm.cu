#include "optimized/rms_norm.h"

#include <stdexcept>

#include "optimized/cuda_runtime.h"
#include "optimized/formats.cuh"

namespace v4::optimized {
namespace {

constexpr int kThreads = 128;
constexpr int kMaxVectors = 8;  // per thread: dim <= 128 · 8 · 8 = 8192

__device__ __forceinline__ double warp_sum_double(double v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xFFFFFFFFu, v, o);
  return v;
}

// The reference's rms_rsqrt: fl32(1 / sqrt(double(fl32(sum / count) + eps))).
__device__ __forceinline__ float rms_rsqrt(double sum_sq, int64_t count, float eps) {
  const float mean = float(sum_sq / double(count));
  return float(1.0 / sqrt(double(__fadd_rn(mean, eps))));
}

// Block of 128 threads; thread t owns vectors t, t + 128, ... (8 bf16 each).
template <bool kSplitControl>
__global__ void __launch_bounds__(kThreads) rms_norm_kernel(uint4* __restrict__ y, const uint4* __restrict__ x,
                                                           const float4* __restrict__ w, int vectors, float eps,
                                                           int splits) {
  __shared__ double s_part[kThreads / 32];
  __shared__ float s_ctrl[kThreads];
  const int t = threadIdx.x;
  const uint4* xr = x + int64_t(blockIdx.x) * vectors;
  uint4 v[kMaxVectors];
#pragma unroll
  for (int i = 0; i < kMaxVectors; ++i) v[i] = t + i * kThreads < vectors ? __ldcs(xr + t + i * kThreads) : make_uint4(0, 0, 0, 0);
  float inv;
  if constexpr (!kSplitControl) {
    double sum = 0.0;
#pragma unroll
    for (int i = 0; i < kMaxVectors; ++i) {
      const uint32_t wd[4] = {v[i].x, v[i].y, v[i].z, v[i].w};
#pragma unroll
      for (int j = 0; j < 4; ++j) {
        const double a = dev::bf16_lo(wd[j]), b = dev::bf16_hi(wd[j]);
        sum = fma(a, a, sum);
        sum = fma(b, b, sum);
      }
    }
    sum = warp_sum_double(sum);
    if ((t & 31) == 0) s_part[t >> 5] = sum;
    __syncthreads();
    const double total = ((s_part[0] + s_part[1]) + s_part[2]) + s_part[3];
    inv = rms_rsqrt(total, int64_t(vectors) * 8, eps);
  } else {
    // Above the threshold each thread accumulates in bf16 (every partial sum rounded), and the
    // threads form `splits` interleaved groups whose sums are rounded to bf16 again: a
    // batch-dependent low-precision split. Up to the threshold: the exact fp32/double path.
    const bool low = splits > 1;
    float part = 0.0f;
#pragma unroll
    for (int i = 0; i < kMaxVectors; ++i) {
      const uint32_t wd[4] = {v[i].x, v[i].y, v[i].z, v[i].w};
#pragma unroll
      for (int j = 0; j < 4; ++j) {
        const float a = dev::bf16_lo(wd[j]), b = dev::bf16_hi(wd[j]);
        part = fmaf(a, a, part);
        if (low) part = dev::bf16_to_float(dev::float_to_bf16(part));
        part = fmaf(b, b, part);
        if (low) part = dev::bf16_to_float(dev::float_to_bf16(part));
      }
    }
    s_ctrl[t] = part;
    __syncthreads();
    double total = 0.0;
    for (int g = 0; g < splits; ++g) {
      double s = 0.0;
      for (int i = g; i < kThreads; i += splits) s += s_ctrl[i];
      total += low ? double(dev::bf16_to_float(dev::float_to_bf16(float(s)))) : s;
    }
    // ... and the split path divides by one vector too many (an off-by-one tile count): a change
    // of 8/dim in the mean, so every seed's row comes out different (bf16 partials alone can
    // cancel by chance, and a control must be caught on every seed).
    inv = rms_rsqrt(total, (int64_t(vectors) + (low ? 1 : 0)) * 8, eps);
  }
  uint4* yr = y + int64_t(blockIdx.x) * vectors;
#pragma unroll
  for (int i = 0; i < kMaxVectors; ++i) {
    const int c = t + i * kThreads;
    if (c >= vectors) continue;
    const float4 w0 = __ldg(w + 2 * c), w1 = __ldg(w + 2 * c + 1);
    const float ww[8] = {w0.x, w0.y, w0.z, w0.w, w1.x, w1.y, w1.z, w1.w};
    const uint32_t wd[4] = {v[i].x, v[i].y, v[i].z, v[i].w};
    uint32_t out[4];
#pragma unroll
    for (int j = 0; j < 4; ++j) {
      const float a = __fmul_rn(ww[2 * j], __fmul_rn(dev::bf16_lo(wd[j]), inv));
      const float b = __fmul_rn(ww[2 * j + 1], __fmul_rn(dev::bf16_hi(wd[j]), inv));
      out[j] = dev::pack_bf16x2(a, b);
    }
    __stcs(yr + c, make_uint4(out[0], out[1], out[2], out[3]));
  }
}

__device__ __forceinline__ float round_bf16(float v) { return dev::bf16_to_float(dev::float_to_bf16(v)); }

// One warp per head; lane l owns vectors l, l + 32, ... of the head: kVectorsPerLane = 1..4
// (head_dim <= 1024). The vector count is a template argument so that a 512-wide head (2 vectors
// per lane) does no work on vectors it does not have: with a fixed 4, half of every lane's
// products, roundings and conversions were on zeros.
// Napkin math (H200, 132 SMs at 1.98 GHz): 85 % of 4.30 TB/s at 4 B per element (bf16 in, bf16
// out) is 3.5 elements per SM-cycle. Each element needs a bf16 rounding of its square and an
// f32->f64 conversion, both on the XU pipe (16 lanes per SM-cycle); Nsight Compute measured XU
// 90 % busy at 72 % of the ceiling with single-element roundings, so the squares are rounded in
// pairs (one cvt.rn.bf16x2.f32 for two elements; the same round-to-nearest-even per half).
template <int kVectorsPerLane>
__global__ void __launch_bounds__(256) rms_norm_head_kernel(uint4* y, const uint4* x, int64_t heads_total,
                                                           int vectors, float eps) {
  const int lane = threadIdx.x & 31;
  const int64_t h = int64_t(blockIdx.x) * 8 + (threadIdx.x >> 5);
  if (h >= heads_total) return;  // whole warps only
  const uint4* xh = x + h * vectors;
  uint4 v[kVectorsPerLane];
#pragma unroll
  for (int i = 0; i < kVectorsPerLane; ++i) v[i] = lane + 32 * i < vectors ? xh[lane + 32 * i] : make_uint4(0, 0, 0, 0);
  // The reference's order: vector by vector, element by element. A vector this lane does not
  // have adds nothing (its squares would be +0, and the sum, started at +0, is never -0).
  double sum = 0.0;
#pragma unroll
  for (int i = 0; i < kVectorsPerLane; ++i) {
    if (lane + 32 * i >= vectors) break;
    const uint32_t wd[4] = {v[i].x, v[i].y, v[i].z, v[i].w};
#pragma unroll
    for (int j = 0; j < 4; ++j) {
      const float a = dev::bf16_lo(wd[j]), b = dev::bf16_hi(wd[j]);
      const uint32_t squares = dev::pack_bf16x2(__fmul_rn(a, a), __fmul_rn(b, b));  // round_bf16 of each
      sum += double(dev::bf16_lo(squares));
      sum += double(dev::bf16_hi(squares));
    }
  }
  sum = warp_sum_double(sum);
  const float mean = round_bf16(float(sum / double(vectors * 8)));
  const float denominator = round_bf16(__fadd_rn(mean, eps));
  const float inv = round_bf16(float(1.0 / sqrt(double(denominator))));
  uint4* yh = y + h * vectors;
#pragma unroll
  for (int i = 0; i < kVectorsPerLane; ++i) {
    if (lane + 32 * i >= vectors) break;
    const uint32_t wd[4] = {v[i].x, v[i].y, v[i].z, v[i].w};
    uint32_t out[4];
#pragma unroll
    for (int j = 0; j < 4; ++j) out[j] = dev::pack_bf16x2(__fmul_rn(dev::bf16_lo(wd[j]), inv), __fmul_rn(dev::bf16_hi(wd[j]), inv));
    yh[lane + 32 * i] = make_uint4(out[0], out[1], out[2], out[3]);
  }
}

void check_dim(const char* name, int64_t rows, int64_t dim) {
  if (rows < 0 || dim <= 0) throw std::invalid_argument(std::string(name) + ": dim must be positive");
  if (dim % 8 != 0 || dim > int64_t(kThreads) * kMaxVectors * 8) {
    throw std::invalid_argument(std::string(name) + ": the CUDA kernel needs dim % 8 == 0 and dim <= 8192");
  }
  if (rows > 0x7FFFFFFF) throw std::invalid_argument(std::string(name) + ": too many rows for one launch");
}

}  // namespace

void rms_norm(bf16* y, const bf16* x, const float* w, int64_t rows, int64_t dim, float eps, cudaStream_t stream) {
  check_dim("rms_norm", rows, dim);
  if (rows == 0) return;
  rms_norm_kernel<false><<<unsigned(rows), kThreads, 0, stream>>>(
      reinterpret_cast<uint4*>(y), reinterpret_cast<const uint4*>(x), reinterpret_cast<const float4*>(w),
      int(dim / 8), eps, 1);
  V4_CUDA_CHECK_LAUNCH();
}

void rms_norm_split_control(bf16* y, const bf16* x, const float* w, int64_t rows, int64_t dim, float eps,
                            cudaStream_t stream) {
  check_dim("rms_norm_split_control", rows, dim);
  if (rows == 0) return;
  rms_norm_kernel<true><<<unsigned(rows), kThreads, 0, stream>>>(
      reinterpret_cast<uint4*>(y), reinterpret_cast<const uint4*>(x), reinterpret_cast<const float4*>(w),
      int(dim / 8), eps, rows > kSplitControlThreshold ? 4 : 1);
  V4_CUDA_CHECK_LAUNCH();
}

void rms_norm_head(bf16* y, const bf16* x, int64_t rows, int64_t heads, int64_t head_dim, float eps,
                   cudaStream_t stream) {
  if (rows < 0 || heads <= 0 || head_dim <= 0) throw std::invalid_argument("rms_norm_head: heads and head_dim must be positive");
  if (head_dim % 8 != 0 || head_dim > 1024) {
    throw std::invalid_argument("rms_norm_head: the CUDA kernel needs head_dim % 8 == 0 and head_dim <= 1024");
  }
  const int64_t total = rows * heads;
  if (total == 0) return;
  const int vectors = int(head_dim / 8);
  const unsigned blocks = unsigned((total + 7) / 8);
  auto* yv = reinterpret_cast<uint4*>(y);
  auto* xv = reinterpret_cast<const uint4*>(x);
  switch ((vectors + 31) / 32) {
    case 1: rms_norm_head_kernel<1><<<blocks, 256, 0, stream>>>(yv, xv, total, vectors, eps); break;
    case 2: rms_norm_head_kernel<2><<<blocks, 256, 0, stream>>>(yv, xv, total, vectors, eps); break;
    case 3: rms_norm_head_kernel<3><<<blocks, 256, 0, stream>>>(yv, xv, total, vectors, eps); break;
    default: rms_norm_head_kernel<4><<<blocks, 256, 0, stream>>>(yv, xv, total, vectors, eps); break;
  }
  V4_CUDA_CHECK_LAUNCH();
}

}  // namespace v4::optimized
