#include "reference/block_quant.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <string>

#include "reference/require.h"

namespace v4::reference {

int pow2_scale_exponent(float amax, ScaleRule rule) {
  const float a = std::max(amax, rule.floor);
  const float t = a * (1.0f / rule.q_max);  // fp32 product with the fp32 reciprocal, as [C]
  const uint32_t bits = std::bit_cast<uint32_t>(t);
  const int biased = int((bits >> 23) & 0xFF);
  const bool has_mantissa = (bits & 0x7FFFFF) != 0;
  return biased - 127 + (has_mantissa ? 1 : 0);
}

void decode_finite(float* out, const bf16* x, int64_t n, int64_t first_index, const char* function) {
  for (int64_t i = 0; i < n; ++i) {
    out[i] = bf16_decode(x[i]);
    if (!std::isfinite(out[i])) {  // the message is built only on failure (this runs per element)
      require(false, function,
              "input element " + std::to_string(first_index + i) + " is " + std::to_string(out[i]) +
                  "; quantizer inputs must be finite (spec D6)");
    }
  }
}

namespace {
float block_amax(const float* v, int64_t n) {
  float amax = 0.0f;
  for (int64_t i = 0; i < n; ++i) amax = std::max(amax, std::fabs(v[i]));
  return amax;
}
}  // namespace

int quantize_block_e4m3(e4m3* q, const float* v, int64_t n) {
  const int e = pow2_scale_exponent(block_amax(v, n), kE4m3ScaleRule);
  const float inv_scale = exp2_exact(-e);  // v·2^-e is exact: the same as v / s
  for (int64_t j = 0; j < n; ++j) q[j] = e4m3_encode(std::clamp(v[j] * inv_scale, -kE4m3Max, kE4m3Max));
  return e;
}

int quantize_block_e2m1(e2m1x2* q, int64_t first, const float* v, int64_t n) {
  const int e = pow2_scale_exponent(block_amax(v, n), kE2m1ScaleRule);
  const float inv_scale = exp2_exact(-e);
  for (int64_t j = 0; j < n; ++j) {
    e2m1_set(q, first + j, e2m1_encode(std::clamp(v[j] * inv_scale, -kE2m1Max, kE2m1Max)));
  }
  return e;
}

}  // namespace v4::reference
