// act_quant: FP8 per-token 1×128 quantization of GEMM inputs (spec §2.2).
//   q[m, j] = e4m3(clamp(x[m, j] / s, ±448)),  s = 2^e per (row, 128-column block), §2.1 rule.
#pragma once

#include <cstdint>

#include "reference/formats.h"

namespace v4::reference {

inline constexpr int64_t kActQuantBlock = 128;

// q: [rows, cols] e4m3 · s: [rows, cols/128] ue8m0 · x: [rows, cols] bf16, cols % 128 == 0.
void act_quant(e4m3* q, ue8m0* s, const bf16* x, int64_t rows, int64_t cols);

}  // namespace v4::reference
