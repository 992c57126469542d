// FP4 weight quantization for QAT (spec §1.6: routed-expert w1/w2/w3 are e2m1 with one ue8m0
// scale per 1×32 block along K). [project] The spec gives no separate rule for weights, so the
// §2.1 rule with Q = 6 and floor 6·2^-126 is applied to the fp32 master weights, per 32 values
// of one output row; element 2k is the low nibble of byte k (packed along K).
#pragma once

#include <cstdint>

#include "reference/formats.h"

namespace v4::reference {

// w4: [n, k/2] packed e2m1 · s: [n, k/32] ue8m0 · w: [n, k] fp32 (finite), k % 32 == 0.
void fp4_weight_quant(e2m1x2* w4, ue8m0* s, const float* w, int64_t n, int64_t k);

} // namespace v4::reference
