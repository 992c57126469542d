// Hadamard-128 (spec §7), the indexer's rotation before FP4 simulation:
//   y = bf16( fl32(H·x) · fl32(n^-1/2) ),  H[i][j] = (−1)^popcount(i & j)  (Sylvester, normalized)
// Deterministic: no random signs (spec §25). Input bf16, fp32 math, output bf16; the 128-term
// sum is exact in double and rounded once to fp32, then scaled in fp32 as [C]'s `· scale`.
#pragma once

#include <cstdint>

#include "reference/formats.h"

namespace v4::reference {

// y: [rows, n] bf16 (may alias x) · x: [rows, n] bf16; n a power of two (128 in the model).
void hadamard(bf16* y, const bf16* x, int64_t rows, int64_t n);

} // namespace v4::reference
