#include "reference/moe_gate.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include "reference/require.h"

namespace v4::reference {

float sqrt_softplus(float logit) {
  // softplus as torch: log1p(exp(l)), or l itself above the threshold 20.
  const float sp = logit > 20.0f ? logit : float(std::log1p(std::exp(double(logit))));
  return float(std::sqrt(double(sp))); // correctly rounded fp32 sqrt
}

void moe_gate_activate(float* scores, const float* logits, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    scores[i] = sqrt_softplus(logits[i]);
}

void moe_gate_logits(float* logits, const bf16* x, const bf16* w, int64_t tokens, int64_t dim,
                     int64_t experts) {
  require(tokens >= 0 && dim > 0 && experts > 0, "moe_gate_logits", "bad shape");
  for (int64_t t = 0; t < tokens; ++t) {
    for (int64_t j = 0; j < dim; ++j) {
      if (!(std::isfinite(bf16_decode(x[t * dim + j]))))
        require(false, "moe_gate_logits",
                "x element " + std::to_string(t * dim + j) + " is not finite");
    }
    for (int64_t e = 0; e < experts; ++e) {
      double dot = 0.0;
      for (int64_t j = 0; j < dim; ++j)
        dot += double(bf16_decode(x[t * dim + j])) * bf16_decode(w[e * dim + j]);
      logits[t * experts + e] = float(dot);
    }
  }
}

void moe_gate_scores(float* scores, const bf16* x, const bf16* w, int64_t tokens, int64_t dim,
                     int64_t experts) {
  moe_gate_logits(scores, x, w, tokens, dim, experts);
  moe_gate_activate(scores, scores, tokens * experts);
}

void moe_gate_biased(float* biased, const float* scores, const float* bias, int64_t tokens,
                     int64_t experts) {
  for (int64_t t = 0; t < tokens; ++t)
    for (int64_t e = 0; e < experts; ++e)
      biased[t * experts + e] = bias ? scores[t * experts + e] + bias[e] : scores[t * experts + e];
}

void topk_lower_index_wins(int32_t* idx, const float* values, int64_t n, int64_t k) {
  require(k >= 0 && k <= n, "topk_lower_index_wins", "k must be in [0, n]");
  std::vector<int32_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](int32_t a, int32_t b) {
    return values[a] > values[b] || (values[a] == values[b] && a < b);
  });
  std::copy(order.begin(), order.begin() + k, idx);
}

void moe_gate_weights(float* weights, const float* scores, const int32_t* indices, int64_t tokens,
                      int64_t experts, int64_t k, float route_scale) {
  for (int64_t t = 0; t < tokens; ++t) {
    double sum = 0.0;
    for (int64_t j = 0; j < k; ++j) {
      const int32_t e = indices[t * k + j];
      if (!(e >= 0 && e < experts))
        require(false, "moe_gate_weights", "expert index " + std::to_string(e) + " out of range");
      sum += scores[t * experts + e];
    }
    const float total = float(sum);
    for (int64_t j = 0; j < k; ++j) {
      const float normalized = scores[t * experts + indices[t * k + j]] / total;
      weights[t * k + j] = normalized * route_scale;
    }
  }
}

void moe_gate_route(float* weights, int32_t* indices, const float* scores, const float* bias,
                    int64_t tokens, int64_t experts, int64_t k, float route_scale) {
  require(k > 0 && k <= experts, "moe_gate_route", "k must be in [1, experts]");
  std::vector<float> biased(static_cast<size_t>(experts));
  for (int64_t t = 0; t < tokens; ++t) {
    moe_gate_biased(biased.data(), scores + t * experts, bias, 1, experts);
    topk_lower_index_wins(indices + t * k, biased.data(), experts, k);
  }
  moe_gate_weights(weights, scores, indices, tokens, experts, k, route_scale);
}

void moe_gate_hash(float* weights, int32_t* indices, const float* scores, const int32_t* tid2eid,
                   const int64_t* token_ids, int64_t tokens, int64_t experts, int64_t k,
                   int64_t vocab, float route_scale) {
  require(k > 0 && k <= experts, "moe_gate_hash", "k must be in [1, experts]");
  for (int64_t t = 0; t < tokens; ++t) {
    const int64_t id = token_ids[t];
    if (!(id >= 0 && id < vocab))
      require(false, "moe_gate_hash", "token id " + std::to_string(id) + " outside the vocabulary");
    for (int64_t j = 0; j < k; ++j)
      indices[t * k + j] = tid2eid[id * k + j];
  }
  moe_gate_weights(weights, scores, indices, tokens, experts, k, route_scale);
}

void moe_gate_from_logits(float* weights, int32_t* indices, const float* logits,
                          const int64_t* token_ids, const GateParams& p, int64_t tokens) {
  std::vector<float> scores(size_t(tokens * p.experts));
  moe_gate_activate(scores.data(), logits, tokens * p.experts);
  if (p.tid2eid) {
    require(token_ids != nullptr, "moe_gate", "hash routing needs token ids");
    moe_gate_hash(weights, indices, scores.data(), p.tid2eid, token_ids, tokens, p.experts, p.k,
                  p.vocab, p.route_scale);
  } else {
    moe_gate_route(weights, indices, scores.data(), p.bias, tokens, p.experts, p.k, p.route_scale);
  }
}

void moe_gate(float* weights, int32_t* indices, const bf16* x, const int64_t* token_ids,
              const GateParams& p, int64_t tokens, int64_t dim) {
  std::vector<float> logits(size_t(tokens * p.experts));
  moe_gate_logits(logits.data(), x, p.weight, tokens, dim, p.experts);
  moe_gate_from_logits(weights, indices, logits.data(), token_ids, p, tokens);
}

} // namespace v4::reference
