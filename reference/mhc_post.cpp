#include "reference/mhc_post.h"

#include "reference/mhc_sinkhorn.h"
#include "reference/require.h"

namespace v4::reference {

void hc_post(bf16* out, const bf16* f, const bf16* residual, const float* post, const float* comb,
             int64_t tokens, int64_t dim) {
  require(tokens >= 0 && dim > 0, "hc_post", "tokens must be >= 0 and dim positive");
  for (int64_t t = 0; t < tokens; ++t) {
    const float* c = comb + t * kHcMult * kHcMult;
    for (int64_t k = 0; k < kHcMult; ++k) {
      for (int64_t i = 0; i < dim; ++i) {
        double sum = double(post[t * kHcMult + k]) * bf16_decode(f[t * dim + i]);
        for (int64_t j = 0; j < kHcMult; ++j) {
          sum += double(c[j * kHcMult + k]) * bf16_decode(residual[(t * kHcMult + j) * dim + i]);
        }
        out[(t * kHcMult + k) * dim + i] = bf16_encode(float(sum));
      }
    }
  }
}

}  // namespace v4::reference
