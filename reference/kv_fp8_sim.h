// FP8 KV simulation, block 64, in place (spec §2.3, decision D1 = the fixed kernel):
// dims [0, 448) of every row go through e4m3 and back, y = bf16(e4m3(clamp(x/s, ±448))·s),
// with the §2.1 scale per 64-dim block; the RoPE dims [448, dim) are copied bit for bit.
// q·s is exact in fp32 and bf16 except at the very top of the bf16 range: an element with
// |x| >= 1.9375·2^127 gets s = 2^120 and q = 256, so q·s = 2^128 overflows to ±Inf in the fp32
// product, as in [C] (docs/kv_fp8_sim.md).
#pragma once

#include <cstdint>

#include "reference/formats.h"

namespace v4::reference {

inline constexpr int64_t kKvSimBlock = 64;
inline constexpr int64_t kKvSimDims = 448; // the non-RoPE ("nope") dims

// y: [rows, dim] bf16 (may alias x) · x: [rows, dim] bf16, dim >= 448.
void kv_fp8_sim(bf16* y, const bf16* x, int64_t rows, int64_t dim);

} // namespace v4::reference
