// Linear dispatch (spec §4.3): y = x · Wᵀ, chosen by the weight's format as [C]'s linear() does.
//   e4m3 weight (128×128 ue8m0 block scales): act_quant(x, 128) then fp8_gemm → bf16
//   e2m1 weight (1×32 ue8m0 scales along K):   act_quant(x, 128) then fp4_gemm → bf16
//   bf16 weight: F.linear in bf16 (fp32 accumulate) → bf16      (gate via .float(): linear_f32)
//   fp32 weight: F.linear in fp32 → fp32                         (compressor wkv/wgate, hc_*_fn,
//   head)
// Plain linears: the dot product is exact in double, rounded once to fp32 (the accumulator
// dtype), then cast to the output dtype where that is bf16.
#pragma once

#include <cstdint>

#include "reference/formats.h"

namespace v4::reference {

enum class WeightFormat { bf16, f32, e4m3, e2m1 };
const char* weight_format_name(WeightFormat f);

// A non-owning view of one Linear's weight: [out, in] in the given format.
struct LinearWeight {
  WeightFormat format = WeightFormat::bf16;
  int64_t out = 0, in = 0;
  const void* data = nullptr;   // bf16 / fp32 / e4m3: [out, in]; e2m1: [out, in/2] packed
  const ue8m0* scale = nullptr; // e4m3: [⌈out/128⌉, in/128]; e2m1: [out, in/32]; else unused

  static LinearWeight bf16_weight(const bf16* w, int64_t out, int64_t in) {
    return {WeightFormat::bf16, out, in, w, nullptr};
  }
  static LinearWeight f32_weight(const float* w, int64_t out, int64_t in) {
    return {WeightFormat::f32, out, in, w, nullptr};
  }
  static LinearWeight fp8_weight(const e4m3* w, const ue8m0* s, int64_t out, int64_t in) {
    return {WeightFormat::e4m3, out, in, w, s};
  }
  static LinearWeight fp4_weight(const e2m1x2* w, const ue8m0* s, int64_t out, int64_t in) {
    return {WeightFormat::e2m1, out, in, w, s};
  }
};

// y: [rows, out] bf16 · x: [rows, in] bf16 · w: bf16 [out, in].
void linear_bf16(bf16* y, const bf16* x, const bf16* w, int64_t rows, int64_t in, int64_t out);
// y: [rows, out] fp32 · x: [rows, in] fp32 · w: fp32 [out, in].
void linear_f32(float* y, const float* x, const float* w, int64_t rows, int64_t in, int64_t out);
// y: [rows, out] bf16 · x: [rows, in] bf16; act_quant + fp8_gemm (in % 128 == 0).
void linear_fp8(bf16* y, const bf16* x, const e4m3* w, const ue8m0* w_scale, int64_t rows,
                int64_t in, int64_t out);
// y: [rows, out] bf16 · x: [rows, in] bf16; act_quant + fp4_gemm (in % 128 == 0).
void linear_fp4(bf16* y, const bf16* x, const e2m1x2* w, const ue8m0* w_scale, int64_t rows,
                int64_t in, int64_t out);

// The dispatch for every bf16-output Linear (bf16, e4m3 or e2m1 weight): y: [rows, w.out] bf16 ·
// x: [rows, w.in] bf16. An fp32 weight has fp32 output: use linear_f32.
void linear(bf16* y, const bf16* x, const LinearWeight& w, int64_t rows);

} // namespace v4::reference
