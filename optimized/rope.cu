#include "optimized/rope.h"

#include <stdexcept>

#include "optimized/cuda_runtime.h"
#include "optimized/formats.cuh"
#include "optimized/rope.cuh"

namespace v4::optimized {
namespace {

constexpr int kThreads = 256;
constexpr int kPairs = 32; // rope_dim 64
constexpr int kBatch = 8;  // vectors per thread per block, all loaded before any is used
constexpr int kChunk = kThreads * kBatch;

// Block (chunk, row): vectors chunk·2048 .. + 2047 of one row. Vector v of the row (8 bf16) is
// head v / per_head, dims 8·(v % per_head) ..; the rotated dims start at nope (a multiple of 8),
// so a vector is either copied or holds 4 pairs. y may alias x: every vector is read and written
// by the same thread, and all of a thread's loads come before its stores.
// Why the batch (Nsight Compute, one block per row and one load in flight per thread): 78 % of
// the cycles between a warp's instructions were long-scoreboard waits on the load, issue slots
// 21 % busy, 73 % of the DRAM peak. Napkin math: hiding ~1 us of DRAM latency at 4.3 TB/s needs
// ~33 KB in flight per SM; 8 × 16 B per thread is 128 B, times >= 1024 resident threads = 128 KB.
// The loads are issued before the cos/sin of the row (32 double sincos) so that the two overlap.
__global__ void __launch_bounds__(kThreads)
    rope_kernel(uint4* y, const uint4* x, const int64_t* __restrict__ positions, int per_head,
                int nope_vectors, int row_vectors, dev::RopeFreqs freqs, bool inverse) {
  __shared__ float s_cos[kPairs], s_sin[kPairs];
  const int64_t row = blockIdx.x;
  const int first = int(blockIdx.y) * kChunk + int(threadIdx.x);
  const uint4* xr = x + row * row_vectors;
  uint4* yr = y + row * row_vectors;
  uint4 in[kBatch];
#pragma unroll
  for (int b = 0; b < kBatch; ++b) {
    const int v = first + b * kThreads;
    if (v < row_vectors) in[b] = xr[v];
  }
  if (threadIdx.x < kPairs) {
    float c, s;
    dev::rope_cos_sin(positions[row], freqs.f[threadIdx.x], c, s);
    s_cos[threadIdx.x] = c;
    s_sin[threadIdx.x] = inverse ? -s : s; // the reference's −double(sin): exact either way
  }
  __syncthreads();
#pragma unroll
  for (int b = 0; b < kBatch; ++b) {
    const int v = first + b * kThreads;
    if (v >= row_vectors) break;
    const int hv = v % per_head;
    if (hv < nope_vectors) { // nope dims: bit for bit
      yr[v] = in[b];
      continue;
    }
    const int pair0 = (hv - nope_vectors) * 4;
    const uint32_t w[4] = {in[b].x, in[b].y, in[b].z, in[b].w};
    uint32_t out[4];
#pragma unroll
    for (int q = 0; q < 4; ++q) {
      float re, im;
      dev::rope_rotate(dev::bf16_lo(w[q]), dev::bf16_hi(w[q]), s_cos[pair0 + q], s_sin[pair0 + q],
                       re, im);
      out[q] = dev::pack_bf16x2(re, im);
    }
    yr[v] = make_uint4(out[0], out[1], out[2], out[3]);
  }
}

} // namespace

void rope_apply(bf16* y, const bf16* x, const int64_t* positions, int64_t rows, int64_t heads,
                int64_t head_dim, const reference::RopeParams& p, bool inverse,
                cudaStream_t stream) {
  if (rows < 0 || heads <= 0)
    throw std::invalid_argument("rope_apply: heads must be positive");
  if (p.rope_dim != 2 * kPairs)
    throw std::invalid_argument("rope_apply: the CUDA kernel needs rope_dim == 64");
  if (head_dim < p.rope_dim || head_dim % 8 != 0) {
    throw std::invalid_argument(
        "rope_apply: the CUDA kernel needs head_dim >= 64 and head_dim % 8 == 0");
  }
  if ((reinterpret_cast<uintptr_t>(x) | reinterpret_cast<uintptr_t>(y)) % 16 != 0) {
    throw std::invalid_argument("rope_apply: x and y must be 16-byte aligned");
  }
  const int64_t row_vectors = heads * head_dim / 8;
  if (rows > 0x7FFFFFFF || row_vectors > int64_t(kChunk) * 65535)
    throw std::invalid_argument("rope_apply: too large for one launch");
  if (rows == 0)
    return;
  dev::RopeFreqs freqs;
  reference::rope_freqs(freqs.f, p); // the reference's table, bit for bit
  const dim3 grid(unsigned(rows), unsigned((row_vectors + kChunk - 1) / kChunk));
  rope_kernel<<<grid, kThreads, 0, stream>>>(
      reinterpret_cast<uint4*>(y), reinterpret_cast<const uint4*>(x), positions, int(head_dim / 8),
      int((head_dim - p.rope_dim) / 8), int(row_vectors), freqs, inverse);
  V4_CUDA_CHECK_LAUNCH();
}

} // namespace v4::optimized
