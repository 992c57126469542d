#include "reference/mhc_sinkhorn.h"

#include <algorithm>
#include <cmath>

#include "reference/require.h"

namespace v4::reference {

float sigmoid_fp32(float z) { return float(1.0 / (1.0 + std::exp(-double(z)))); }

namespace {

// One 4×4 matrix. Every operation is rounded to fp32 where the model rounds it; each sum is
// accumulated in double and rounded once.
void sinkhorn_one(float* m, const float* a, int iters, float eps) {
  constexpr int n = int(kHcMult);
  for (int j = 0; j < n; ++j) {  // row softmax, then + eps
    float row_max = a[j * n];
    for (int k = 1; k < n; ++k) row_max = std::max(row_max, a[j * n + k]);
    float e[n];
    double sum = 0.0;
    for (int k = 0; k < n; ++k) {
      e[k] = float(std::exp(double(a[j * n + k] - row_max)));
      sum += e[k];
    }
    for (int k = 0; k < n; ++k) m[j * n + k] = e[k] / float(sum) + eps;
  }
  auto column_step = [&] {
    for (int k = 0; k < n; ++k) {
      double sum = 0.0;
      for (int j = 0; j < n; ++j) sum += m[j * n + k];
      const float denominator = float(sum) + eps;
      for (int j = 0; j < n; ++j) m[j * n + k] /= denominator;
    }
  };
  auto row_step = [&] {
    for (int j = 0; j < n; ++j) {
      double sum = 0.0;
      for (int k = 0; k < n; ++k) sum += m[j * n + k];
      const float denominator = float(sum) + eps;
      for (int k = 0; k < n; ++k) m[j * n + k] /= denominator;
    }
  };
  column_step();
  for (int i = 1; i < iters; ++i) {
    row_step();
    column_step();
  }
}

}  // namespace

void sinkhorn(float* comb, const float* logits, int64_t tokens, int iters, float eps) {
  require(tokens >= 0 && iters >= 1, "sinkhorn", "tokens must be >= 0 and iters >= 1");
  for (int64_t t = 0; t < tokens; ++t) {
    for (int64_t i = 0; i < kHcMult * kHcMult; ++i) {
      require(std::isfinite(logits[t * 16 + i]), "sinkhorn", "logits must be finite");
    }
    sinkhorn_one(comb + t * 16, logits + t * 16, iters, eps);
  }
}

void hc_split_sinkhorn(float* pre, float* post, float* comb, const float* mixes, const float* base,
                       const float* scale, int64_t tokens, int iters, float eps) {
  require(tokens >= 0 && iters >= 1, "hc_split_sinkhorn", "tokens must be >= 0 and iters >= 1");
  for (int64_t t = 0; t < tokens; ++t) {
    const float* mu = mixes + t * kHcMixes;
    float a[kHcMult * kHcMult];
    for (int64_t j = 0; j < kHcMult; ++j) {
      pre[t * kHcMult + j] = sigmoid_fp32(mu[j] * scale[0] + base[j]) + eps;
      post[t * kHcMult + j] = 2.0f * sigmoid_fp32(mu[4 + j] * scale[1] + base[4 + j]);
    }
    for (int64_t i = 0; i < kHcMult * kHcMult; ++i) a[i] = mu[8 + i] * scale[2] + base[8 + i];
    sinkhorn(comb + t * 16, a, 1, iters, eps);
  }
}

}  // namespace v4::reference
