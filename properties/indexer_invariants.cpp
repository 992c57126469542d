#include "properties/indexer_invariants.h"

#include <algorithm>
#include <cmath>

#include "properties/interval_invariants.h"
#include "reference/dense_linear.h"
#include "reference/fp4_act_quant.h"
#include "reference/hadamard.h"
#include "reference/rope.h"

namespace v4::properties {

IndexerQueryBounds indexer_query_bounds(const bf16* qr, const bf16* x, const int64_t* positions,
                                        int64_t rows, const reference::IndexerParams& p) {
  const int64_t H = p.n_heads, hd = p.head_dim, n = rows * H * hd;
  IndexerQueryBounds b;
  b.q.resize(static_cast<size_t>(n));
  reference::dense_linear_bf16(b.q.data(), qr, p.wq_b, rows, p.q_lora_rank, H * hd);
  std::vector<double> e =
      linear_bf16_bounds(widen(qr, rows * p.q_lora_rank),
                         std::vector<double>(static_cast<size_t>(rows * p.q_lora_rank), 0.0),
                         p.wq_b, rows, p.q_lora_rank, H * hd);
  e = rope_bounds(widen(b.q.data(), n), e, positions, rows, H, hd, p.rope, false);
  reference::rope_apply(b.q.data(), b.q.data(), positions, rows, H, hd, p.rope, false);
  e = hadamard_bounds(widen(b.q.data(), n), e, rows * H, hd);
  reference::hadamard(b.q.data(), b.q.data(), rows * H, hd);
  b.e_q = quant_sim_bounds(widen(b.q.data(), n), e, rows * H, hd, hd, reference::kFp4Block, true);
  reference::fp4_act_quant_sim(b.q.data(), b.q.data(), rows * H, hd);

  std::vector<bf16> lin(static_cast<size_t>(rows * H));
  reference::dense_linear_bf16(lin.data(), x, p.weights_proj, rows, p.dim, H);
  const std::vector<double> e_lin = linear_bf16_bounds(
      widen(x, rows * p.dim), std::vector<double>(static_cast<size_t>(rows * p.dim), 0.0),
      p.weights_proj, rows, p.dim, H);
  b.w.resize(static_cast<size_t>(rows * H));
  b.e_w.resize(static_cast<size_t>(rows * H));
  reference::indexer_head_weights(b.w.data(), x, rows, p);
  const float factor = float(std::pow(double(hd), -0.5) * std::pow(double(H), -0.5));
  for (int64_t i = 0; i < rows * H; ++i) {
    const double product =
        double(reference::bf16_decode(lin[size_t(i)]) * factor); // the reference's fp32 value
    b.e_w[size_t(i)] =
        bf16_spread(product, double(factor) * e_lin[size_t(i)] + kU32 * std::fabs(product));
  }
  return b;
}

std::vector<double> indexer_score_bounds(const IndexerQueryBounds& qb, const bf16* keys,
                                         const std::vector<double>& e_keys, int64_t rows,
                                         int64_t heads, int64_t head_dim, int64_t n_keys) {
  std::vector<double> bound(static_cast<size_t>(rows * n_keys));
  const auto ek = [&](int64_t i) { return e_keys.empty() ? 0.0 : e_keys[size_t(i)]; };
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t t = 0; t < n_keys; ++t) {
      double sum = 0, mag = 0, e_sum = 0;
      for (int64_t h = 0; h < heads; ++h) {
        const int64_t qb0 = (r * heads + h) * head_dim;
        double dot = 0, dmag = 0, prop = 0;
        for (int64_t d = 0; d < head_dim; ++d) {
          const double q = reference::bf16_decode(qb.q[size_t(qb0 + d)]),
                       k = reference::bf16_decode(keys[t * head_dim + d]);
          dot += q * k;
          dmag += std::fabs(q * k);
          prop += std::fabs(q) * ek(t * head_dim + d) +
                  qb.e_q[size_t(qb0 + d)] * (std::fabs(k) + ek(t * head_dim + d));
        }
        const double logit = double(reference::round_bf16(float(dot)));
        const double e_logit = bf16_spread(dot, prop + double(head_dim) * kU32 * dmag);
        const double relu = std::max(logit, 0.0), e_relu = logit + e_logit > 0 ? e_logit : 0.0;
        const double w = reference::bf16_decode(qb.w[size_t(r * heads + h)]),
                     e_w = qb.e_w[size_t(r * heads + h)];
        const double term = double(reference::round_bf16(float(relu * w)));
        e_sum += bf16_spread(relu * w, e_relu * (std::fabs(w) + e_w) + relu * e_w);
        sum += term;
        mag += std::fabs(term);
      }
      bound[size_t(r * n_keys + t)] = bf16_spread(sum, e_sum + double(heads) * kU32 * mag);
    }
  }
  return bound;
}

} // namespace v4::properties
