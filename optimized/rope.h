// RoPE on the GPU (spec §6): interleaved pairs on the last 64 dims of each head, YaRN table,
// inverse = rotation by −θ; the first head_dim − 64 dims copied bit for bit. As reference/rope.h.
//
// Numerics: the frequency table comes from reference::rope_freqs on the host (bitwise the
// reference's), θ = fl32(fl32(p)·freq) and the pair products are the reference's operations in
// the same order (optimized/rope.cuh), so y is bitwise equal to the reference whenever the
// device's double cos/sin round to the reference's fp32 values, i.e. for all but ~2^-27 of the
// angles. Where one cos or sin is one fp32 ulp away, each fp32 output moves by at most
// 2^-24·max(|a|,|b|) + its own rounding: one bf16 ulp unless the pair product cancels (|re| <
// 2^-15·max(|a|, |b|)); the registered budget is 1 bf16 ulp.
//
// Kernel: one block of 256 threads per 1024-vector chunk of a row (token); 32 threads compute the
// row's 32 cos/sin pairs into shared memory while every thread's 4 16-byte loads of x are in
// flight, then the vectors are copied (nope dims) or rotated (4 pairs each) and stored. Chunks
// are independent, the arithmetic per element fixed: batch invariant by construction, no dispatch
// threshold.
// Napkin math: 2 B read + 2 B written per element (+ 8 B per row). 2048 tokens x 64 heads x 512
// (or 1024 x 128 x 512): 268 MB, floor 62.4 us at 4.30 TB/s.
// What limited the block-per-row version (measured 91.9 / 92.9 us, 68 %): memory-level
// parallelism. Its loop stored each vector before loading the next (y may alias x, so the
// compiler cannot hoist a load above an earlier store): one 16-byte load in flight per thread,
// and 34 registers (allocated 40) left 6 blocks = 1536 threads per SM: 24 KiB in flight per SM,
// 3.2 MB in all at best, about the 2.2 TB/s read half x ~1 us loaded latency, so any gap (the
// per-row prologue: position load + double sincos, ~1-1.5 us with no load in flight; 2048 blocks
// of 128 KiB on 792 slots: a 2.6-wave tail) costs bandwidth. Now: 4 loads per thread before any
// store, issued before the prologue; 48 registers, 5 blocks = 1280 threads per SM: 80 KiB in
// flight per SM (10.6 MB in all); 8192 blocks of 32 KiB traffic on 660 slots (12.4 waves).
// Not the limiter: the double sincos (32 per row, fast reduction path for |θ| < 2^31; 2048 rows x
// 32 = 65 K evaluations, ~4 M FP64 instructions: < 1 us of the GPU), nor the rotation's FP64
// (8 of 64 vectors per head, 16 DMUL + 8 DADD per vector), nor coalescing (consecutive threads,
// consecutive 16-byte vectors). The op's cost model counts every byte of x and y: right for
// this out-of-place op (the nope dims must be copied to y). An in-place RoPE (y == x, as the
// model applies it to q and kv) would need only the rope slice: 64 of 512 dims, 1/8 of the bytes.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

#include "reference/formats.h"
#include "reference/rope.h"

namespace v4::optimized {

// y: [rows, heads, head_dim] bf16 (may alias x) · x: same · positions: [rows] int64 (>= 0).
// p.rope_dim must be 64; head_dim % 8 == 0 and >= 64; x, y 16-byte aligned.
void rope_apply(bf16* y, const bf16* x, const int64_t* positions, int64_t rows, int64_t heads,
                int64_t head_dim, const reference::RopeParams& p, bool inverse,
                cudaStream_t stream);

} // namespace v4::optimized
