#include "reference/act_quant.h"

#include "reference/block_quant.h"
#include "reference/require.h"

namespace v4::reference {

void act_quant(e4m3* q, ue8m0* s, const bf16* x, int64_t rows, int64_t cols) {
  require(rows >= 0 && cols > 0 && cols % kActQuantBlock == 0, "act_quant",
          "cols must be a positive multiple of 128");
  const int64_t blocks = cols / kActQuantBlock;
  float v[kActQuantBlock];
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t b = 0; b < blocks; ++b) {
      const int64_t base = r * cols + b * kActQuantBlock;
      decode_finite(v, x + base, kActQuantBlock, base, "act_quant");
      s[r * blocks + b] = ue8m0_from_exponent(quantize_block_e4m3(q + base, v, kActQuantBlock));
    }
  }
}

}  // namespace v4::reference
