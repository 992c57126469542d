#include "reference/mhc_head.h"

#include <vector>

#include "reference/mhc_pre.h"
#include "reference/mhc_sinkhorn.h"
#include "reference/require.h"

namespace v4::reference {

void hc_head(bf16* y, const bf16* x, const float* fn, const float* base, const float* scale,
             int64_t tokens, int64_t dim, float hc_eps, float norm_eps) {
  require(tokens >= 0 && dim > 0, "hc_head", "tokens must be >= 0 and dim positive");
  std::vector<float> pre(size_t(tokens * kHcMult));
  hc_mixes(pre.data(), x, fn, tokens, dim, kHcMult, norm_eps);
  for (int64_t i = 0; i < tokens * kHcMult; ++i) {
    pre[i] = sigmoid_fp32(pre[i] * scale[0] + base[i % kHcMult]) + hc_eps;
  }
  hc_weighted_sum(y, pre.data(), x, tokens, dim);
}

}  // namespace v4::reference
