#include "optimized/fp4_to_fp8.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "optimized/cuda_runtime.h"
#include "optimized/formats.cuh"
#include "optimized/fp4_codec.cuh"
#include "optimized/launch_util.cuh"

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

// The 8-entry FP8 byte table of shift d (entry m = e4m3(e2m1 value m · 2^d), tables in
// optimized/fp4_codec.cuh) and, for the lossy mode, the table of inexact flags (byte m = 1 when
// entry m does not decode to m · 2^d). The products m · 2^d are exact in fp32 for d >= -126 (two
// significant bits, at least 2^-127); below that every non-zero code rounds to a signed zero.
struct Fp8Table {
  uint32_t lo, hi, inexact_lo, inexact_hi;
};
__device__ __forceinline__ Fp8Table fp8_table(int d, bool lossy) {
  const bool tiny = d < -126;
  const float p = tiny ? 0.0f : dev::exp2_normal(d);
  float v[8];
#pragma unroll
  for (int m = 0; m < 8; ++m) v[m] = __fmul_rn(dev::e2m1_decode(uint32_t(m)), p);  // constants folded
  Fp8Table t;
  t.lo = uint32_t(dev::e4m3x2_encode(v[0], v[1])) | (uint32_t(dev::e4m3x2_encode(v[2], v[3])) << 16);
  t.hi = uint32_t(dev::e4m3x2_encode(v[4], v[5])) | (uint32_t(dev::e4m3x2_encode(v[6], v[7])) << 16);
  t.inexact_lo = t.inexact_hi = 0;
  if (lossy) {
#pragma unroll
    for (int m = 1; m < 8; ++m) {
      const uint32_t code = ((m < 4 ? t.lo : t.hi) >> (8 * (m & 3))) & 0xFF;
      const uint32_t bad = tiny || dev::e4m3_decode(uint8_t(code)) != v[m];
      if (m < 4) t.inexact_lo |= bad << (8 * m);
      else t.inexact_hi |= bad << (8 * (m - 4));
    }
  }
  return t;
}

// grid: (k/128, n/128), 256 threads; thread t converts row t/2, columns 64·(t%2) .. +63: two
// sub-blocks of 32 codes (one 16-byte load each), 64 output bytes (four 16-byte stores).
// flag bit 0: a block is out of range; bit 1: a NaN sub-scale.
//
// Napkin math (24576 x 7168, 176 M weights): 1.53 B per weight (0.5 in, 1/32 sub-scale, 1 out),
// 270 MB, floor 63 us at 4.30 TB/s. The issue budget at that rate is 16.5 B/clk/SM (4.30 TB/s
// over 132 SMs at 1.98 GHz) = 10.8 weights/clk/SM against 128 thread-instructions/clk/SM: 11.9
// instructions per weight. Per 32-weight sub-block this kernel issues ~24 for the table (8 exact
// products folded to 7 FMUL, 4 cvt.e4m3x2, 2 packs, the exponent), 4 x 11 for the PRMT
// expansion and ~8 for loads, stores and addresses: ~76, 2.4 per weight (20 % of the budget;
// the code-by-code version issued ~14 per weight, more than the budget: 182 us measured).
// Memory parallelism: 8 blocks of 256 threads per SM (28-32 registers), 32 B loaded per thread
// before any store: 64 KB in flight per SM, above the ~26 KB that 4.3 TB/s x ~800 ns needs.
// Expected then: the byte floor plus the check launch and the flag memset, ~70-75 us (~85 %).
// Measured: 143 us (44 %). What limits it (Nsight Compute, results/h200/wave15_ncu.tar.gz and
// wave16): the access pattern, not the bytes (DRAM moved 0.93-0.95x the minimal bytes). A warp
// covers 16 rows with a thread pair per row, so each of its 16-byte loads and stores touches 32
// sectors and fills half of each: 53 % of the L2 sectors requested are excess, and the crossbar
// into L2 is 84 % busy while DRAM sits at 39-41 % of its peak. Four tiles per block (more bytes
// in flight) made it slower (151 us), so the fix is a layout in which a warp's store is 512
// contiguous bytes.
__global__ void __launch_bounds__(256) fp4_convert_kernel(uint8_t* __restrict__ w8, uint8_t* __restrict__ f,
                                                         int64_t* __restrict__ stats, const int32_t* __restrict__ flag,
                                                         const uint8_t* __restrict__ w4,
                                                         const uint8_t* __restrict__ e, int64_t k, bool lossy) {
  __shared__ int s_inexact[8];
  const int64_t block = int64_t(blockIdx.y) * gridDim.x + blockIdx.x;
  const int t = threadIdx.x;
  const int64_t row = int64_t(blockIdx.y) * 128 + (t >> 1);
  const int64_t col0 = int64_t(blockIdx.x) * 128 + 64 * (t & 1);
  // Every load this thread needs is issued before any is used: the codes and sub-scales do not
  // depend on the flag or the block's stats, and reading them is harmless when nothing is
  // written. (Nsight Compute, flag -> stats -> codes in sequence: three dependent trips to
  // memory per block, long-scoreboard stalls 34 cycles per instruction, DRAM at 41 % of peak.)
  const uint16_t scales = *reinterpret_cast<const uint16_t*>(e + row * (k / 32) + col0 / 32);
  const uint4* src = reinterpret_cast<const uint4*>(w4 + row * (k / 2) + col0 / 2);
  const uint4 c[2] = {dev::load_stream(src), dev::load_stream(src + 1)};
  int64_t* st = stats + block * kFp4BlockStats;
  const int32_t status = *flag;
  const int64_t block_max = st[0];
  if ((status & 2) || ((status & 1) && !lossy)) return;  // NaN sub-scale, or a violation: write nothing (D7)
  const int fb = max(int(block_max) - 6, 0);
  if (t == 0) f[block] = uint8_t(fb);
  uint4* dst = reinterpret_cast<uint4*>(w8 + row * k + col0);
  int inexact = 0;
#pragma unroll
  for (int h = 0; h < 2; ++h) {  // two sub-blocks of 32 columns
    const Fp8Table tab = fp8_table(int((scales >> (8 * h)) & 0xFF) - fb, lossy);
    const uint32_t words[4] = {c[h].x, c[h].y, c[h].z, c[h].w};
    uint32_t out[8];
#pragma unroll
    for (int i = 0; i < 4; ++i) {  // 8 codes -> 8 bytes
      fp4::expand8(words[i], tab.lo, tab.hi, out[2 * i], out[2 * i + 1]);
      if (lossy) {
        const uint32_t mag = words[i] & 0x77777777u;
        inexact += __popc(__byte_perm(tab.inexact_lo, tab.inexact_hi, mag)) +
                   __popc(__byte_perm(tab.inexact_lo, tab.inexact_hi, mag >> 16));
      }
    }
    __stcs(dst + 2 * h, make_uint4(out[0], out[1], out[2], out[3]));
    __stcs(dst + 2 * h + 1, make_uint4(out[4], out[5], out[6], out[7]));
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
