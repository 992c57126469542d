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
// Kernel: one block of 256 threads per row (token); 32 threads compute the row's 32 cos/sin pairs
// into shared memory, then all stream the row's heads in 16-byte vectors (8 bf16 = 4 pairs).
// Rows are independent, one block each: batch invariant by construction, no dispatch threshold.
// Napkin math: 2 B read + 2 B written per element (+ 8 B per row). 4096 tokens x 64 heads x 512:
// 537 MB, floor 125 us at 4.30 TB/s; 32 double sincos per row are negligible beside 64 KB.
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
