#include "optimized/fp4_to_fp8.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "optimized/cuda_runtime.h"
#include "optimized/formats.cuh"

namespace v4::optimized {
namespace {

// d below which a non-zero code is not exact: e4m3 subnormals reach 2^-9 = 0.5·2^-8.
constexpr int kExactLimit = -8;

__device__ __forceinline__ int range_limit(int mode) { return mode == 0 ? 14 : 11; }  // ratio modes

// grid: (k/128, n/128), 128 threads. Thread r owns row r of the block: 4 sub-scales, 64 code bytes.
__global__ void __launch_bounds__(128) fp4_check_kernel(int64_t* __restrict__ stats, int32_t* __restrict__ flag,
                                                       const uint8_t* __restrict__ w4, const uint8_t* __restrict__ e,
                                                       int64_t k, int mode) {
  __shared__ int s_min[4], s_max[4];
  __shared__ long long s_nan[4];
  __shared__ int s_fail[4];
  const int r = threadIdx.x, warp = r >> 5;
  const int64_t row = int64_t(blockIdx.y) * 128 + r;
  const int64_t sub_per_row = k / 32;
  const int64_t sub0 = row * sub_per_row + int64_t(blockIdx.x) * 4;
  const uint32_t scales = *reinterpret_cast<const uint32_t*>(e + sub0);  // 4 consecutive sub-scales
  int lo = 255, hi = 0;
  long long nan_index = -1;
#pragma unroll
  for (int j = 0; j < 4; ++j) {
    const int v = int((scales >> (8 * j)) & 0xFF);
    lo = min(lo, v);
    hi = max(hi, v);
    if (v == 0xFF && nan_index < 0) nan_index = sub0 + j;
  }
  for (int o = 16; o > 0; o >>= 1) {
    lo = min(lo, __shfl_xor_sync(0xFFFFFFFFu, lo, o));
    hi = max(hi, __shfl_xor_sync(0xFFFFFFFFu, hi, o));
    const long long other = __shfl_xor_sync(0xFFFFFFFFu, nan_index, o);
    if (other >= 0 && (nan_index < 0 || other < nan_index)) nan_index = other;
  }
  if ((r & 31) == 0) s_min[warp] = lo, s_max[warp] = hi, s_nan[warp] = nan_index;
  __syncthreads();
  int e_min = s_min[0], e_max = s_max[0];
  long long first_nan = s_nan[0];
  for (int w = 1; w < 4; ++w) {
    e_min = min(e_min, s_min[w]);
    e_max = max(e_max, s_max[w]);
    if (s_nan[w] >= 0 && (first_nan < 0 || s_nan[w] < first_nan)) first_nan = s_nan[w];
  }
  const int range = e_max - e_min;
  const bool element_mode = mode == 2;
  const bool count = element_mode || range > range_limit(mode);
  int failing = 0;
  if (count) {
    const int fb = max(e_max - 6, 0);
    const uint4* codes = reinterpret_cast<const uint4*>(w4 + row * (k / 2) + int64_t(blockIdx.x) * 64);
#pragma unroll
    for (int j = 0; j < 4; ++j) {  // 16 bytes = 32 codes = one sub-block of 32 columns
      const int d = int((scales >> (8 * j)) & 0xFF) - fb;
      if (d >= kExactLimit) continue;
      const uint4 c = codes[j];
      const uint32_t w[4] = {c.x, c.y, c.z, c.w};
#pragma unroll
      for (int i = 0; i < 4; ++i) {
        // non-zero codes: any of the three magnitude bits of each nibble
        const uint32_t m = (w[i] | (w[i] >> 1) | (w[i] >> 2)) & 0x11111111u;
        failing += __popc(m);
      }
    }
  }
  for (int o = 16; o > 0; o >>= 1) failing += __shfl_xor_sync(0xFFFFFFFFu, failing, o);
  if ((r & 31) == 0) s_fail[warp] = failing;
  __syncthreads();
  if (r == 0) {
    const int total = s_fail[0] + s_fail[1] + s_fail[2] + s_fail[3];
    const bool ok = element_mode ? total == 0 : range <= range_limit(mode);
    int64_t* out = stats + (int64_t(blockIdx.y) * gridDim.x + blockIdx.x) * kFp4BlockStats;
    out[0] = e_max;
    out[1] = e_min;
    out[2] = total;
    out[3] = first_nan;
    out[4] = 0;
    if (!ok) atomicOr(flag, 1);
    if (first_nan >= 0) atomicOr(flag, 2);
  }
}

// grid: (k/128, n/128), 256 threads; thread t converts row t/2, columns 64·(t%2) .. +63.
// flag bit 0: a block is out of range; bit 1: a NaN sub-scale.
__global__ void __launch_bounds__(256) fp4_convert_kernel(uint8_t* __restrict__ w8, uint8_t* __restrict__ f,
                                                         int64_t* __restrict__ stats, const int32_t* __restrict__ flag,
                                                         const uint8_t* __restrict__ w4,
                                                         const uint8_t* __restrict__ e, int64_t k, bool lossy) {
  __shared__ int s_inexact[8];
  const int32_t status = *flag;
  if ((status & 2) || ((status & 1) && !lossy)) return;  // NaN sub-scale, or a violation: write nothing (D7)
  const int64_t block = int64_t(blockIdx.y) * gridDim.x + blockIdx.x;
  int64_t* st = stats + block * kFp4BlockStats;
  const int fb = max(int(st[0]) - 6, 0);
  const int t = threadIdx.x;
  if (t == 0) f[block] = uint8_t(fb);
  const int64_t row = int64_t(blockIdx.y) * 128 + (t >> 1);
  const int64_t col0 = int64_t(blockIdx.x) * 128 + 64 * (t & 1);
  const uint16_t scales = *reinterpret_cast<const uint16_t*>(e + row * (k / 32) + col0 / 32);
  const uint4* src = reinterpret_cast<const uint4*>(w4 + row * (k / 2) + col0 / 2);
  uint4* dst = reinterpret_cast<uint4*>(w8 + row * k + col0);
  int inexact = 0;
#pragma unroll
  for (int h = 0; h < 2; ++h) {  // two sub-blocks of 32 columns
    const int d = int((scales >> (8 * h)) & 0xFF) - fb;
    // 2^d as fp32 when representable; below that every non-zero code rounds to a signed zero.
    const bool tiny = d < -126;
    const float p = tiny ? 0.0f : dev::exp2_normal(d);
    const uint4 c = src[h];
    const uint32_t words[4] = {c.x, c.y, c.z, c.w};
#pragma unroll
    for (int i = 0; i < 2; ++i) {  // 16 codes -> 16 bytes
      uint32_t out[4];
#pragma unroll
      for (int j = 0; j < 4; ++j) {
        const uint32_t w = words[2 * i + j / 2] >> (16 * (j & 1));
        uint32_t packed = 0;
#pragma unroll
        for (int b = 0; b < 4; ++b) {
          const uint32_t code = (w >> (4 * b)) & 0xF;
          const float v = dev::e2m1_decode(code);
          uint32_t q;
          if (tiny) {
            q = (code & 8) ? 0x80u : 0x00u;
            if (lossy) inexact += (code & 7) != 0;
          } else {
            const float x = __fmul_rn(v, p);  // exact: 2 significant bits, at least 2^-127
            q = dev::e4m3_encode(x);
            if (lossy) inexact += dev::e4m3_decode(uint8_t(q)) != x;  // counted in lossy mode only
          }
          packed |= q << (8 * b);
        }
        out[j] = packed;
      }
      dst[2 * h + i] = make_uint4(out[0], out[1], out[2], out[3]);
    }
  }
  if (!lossy) return;
  for (int o = 16; o > 0; o >>= 1) inexact += __shfl_xor_sync(0xFFFFFFFFu, inexact, o);
  if ((t & 31) == 0) s_inexact[t >> 5] = inexact;
  __syncthreads();
  if (t == 0) {
    int total = 0;
    for (int w = 0; w < 8; ++w) total += s_inexact[w];
    st[4] = total;
  }
}

int mode_of(LosslessCheck c) {
  switch (c) {
    case LosslessCheck::kBlockRatio2p14: return 0;
    case LosslessCheck::kBlockRatio2p11: return 1;
    case LosslessCheck::kNonZeroElements: return 2;
  }
  return 0;
}

void check_shape(int64_t n, int64_t k) {
  if (n < 0 || k <= 0 || n % 128 != 0 || k % 128 != 0) {
    throw std::invalid_argument("fp4_to_fp8: n and k must be multiples of 128");
  }
}

}  // namespace

void fp4_to_fp8_launch(e4m3* w8, ue8m0* f, int64_t* block_stats, int32_t* flag, const e2m1x2* w4, const ue8m0* e,
                       int64_t n, int64_t k, Fp4ToFp8Options options, cudaStream_t stream) {
  check_shape(n, k);
  if (n == 0) return;
  if (n / 128 > 65535) throw std::invalid_argument("fp4_to_fp8: n / 128 must be at most 65535");
  V4_CUDA_CHECK(cudaMemsetAsync(flag, 0, sizeof(int32_t), stream));
  const dim3 grid(unsigned(k / 128), unsigned(n / 128));
  fp4_check_kernel<<<grid, 128, 0, stream>>>(block_stats, flag, reinterpret_cast<const uint8_t*>(w4),
                                             reinterpret_cast<const uint8_t*>(e), k, mode_of(options.check));
  V4_CUDA_CHECK_LAUNCH();
  fp4_convert_kernel<<<grid, 256, 0, stream>>>(reinterpret_cast<uint8_t*>(w8), reinterpret_cast<uint8_t*>(f),
                                               block_stats, flag, reinterpret_cast<const uint8_t*>(w4),
                                               reinterpret_cast<const uint8_t*>(e), k, options.lossy);
  V4_CUDA_CHECK_LAUNCH();
}

Fp4ToFp8Report fp4_to_fp8_report(const std::vector<int64_t>& stats, int64_t n, int64_t k, Fp4ToFp8Options options) {
  const int64_t block_rows = n / 128, block_cols = k / 128;
  int64_t first_nan = -1;
  for (int64_t b = 0; b < block_rows * block_cols; ++b) {
    const int64_t i = stats[size_t(b * kFp4BlockStats + 3)];
    if (i >= 0 && (first_nan < 0 || i < first_nan)) first_nan = i;
  }
  if (first_nan >= 0) {
    throw std::invalid_argument("fp4_to_fp8: sub-scale " + std::to_string(first_nan) + " is NaN (0xFF)");
  }
  Fp4ToFp8Report report;
  report.check = options.check;
  report.lossy = options.lossy;
  for (int64_t br = 0; br < block_rows; ++br) {
    for (int64_t bc = 0; bc < block_cols; ++bc) {
      const int64_t* s = stats.data() + (br * block_cols + bc) * kFp4BlockStats;
      const int range = int(s[0] - s[1]);
      report.worst_exponent_range = std::max(report.worst_exponent_range, range);
      ++report.blocks;
      const bool ok = options.check == LosslessCheck::kBlockRatio2p14   ? range <= 14
                      : options.check == LosslessCheck::kBlockRatio2p11 ? range <= 11
                                                                       : s[2] == 0;
      if (!ok) report.violations.push_back({br, bc, range, s[2]});
    }
  }
  if (!report.lossless() && !options.lossy) return report;
  report.written = true;
  if (options.lossy) {
    for (int64_t b = 0; b < block_rows * block_cols; ++b) report.inexact_elements += stats[size_t(b * kFp4BlockStats + 4)];
  }
  return report;
}

Fp4ToFp8Report fp4_to_fp8(e4m3* w8, ue8m0* f, const e2m1x2* w4, const ue8m0* e, int64_t n, int64_t k,
                          Fp4ToFp8Options options, cudaStream_t stream) {
  check_shape(n, k);
  const int64_t blocks = (n / 128) * (k / 128);
  if (blocks == 0) return fp4_to_fp8_report({}, n, k, options);
  DeviceBuffer stats(size_t(blocks * kFp4BlockStats) * sizeof(int64_t)), flag(sizeof(int32_t));
  fp4_to_fp8_launch(w8, f, stats.as<int64_t>(), flag.as<int32_t>(), w4, e, n, k, options, stream);
  std::vector<int64_t> host(size_t(blocks * kFp4BlockStats));
  stats.download(host.data(), host.size() * sizeof(int64_t), stream);
  return fp4_to_fp8_report(host, n, k, options);
}

}  // namespace v4::optimized
