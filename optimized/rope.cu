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

// table[row][pair] = (cos, ±sin) of the row's position: 32 double sincos per row, computed once
// here instead of at the head of every block of the row.
__global__ void __launch_bounds__(kThreads)
    rope_table_kernel(float2* __restrict__ table, const int64_t* __restrict__ positions,
                      int64_t rows, const __grid_constant__ dev::RopeFreqs freqs, bool inverse) {
  // Let the rotation grid launch now: its blocks issue their loads of x and wait for this grid's
  // table (griddepcontrol.wait) only before their first use of it.
  asm volatile("griddepcontrol.launch_dependents;" ::: "memory");
  const int64_t i = int64_t(blockIdx.x) * kThreads + threadIdx.x;
  if (i >= rows * kPairs)
    return;
  float c, s;
  dev::rope_cos_sin(positions[i / kPairs], freqs.f[i % kPairs], c, s);
  table[i] = make_float2(c, inverse ? -s : s); // the reference's −double(sin): exact either way
}

// Block (row, chunk): vectors chunk·2048 .. + 2047 of one row. Vector v of the row (8 bf16) is
// head v / per_head, dims 8·(v % per_head) ..; the rotated dims start at nope (a multiple of 8),
// so a vector is either copied or holds 4 pairs. y may alias x: every vector is read and written
// by the same thread, and all of a thread's loads come before its stores.
// Why this shape (Nsight Compute on one block per row computing its own cos/sin, one load in
// flight per thread): 78 % of the cycles between a warp's instructions were long-scoreboard
// waits on the load, issue slots 21 % busy, DRAM at 73 % of its peak. Napkin math: hiding ~1 us
// of DRAM latency at 4.3 TB/s needs ~33 KB in flight per SM; 8 × 16 B per thread is 128 B, times
// >= 1024 resident threads = 128 KB. With the cos/sin still computed per block, the blocks then
// waited at the barrier for it (barrier the second stall): hence the table kernel, launched
// ahead of this one with programmatic dependent launch.
__global__ void __launch_bounds__(kThreads)
    rope_kernel(uint4* y, const uint4* x, const float4* __restrict__ table, int per_head,
                int nope_vectors, int row_vectors) {
  const int64_t row = blockIdx.x;
  const int first = int(blockIdx.y) * kChunk + int(threadIdx.x);
  const uint4* xr = x + row * row_vectors;
  uint4* yr = y + row * row_vectors;
  const float4* cs = table + row * (kPairs / 2); // two (cos, sin) pairs per float4
  uint4 in[kBatch];
#pragma unroll
  for (int b = 0; b < kBatch; ++b) {
    const int v = first + b * kThreads;
    if (v < row_vectors)
      in[b] = xr[v];
  }
  // The table kernel (this grid's programmatic prerequisite) has finished and its writes are
  // visible after this; a plain stream-ordered launch returns at once.
  asm volatile("griddepcontrol.wait;" ::: "memory");
#pragma unroll
  for (int b = 0; b < kBatch; ++b) {
    const int v = first + b * kThreads;
    if (v >= row_vectors)
      break;
    const int hv = v % per_head;
    if (hv < nope_vectors) { // nope dims: bit for bit
      yr[v] = in[b];
      continue;
    }
    const int pair0 = (hv - nope_vectors) * 4;
    const float4 t01 = __ldg(cs + pair0 / 2), t23 = __ldg(cs + pair0 / 2 + 1);
    const float c[4] = {t01.x, t01.z, t23.x, t23.z}, s[4] = {t01.y, t01.w, t23.y, t23.w};
    const uint32_t w[4] = {in[b].x, in[b].y, in[b].z, in[b].w};
    uint32_t out[4];
#pragma unroll
    for (int q = 0; q < 4; ++q) {
      float re, im;
      dev::rope_rotate(dev::bf16_lo(w[q]), dev::bf16_hi(w[q]), c[q], s[q], re, im);
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
  keep_stream_pool_memory();
  float2* table = nullptr;
  V4_CUDA_CHECK(cudaMallocAsync(reinterpret_cast<void**>(&table),
                                size_t(rows) * kPairs * sizeof(float2), stream));
  rope_table_kernel<<<unsigned((rows * kPairs + kThreads - 1) / kThreads), kThreads, 0, stream>>>(
      table, positions, rows, freqs, inverse);
  V4_CUDA_CHECK_LAUNCH();
  // Programmatic dependent launch: the rotation grid starts while the table grid still runs
  // (Nsight Compute: the table kernel took 4.5 us beside 67 us of streaming, plus a launch gap).
  cudaLaunchConfig_t config = {};
  config.gridDim = dim3(unsigned(rows), unsigned((row_vectors + kChunk - 1) / kChunk));
  config.blockDim = dim3(kThreads);
  config.stream = stream;
  cudaLaunchAttribute attribute = {};
  attribute.id = cudaLaunchAttributeProgrammaticStreamSerialization;
  attribute.val.programmaticStreamSerializationAllowed = 1;
  config.attrs = &attribute;
  config.numAttrs = 1;
  V4_CUDA_CHECK(cudaLaunchKernelEx(&config, rope_kernel, reinterpret_cast<uint4*>(y),
                                   reinterpret_cast<const uint4*>(x),
                                   reinterpret_cast<const float4*>(table), int(head_dim / 8),
                                   int((head_dim - p.rope_dim) / 8), int(row_vectors)));
  V4_CUDA_CHECK(cudaFreeAsync(table, stream));
}

} // namespace v4::optimized
