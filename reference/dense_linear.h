// Plain (unquantized) linears of the attention path, as [C]'s `linear()` runs them when the
// weight is bf16 or fp32 (spec §4.3): F.linear in the weight dtype, y = x · Wᵀ.
//   dense_linear_bf16: bf16 x, bf16 W, fp32 accumulation, bf16 out (wq_a, wq_b, wkv, wo_b and
//                      indexer.wq_b in the golden configuration; weights_proj, wo_a always)
//   dense_linear_f32:  bf16 x cast to fp32, fp32 W, fp32 out (compressor wkv / wgate)
// Each dot product is exact in double and rounded once to fp32 (the accumulator dtype), then to
// the output dtype. FP8/FP4 weights go through act_quant + the block-scaled GEMMs (spec §4.1-4.2).
#pragma once

#include <cstdint>

#include "reference/formats.h"

namespace v4::reference {

// y: [rows, out] bf16 · x: [rows, in] bf16 · w: [out, in] bf16.
void dense_linear_bf16(bf16* y, const bf16* x, const bf16* w, int64_t rows, int64_t in,
                       int64_t out);

// y: [rows, out] fp32 · x: [rows, in] bf16 · w: [out, in] fp32.
void dense_linear_f32(float* y, const bf16* x, const float* w, int64_t rows, int64_t in,
                      int64_t out);

} // namespace v4::reference
