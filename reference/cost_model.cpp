#include "reference/cost_model.h"

#include <algorithm>

#include "reference/require.h"

namespace v4::reference {

LayerCounts layer_counts(const ModelConfig& c) {
  require(int64_t(c.compress_ratios.size()) >= c.n_layers, "layer_counts",
          "compress_ratios shorter than n_layers");
  LayerCounts counts;
  for (int64_t l = 0; l < c.n_layers; ++l) {
    const int64_t m = c.compress_ratio(l);
    require(m == 0 || m == 4 || m == 128, "layer_counts", "compress ratio must be 0, 4 or 128");
    (m == 0 ? counts.swa : m == 4 ? counts.csa : counts.hca) += 1;
  }
  return counts;
}

double v32_kv_cache_bytes(int64_t n) {
  return double(kV32Layers) * double(n) * (kV32MlaEntryBytes + kV32IndexerEntryBytes);
}

double v4_kv_cache_bytes(const ModelConfig& c, int64_t n) {
  const LayerCounts k = layer_counts(c);
  return double(k.csa) * double(n / 4) * (kV4MainEntryBytes + kV4IndexerEntryBytes) +
         double(k.hca) * double(n / 128) * kV4MainEntryBytes +
         double(c.n_layers) * double(std::min(n, c.window_size)) * kV4MainEntryBytes;
}

double gqa8_kv_cache_bytes(int64_t layers, int64_t n) {
  return double(layers) * double(n) * 8 * 128 * 2 * 2;
}

double TokenFlops::total(bool weighted) const {
  if (!weighted)
    return linear + indexer + core;
  return linear + indexer_weight * indexer + kWeightBf16 * core;
}

TokenFlops v32_token_flops(int64_t n) {
  TokenFlops f;
  f.linear = 2 * (kV32ActivatedParams - kV32EmbeddingParams);
  f.indexer = double(kV32Layers) * double(n) * 64 * 128 * 2;
  // MLA in absorbed form: d_qk = 576, d_v = 512, 128 heads, top-2048 entries.
  f.core = double(kV32Layers) * 128 * 2 * (576 + 512) * double(std::min<int64_t>(n, 2048));
  f.indexer_weight = 1;
  return f;
}

TokenFlops v4_token_flops(const ModelConfig& c, int64_t n, double activated_params) {
  const LayerCounts k = layer_counts(c);
  TokenFlops f;
  f.linear = 2 * (activated_params - double(c.vocab_size) * double(c.dim));
  f.indexer =
      double(k.csa) * double(n / 4) * double(c.index_n_heads) * double(c.index_head_dim) * 2;
  const double per_entry =
      double(c.n_heads) * 2 * double(2 * c.head_dim); // d_qk = d_v = head_dim (K = V)
  const double window = double(std::min(n, c.window_size));
  f.core = double(k.swa) * per_entry * window +
           double(k.csa) * per_entry * (double(std::min(c.index_topk, n / 4)) + window) +
           double(k.hca) * per_entry * (double(n / 128) + window);
  f.indexer_weight = kWeightFp4;
  return f;
}

} // namespace v4::reference
