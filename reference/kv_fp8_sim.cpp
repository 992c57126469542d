#include "reference/kv_fp8_sim.h"

#include <algorithm>

#include "reference/block_quant.h"
#include "reference/require.h"

namespace v4::reference {

void kv_fp8_sim(bf16* y, const bf16* x, int64_t rows, int64_t dim) {
  require(rows >= 0 && dim >= kKvSimDims, "kv_fp8_sim", "dim must be at least 448");
  float v[kKvSimBlock];
  e4m3 q[kKvSimBlock];
  for (int64_t r = 0; r < rows; ++r) {
    const bf16* xr = x + r * dim;
    bf16* yr = y + r * dim;
    for (int64_t base = 0; base < kKvSimDims; base += kKvSimBlock) {
      decode_finite(v, xr + base, kKvSimBlock, r * dim + base, "kv_fp8_sim");
      const float scale = exp2_exact(quantize_block_e4m3(q, v, kKvSimBlock));
      for (int64_t j = 0; j < kKvSimBlock; ++j)
        yr[base + j] = bf16_encode(e4m3_decode(q[j]) * scale);
    }
    if (yr != xr)
      std::copy(xr + kKvSimDims, xr + dim, yr + kKvSimDims); // RoPE dims: bit for bit
  }
}

} // namespace v4::reference
