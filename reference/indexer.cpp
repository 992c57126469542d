#include "reference/indexer.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "reference/dense_linear.h"
#include "reference/fp4_act_quant.h"
#include "reference/hadamard.h"
#include "reference/require.h"

namespace v4::reference {
namespace {

// bf16 → double by its bits (the same value as bf16_decode, inlined for the inner loops).
inline double widen(bf16 v) {
  return double(std::bit_cast<float>(uint32_t(v.bits) << 16));
}

void check_params(const IndexerParams& p, const char* function) {
  require(p.dim > 0 && p.q_lora_rank > 0 && p.n_heads > 0 && p.head_dim > 0 && p.topk > 0, function,
          "dimensions and topk must be positive");
  require((p.wq_b || p.lin_wq_b.data) && p.weights_proj, function, "weights must be set");
  require(!p.lin_wq_b.data ||
              (p.lin_wq_b.in == p.q_lora_rank && p.lin_wq_b.out == p.n_heads * p.head_dim),
          function, "wq_b Linear weight must be [n_heads·head_dim, q_lora_rank]");
  require(
      p.compressor.head_dim == p.head_dim && p.compressor.ratio == p.ratio && p.compressor.rotate,
      function, "the indexer compressor must be rotating, with the indexer's head_dim and ratio");
}

} // namespace

void indexer_query(bf16* q, const bf16* qr, const int64_t* positions, int64_t rows,
                   const IndexerParams& p) {
  check_params(p, "indexer_query");
  const int64_t heads = p.n_heads, hd = p.head_dim;
  if (p.lin_wq_b.data)
    linear(q, qr, p.lin_wq_b, rows);
  else
    dense_linear_bf16(q, qr, p.wq_b, rows, p.q_lora_rank, heads * hd);
  rope_apply(q, q, positions, rows, heads, hd, p.rope, false);
  hadamard(q, q, rows * heads, hd);
  fp4_act_quant_sim(q, q, rows * heads, hd);
}

void indexer_head_weights(bf16* w, const bf16* x, int64_t rows, const IndexerParams& p) {
  check_params(p, "indexer_head_weights");
  dense_linear_bf16(w, x, p.weights_proj, rows, p.dim, p.n_heads);
  // [C]: softmax_scale · n_heads^-0.5 is a Python double; the bf16 tensor times that scalar is
  // computed in fp32 and rounded to bf16.
  const float factor =
      float(std::pow(double(p.head_dim), -0.5) * std::pow(double(p.n_heads), -0.5));
  for (int64_t i = 0; i < rows * p.n_heads; ++i)
    w[i] = bf16_encode(bf16_decode(w[i]) * factor);
}

void indexer_scores(bf16* scores, const bf16* q, const bf16* w, const bf16* keys, int64_t rows,
                    int64_t heads, int64_t head_dim, int64_t n_keys) {
  require(rows >= 0 && heads > 0 && head_dim > 0 && n_keys >= 0, "indexer_scores", "bad sizes");
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t t = 0; t < n_keys; ++t) {
      const bf16* k = keys + t * head_dim;
      double sum = 0; // over heads: fp32 accumulation in [C], exact here
      for (int64_t h = 0; h < heads; ++h) {
        const bf16* qh = q + (r * heads + h) * head_dim;
        double dot = 0;
        for (int64_t d = 0; d < head_dim; ++d)
          dot += widen(qh[d]) * widen(k[d]);
        const float logit = round_bf16(float(dot)); // bf16 einsum: fp32 accumulate, bf16 out
        const float relu = std::max(logit, 0.0f);
        sum += round_bf16(relu * bf16_decode(w[r * heads + h])); // exact fp32 product, bf16
      }
      scores[r * n_keys + t] = bf16_encode(float(sum));
    }
  }
}

void indexer_topk(int32_t* idx, const bf16* scores, const int64_t* n_valid, int64_t rows,
                  int64_t n_keys, int64_t width, int64_t offset) {
  require(rows >= 0 && width >= 0 && n_keys >= 0, "indexer_topk", "bad sizes");
  std::vector<int64_t> order;
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t valid = n_valid[r];
    require(valid >= 0 && valid <= n_keys, "indexer_topk", "n_valid must lie in [0, n_keys]");
    const bf16* s = scores + r * n_keys;
    order.resize(size_t(valid));
    std::iota(order.begin(), order.end(), int64_t(0));
    const int64_t take = std::min(width, valid);
    // D4: score descending, then index ascending (a strict weak order, so the result is unique).
    std::partial_sort(order.begin(), order.begin() + take, order.end(), [&](int64_t a, int64_t b) {
      const float sa = bf16_decode(s[a]), sb = bf16_decode(s[b]);
      return sa > sb || (sa == sb && a < b);
    });
    for (int64_t j = 0; j < width; ++j) {
      idx[r * width + j] = j < take ? int32_t(order[size_t(j)] + offset) : -1;
    }
  }
}

int64_t indexer_prefill(int32_t* idx, bf16* keys, CompressorState* state, bf16* scores,
                        const bf16* x, const bf16* qr, int64_t tokens, int64_t offset,
                        const IndexerParams& p) {
  check_params(p, "indexer_prefill");
  const int64_t heads = p.n_heads, hd = p.head_dim, n_keys = tokens / p.ratio;
  const int64_t width = std::min(p.topk, n_keys);
  std::vector<int64_t> positions(static_cast<size_t>(tokens)), n_valid(static_cast<size_t>(tokens));
  for (int64_t t = 0; t < tokens; ++t) {
    positions[size_t(t)] = t;
    n_valid[size_t(t)] = indexer_visible(t, p.ratio);
  }
  std::vector<bf16> q(static_cast<size_t>(tokens * heads * hd)),
      w(static_cast<size_t>(tokens * heads)), s(size_t(tokens * n_keys));
  indexer_query(q.data(), qr, positions.data(), tokens, p);
  compressor_prefill(keys, state, x, tokens, p.compressor);
  indexer_head_weights(w.data(), x, tokens, p);
  indexer_scores(s.data(), q.data(), w.data(), keys, tokens, heads, hd, n_keys);
  indexer_topk(idx, s.data(), n_valid.data(), tokens, n_keys, width, offset);
  if (scores) {
    const bf16 neg_inf = bf16_encode(-std::numeric_limits<float>::infinity());
    for (int64_t t = 0; t < tokens; ++t) {
      for (int64_t k = 0; k < n_keys; ++k) {
        scores[t * n_keys + k] = k < n_valid[size_t(t)] ? s[size_t(t * n_keys + k)] : neg_inf;
      }
    }
  }
  return width;
}

int64_t indexer_decode(int32_t* idx, bf16* keys, CompressorState& state, bf16* scores,
                       const bf16* x, const bf16* qr, int64_t pos, int64_t offset,
                       const IndexerParams& p) {
  check_params(p, "indexer_decode");
  const int64_t heads = p.n_heads, hd = p.head_dim, n_keys = indexer_visible(pos, p.ratio);
  const int64_t width = std::min(p.topk, n_keys);
  std::vector<bf16> q(static_cast<size_t>(heads * hd)), w(static_cast<size_t>(heads)),
      s(static_cast<size_t>(n_keys));
  indexer_query(q.data(), qr, &pos, 1, p);
  std::vector<bf16> entry(static_cast<size_t>(hd));
  if (compressor_decode(entry.data(), state, x, pos,
                        p.compressor)) { // this token completes block n_keys − 1
    std::copy(entry.begin(), entry.end(), keys + (n_keys - 1) * hd);
  }
  indexer_head_weights(w.data(), x, 1, p);
  indexer_scores(s.data(), q.data(), w.data(), keys, 1, heads, hd, n_keys);
  indexer_topk(idx, s.data(), &n_keys, 1, n_keys, width, offset);
  if (scores)
    std::copy(s.begin(), s.end(), scores);
  return width;
}

} // namespace v4::reference
