// fp4_act_quant: FP4 (e2m1) per-token 1×32 quantization (spec §2.4).
//   q[m, j] = e2m1(clamp(x[m, j] / s, ±6)),  s = 2^e per (row, 32-column block), §2.1 rule
// with Q = 6 and floor 6·2^-126. The in-place simulation (the only form the model runs, on the
// indexer q and keys) writes back y = bf16(q·s), which is exact, except that |x| >= 1.75·2^127
// gives s = 2^126, q = 4 and q·s = 2^128: ±Inf, as in [C] (docs/kv_fp8_sim.md).
#pragma once

#include <cstdint>

#include "reference/formats.h"

namespace v4::reference {

inline constexpr int64_t kFp4Block = 32;

// q: [rows, cols/2] packed e2m1 · s: [rows, cols/32] ue8m0 · x: [rows, cols] bf16, cols % 32 == 0.
void fp4_act_quant(e2m1x2* q, ue8m0* s, const bf16* x, int64_t rows, int64_t cols);

// y: [rows, cols] bf16 (may alias x) · x: [rows, cols] bf16, cols % 32 == 0.
void fp4_act_quant_sim(bf16* y, const bf16* x, int64_t rows, int64_t cols);

} // namespace v4::reference
