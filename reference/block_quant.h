// The block quantization core shared by every V4 quantizer (spec §2.1):
//   a = max(amax, FLOOR);  t = fl32(a · fl32(1/Q));  e = ceil(log2 t) read off t's bits;  s = 2^e
// so |x/s| <= Q always holds exactly and x/s is exact (division by a power of two). The clamp
// to ±Q is kept as in [C] even though it never binds for bf16 input.
#pragma once

#include <cstdint>

#include "reference/formats.h"

namespace v4::reference {

struct ScaleRule {
  float q_max; // 448 (e4m3) or 6 (e2m1)
  float floor; // lower bound on amax
};
inline constexpr ScaleRule kE4m3ScaleRule{448.0f, 1e-4f};
inline constexpr ScaleRule kE2m1ScaleRule{6.0f, 6.0f * 0x1p-126f};

// Exponent e of the scale 2^e for a block whose largest magnitude is amax (finite, >= 0).
int pow2_scale_exponent(float amax, ScaleRule rule);

// Decodes n bf16 values into out[0..n); throws std::invalid_argument naming `function` and the
// flat element index (first_index + i) if any is NaN or Inf (spec D6).
void decode_finite(float* out, const bf16* x, int64_t n, int64_t first_index, const char* function);

// Quantize one block of finite values; return the scale exponent e (s = 2^e).
int quantize_block_e4m3(e4m3* q, const float* v, int64_t n);
// Codes go to elements [first, first + n) of the packed array q.
int quantize_block_e2m1(e2m1x2* q, int64_t first, const float* v, int64_t n);

} // namespace v4::reference
