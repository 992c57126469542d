#include "reference/fp4_act_quant.h"

#include <vector>

#include "reference/block_quant.h"
#include "reference/require.h"

namespace v4::reference {

void fp4_act_quant(e2m1x2* q, ue8m0* s, const bf16* x, int64_t rows, int64_t cols) {
  require(rows >= 0 && cols > 0 && cols % kFp4Block == 0, "fp4_act_quant",
          "cols must be a positive multiple of 32");
  const int64_t blocks = cols / kFp4Block;
  float v[kFp4Block];
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t b = 0; b < blocks; ++b) {
      const int64_t base = r * cols + b * kFp4Block;
      decode_finite(v, x + base, kFp4Block, base, "fp4_act_quant");
      s[r * blocks + b] = ue8m0_from_exponent(quantize_block_e2m1(q, base, v, kFp4Block));
    }
  }
}

void fp4_act_quant_sim(bf16* y, const bf16* x, int64_t rows, int64_t cols) {
  require(rows >= 0 && cols > 0 && cols % kFp4Block == 0, "fp4_act_quant_sim",
          "cols must be a positive multiple of 32");
  float v[kFp4Block];
  e2m1x2 q[kFp4Block / 2] = {};
  for (int64_t base = 0; base < rows * cols; base += kFp4Block) {
    decode_finite(v, x + base, kFp4Block, base, "fp4_act_quant_sim");
    const float scale = exp2_exact(quantize_block_e2m1(q, 0, v, kFp4Block));
    for (int64_t j = 0; j < kFp4Block; ++j)
      y[base + j] = bf16_encode(e2m1_decode(e2m1_get(q, j)) * scale);
  }
}

} // namespace v4::reference
