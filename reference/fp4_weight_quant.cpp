#include "reference/fp4_weight_quant.h"

#include <cmath>
#include <string>

#include "reference/block_quant.h"
#include "reference/fp4_act_quant.h"
#include "reference/require.h"

namespace v4::reference {

void fp4_weight_quant(e2m1x2* w4, ue8m0* s, const float* w, int64_t n, int64_t k) {
  require(n >= 0 && k > 0 && k % kFp4Block == 0, "fp4_weight_quant",
          "k must be a positive multiple of 32");
  for (int64_t i = 0; i < n * k; ++i) {
    if (!std::isfinite(w[i])) {  // the message is built only on failure (this runs per element)
      require(false, "fp4_weight_quant", "weight element " + std::to_string(i) + " is not finite (spec D6)");
    }
  }
  for (int64_t base = 0; base < n * k; base += kFp4Block) {
    s[base / kFp4Block] = ue8m0_from_exponent(quantize_block_e2m1(w4, base, w + base, kFp4Block));
  }
}

}  // namespace v4::reference
