#include "optimized/hadamard.h"

#include <cmath>
#include <stdexcept>

#include "optimized/cuda_runtime.h"
#include "optimized/formats.cuh"

namespace v4::optimized {
namespace {

constexpr int kThreads = 256;
constexpr int kRowsPerBlock = kThreads / 16;

// One row per 16 lanes. Lane l (l = lane & 15) loads elements 8l .. 8l + 7 into v[0..7]: element
// bits 0-2 are the register index j, bits 3-6 the lane bits L0-L3.
//  - Bits 0-2: butterflies in registers.
//  - Bit 3 + k (lane bit Lk), k = 0..3: the lanes P (Lk = 0, values p) and Q (Lk = 1, values q)
//    must form p + q (element bit 0) and p − q (element bit 1). P takes register half j < 4 and Q
//    the half j >= 4: P receives q[0..3], Q receives p[4..7] (4 doubles each way), and both write
//    the sums to registers 0..3 and the differences to 4..7. Register bit 2 then holds the element
//    bit just transformed and lane bit Lk the one register bit 2 held (already transformed).
//  After the four stages register bit 2 holds element bit 6 and lane bits L0-L3 hold element bits
//  2-5: v[j] is output element (j & 3) + 4l + 64·(j >> 2).
// All sums are exact in double under the condition of hadamard.h, so their order is immaterial.
// y may alias x: the 16 lanes of a row load it before the first (warp-synchronizing) shuffle.
__global__ void __launch_bounds__(kThreads)
    hadamard128_kernel(uint2* y, const uint4* x, int64_t rows, float scale) {
  const int l = threadIdx.x & 15;
  const int64_t row = int64_t(blockIdx.x) * kRowsPerBlock + (threadIdx.x >> 4);
  const bool valid = row < rows;
  const uint4 in = valid ? __ldcs(x + row * 16 + l) : make_uint4(0, 0, 0, 0);
  const uint32_t w[4] = {in.x, in.y, in.z, in.w};
  double v[8];
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    v[2 * i] = dev::bf16_lo(w[i]);
    v[2 * i + 1] = dev::bf16_hi(w[i]);
  }
#pragma unroll
  for (int h = 1; h < 8; h <<= 1) {
#pragma unroll
    for (int j = 0; j < 8; ++j) {
      if (j & h)
        continue;
      const double a = v[j], b = v[j + h];
      v[j] = __dadd_rn(a, b);
      v[j + h] = __dsub_rn(a, b);
    }
  }
#pragma unroll
  for (int mask = 1; mask < 16; mask <<= 1) {
    const bool upper = (l & mask) != 0;
    double next[8];
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      const double send = upper ? v[i] : v[4 + i];
      const double recv = __shfl_xor_sync(0xFFFFFFFFu, send, mask);
      const double lo = upper ? recv : v[i];     // element bit 0 of this stage
      const double hi = upper ? v[4 + i] : recv; // element bit 1
      next[i] = __dadd_rn(lo, hi);
      next[4 + i] = __dsub_rn(lo, hi);
    }
#pragma unroll
    for (int j = 0; j < 8; ++j)
      v[j] = next[j];
  }
  if (!valid)
    return;
  float out[8];
#pragma unroll
  for (int j = 0; j < 8; ++j) {
    const double sum = __dadd_rn(v[j], 0.0); // −0 → +0, as the reference's sum from +0
    out[j] = __fmul_rn(__double2float_rn(sum), scale);
  }
  uint2* yr = y + row * 32; // 32 vectors of 4 bf16 per row
  yr[l] = make_uint2(dev::pack_bf16x2(out[0], out[1]), dev::pack_bf16x2(out[2], out[3]));
  yr[16 + l] = make_uint2(dev::pack_bf16x2(out[4], out[5]), dev::pack_bf16x2(out[6], out[7]));
}

} // namespace

void hadamard(bf16* y, const bf16* x, int64_t rows, int64_t n, cudaStream_t stream) {
  if (rows < 0 || n != 128)
    throw std::invalid_argument("hadamard: the CUDA kernel needs n == 128");
  if ((reinterpret_cast<uintptr_t>(x) | reinterpret_cast<uintptr_t>(y)) % 16 != 0) {
    throw std::invalid_argument("hadamard: x and y must be 16-byte aligned");
  }
  if (rows == 0)
    return;
  const int64_t blocks = (rows + kRowsPerBlock - 1) / kRowsPerBlock;
  if (blocks > 0x7FFFFFFF)
    throw std::invalid_argument("hadamard: too many rows for one launch");
  const float scale = float(std::pow(double(n), -0.5)); // the reference's fp32 scale
  hadamard128_kernel<<<unsigned(blocks), kThreads, 0, stream>>>(
      reinterpret_cast<uint2*>(y), reinterpret_cast<const uint4*>(x), rows, scale);
  V4_CUDA_CHECK_LAUNCH();
}

} // namespace v4::optimized
