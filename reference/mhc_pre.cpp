#include "reference/mhc_pre.h"

#include <vector>

#include "reference/mhc_sinkhorn.h"
#include "reference/require.h"
#include "reference/rms_norm.h"

namespace v4::reference {

void hc_mixes(float* mixes, const bf16* x, const float* fn, int64_t tokens, int64_t dim,
              int64_t n_mix, float norm_eps) {
  require(tokens >= 0 && dim > 0 && n_mix > 0, "hc_mixes", "tokens must be >= 0, dim and n_mix positive");
  const int64_t width = kHcMult * dim;
  std::vector<double> xt(static_cast<size_t>(width));
  for (int64_t t = 0; t < tokens; ++t) {
    double sum_sq = 0.0;
    for (int64_t i = 0; i < width; ++i) {
      xt[i] = bf16_decode(x[t * width + i]);
      sum_sq += xt[i] * xt[i];
    }
    const float inv = rms_rsqrt(sum_sq, width, norm_eps);
    for (int64_t m = 0; m < n_mix; ++m) {
      double dot = 0.0;
      for (int64_t i = 0; i < width; ++i) dot += double(fn[m * width + i]) * xt[i];
      mixes[t * n_mix + m] = float(dot) * inv;
    }
  }
}

void hc_weighted_sum(bf16* y, const float* weight, const bf16* x, int64_t tokens, int64_t dim) {
  require(tokens >= 0 && dim > 0, "hc_weighted_sum", "tokens must be >= 0 and dim positive");
  for (int64_t t = 0; t < tokens; ++t) {
    for (int64_t i = 0; i < dim; ++i) {
      double sum = 0.0;
      for (int64_t j = 0; j < kHcMult; ++j) {
        sum += double(weight[t * kHcMult + j]) * bf16_decode(x[(t * kHcMult + j) * dim + i]);
      }
      y[t * dim + i] = bf16_encode(float(sum));
    }
  }
}

void hc_pre(bf16* y, float* post, float* comb, const bf16* x, const float* fn, const float* base,
            const float* scale, int64_t tokens, int64_t dim, int sinkhorn_iters, float hc_eps,
            float norm_eps) {
  require(tokens >= 0 && dim > 0 && sinkhorn_iters >= 1, "hc_pre", "tokens must be >= 0, dim and sinkhorn_iters positive");
  std::vector<float> mixes(size_t(tokens * kHcMixes)), pre(size_t(tokens * kHcMult));
  hc_mixes(mixes.data(), x, fn, tokens, dim, kHcMixes, norm_eps);
  hc_split_sinkhorn(pre.data(), post, comb, mixes.data(), base, scale, tokens, sinkhorn_iters, hc_eps);
  hc_weighted_sum(y, pre.data(), x, tokens, dim);
}

}  // namespace v4::reference
