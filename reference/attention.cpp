#include "reference/attention.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "reference/attention_indices.h"
#include "reference/dense_linear.h"
#include "reference/kv_fp8_sim.h"
#include "reference/require.h"
#include "reference/rms_norm.h"
#include "reference/rope.h"
#include "reference/sparse_attn.h"

namespace v4::reference {
namespace {

void check_layer(const ModelConfig& cfg, int64_t ratio, const AttentionWeights& w,
                 const char* function) {
  require(ratio == 0 || ratio == 4 || ratio == 128, function, "compress ratio must be 0, 4 or 128");
  require(cfg.dim > 0 && cfg.n_heads > 0 && cfg.q_lora_rank > 0 && cfg.o_groups > 0 &&
              cfg.n_heads % cfg.o_groups == 0 && cfg.window_size > 0 && cfg.max_seq_len > 0,
          function, "config dims must be positive and n_heads divisible by o_groups");
  require(cfg.head_dim - cfg.rope_head_dim == kKvSimDims, function,
          "head_dim - rope_head_dim must be 448");
  require((w.wq_a || w.lin_wq_a.data) && w.q_norm && (w.wq_b || w.lin_wq_b.data) &&
              (w.wkv || w.lin_wkv.data) && w.kv_norm && w.wo_a && (w.wo_b || w.lin_wo_b.data) &&
              w.attn_sink,
          function, "attention weights must be set");
  require(ratio == 0 || (w.cmp_wkv && w.cmp_wgate && w.cmp_ape && w.cmp_norm), function,
          "compressor weights must be set");
  require(ratio != 4 || ((w.idx_wq_b || w.lin_idx_wq_b.data) && w.idx_weights_proj &&
                         w.idx_cmp_wkv && w.idx_cmp_wgate && w.idx_cmp_ape && w.idx_cmp_norm),
          function, "indexer weights must be set");
}

// y = x · Wᵀ: the Linear weight when set (any format, reference::linear), else the bf16 one.
void project(bf16* y, const bf16* x, const bf16* w, const LinearWeight& lin, int64_t rows,
             int64_t in, int64_t out, const char* name) {
  if (!lin.data)
    return dense_linear_bf16(y, x, w, rows, in, out);
  require(lin.in == in && lin.out == out, "attention",
          std::string(name) + " Linear weight must be [" + std::to_string(out) + ", " +
              std::to_string(in) + "]");
  linear(y, x, lin, rows);
}

// The query and KV rows of `tokens` tokens at `positions` (spec §11.1).
// q: [tokens, H, D] · qr: [tokens, q_lora] · kv: [tokens, D].
void project_q_kv(std::vector<bf16>& q, std::vector<bf16>& qr, std::vector<bf16>& kv, const bf16* x,
                  const int64_t* positions, int64_t tokens, const ModelConfig& cfg,
                  const RopeParams& rope, const AttentionWeights& w) {
  const int64_t H = cfg.n_heads, D = cfg.head_dim, dim = cfg.dim, ql = cfg.q_lora_rank;
  const float eps = float(cfg.norm_eps);
  std::vector<bf16> t(static_cast<size_t>(tokens * std::max(ql, D)));
  qr.resize(size_t(tokens * ql));
  project(t.data(), x, w.wq_a, w.lin_wq_a, tokens, dim, ql, "wq_a");
  rms_norm(qr.data(), t.data(), w.q_norm, tokens, ql, eps);
  q.resize(size_t(tokens * H * D));
  project(q.data(), qr.data(), w.wq_b, w.lin_wq_b, tokens, ql, H * D, "wq_b");
  rms_norm_head(q.data(), q.data(), tokens, H, D, eps);
  rope_apply(q.data(), q.data(), positions, tokens, H, D, rope, false);
  kv.resize(size_t(tokens * D));
  project(t.data(), x, w.wkv, w.lin_wkv, tokens, dim, D, "wkv");
  rms_norm(kv.data(), t.data(), w.kv_norm, tokens, D, eps);
  rope_apply(kv.data(), kv.data(), positions, tokens, 1, D, rope, false);
  kv_fp8_sim(kv.data(), kv.data(), tokens, D);
}

// sparse_attn, de-rotation and the output projection (spec §11.2-§12).
void attend_and_project(bf16* y, const std::vector<bf16>& q, const bf16* kv, int64_t n_kv,
                        const int32_t* idx, int64_t width, const int64_t* positions, int64_t tokens,
                        const ModelConfig& cfg, const RopeParams& rope, const AttentionWeights& w,
                        AttentionTrace* trace) {
  const int64_t H = cfg.n_heads, D = cfg.head_dim;
  std::vector<bf16> o(static_cast<size_t>(tokens * H * D));
  const float scale = float(std::pow(double(D), -0.5));
  sparse_attn(o.data(), q.data(), kv, w.attn_sink, idx, tokens, H, D, n_kv, width, scale);
  if (trace) {
    trace->q = q;
    trace->kv.assign(kv, kv + n_kv * D);
    trace->idx.assign(idx, idx + tokens * width);
    trace->width = width;
    trace->o = o;
  }
  rope_apply(o.data(), o.data(), positions, tokens, H, D, rope, true);
  attention_output(y, o.data(), w.wo_a, w.wo_b, tokens, H, D, cfg.o_groups, cfg.o_lora_rank,
                   cfg.dim, w.lin_wo_b);
}

// Concatenates two [tokens, *] int32 lists row by row.
std::vector<int32_t> concat_lists(const std::vector<int32_t>& a, int64_t wa,
                                  const std::vector<int32_t>& b, int64_t wb, int64_t tokens) {
  std::vector<int32_t> out(static_cast<size_t>(tokens * (wa + wb)));
  for (int64_t r = 0; r < tokens; ++r) {
    std::copy(a.begin() + r * wa, a.begin() + (r + 1) * wa, out.begin() + r * (wa + wb));
    std::copy(b.begin() + r * wb, b.begin() + (r + 1) * wb, out.begin() + r * (wa + wb) + wa);
  }
  return out;
}

} // namespace

CompressorParams attention_compressor_params(const ModelConfig& cfg, int64_t ratio,
                                             const AttentionWeights& w) {
  CompressorParams p;
  p.dim = cfg.dim;
  p.head_dim = cfg.head_dim;
  p.ratio = ratio;
  p.rotate = false;
  p.norm_eps = float(cfg.norm_eps);
  p.rope = rope_params_for_layer(cfg, ratio);
  p.wkv = w.cmp_wkv;
  p.wgate = w.cmp_wgate;
  p.ape = w.cmp_ape;
  p.norm = w.cmp_norm;
  return p;
}

IndexerParams attention_indexer_params(const ModelConfig& cfg, const AttentionWeights& w) {
  IndexerParams p;
  p.dim = cfg.dim;
  p.q_lora_rank = cfg.q_lora_rank;
  p.n_heads = cfg.index_n_heads;
  p.head_dim = cfg.index_head_dim;
  p.topk = cfg.index_topk;
  p.ratio = 4;
  p.rope = rope_params_for_layer(cfg, 4);
  p.wq_b = w.idx_wq_b;
  p.lin_wq_b = w.lin_idx_wq_b;
  p.weights_proj = w.idx_weights_proj;
  p.compressor.dim = cfg.dim;
  p.compressor.head_dim = cfg.index_head_dim;
  p.compressor.ratio = 4;
  p.compressor.rotate = true;
  p.compressor.norm_eps = float(cfg.norm_eps);
  p.compressor.rope = p.rope;
  p.compressor.wkv = w.idx_cmp_wkv;
  p.compressor.wgate = w.idx_cmp_wgate;
  p.compressor.ape = w.idx_cmp_ape;
  p.compressor.norm = w.idx_cmp_norm;
  return p;
}

void attention_cache_reset(AttentionCache& cache, const ModelConfig& cfg, int64_t ratio) {
  const int64_t rows = cfg.window_size + (ratio ? cfg.max_seq_len / ratio : 0);
  cache.kv.assign(size_t(rows * cfg.head_dim), bf16{0});
  cache.index_keys.clear();
  cache.compressor = {};
  cache.index_compressor = {};
  if (ratio == 4)
    cache.index_keys.assign(size_t(cfg.max_seq_len / 4 * cfg.index_head_dim), bf16{0});
}

void attention_output(bf16* y, const bf16* o, const bf16* wo_a, const bf16* wo_b, int64_t rows,
                      int64_t heads, int64_t head_dim, int64_t groups, int64_t o_lora_rank,
                      int64_t dim, const LinearWeight& lin_wo_b) {
  require(rows >= 0 && groups > 0 && heads % groups == 0 && o_lora_rank > 0 && dim > 0,
          "attention_output", "heads must be divisible by groups");
  const int64_t group_width = heads / groups * head_dim; // heads 8g..8g+7 concatenated head-major
  std::vector<bf16> u(static_cast<size_t>(rows * groups * o_lora_rank));
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t g = 0; g < groups; ++g) {
      const bf16* og = o + (r * heads * head_dim) + g * group_width;
      // The bf16 einsum of [C]: one [o_lora, group_width] linear per group.
      dense_linear_bf16(u.data() + (r * groups + g) * o_lora_rank, og,
                        wo_a + g * o_lora_rank * group_width, 1, group_width, o_lora_rank);
    }
  }
  project(y, u.data(), wo_b, lin_wo_b, rows, groups * o_lora_rank, dim, "wo_b");
}

void attention_prefill(bf16* y, AttentionCache& cache, const bf16* x, int64_t tokens,
                       const ModelConfig& cfg, int64_t ratio, const AttentionWeights& w,
                       AttentionTrace* trace, const IndexOverride* forced) {
  check_layer(cfg, ratio, w, "attention_prefill");
  require(tokens > 0 && tokens <= cfg.max_seq_len, "attention_prefill",
          "tokens must lie in [1, max_seq_len]");
  const int64_t D = cfg.head_dim, W = cfg.window_size;
  const RopeParams rope = rope_params_for_layer(cfg, ratio);
  attention_cache_reset(cache, cfg, ratio);
  std::vector<int64_t> positions(static_cast<size_t>(tokens));
  for (int64_t t = 0; t < tokens; ++t)
    positions[size_t(t)] = t;
  std::vector<bf16> q, qr, kv;
  project_q_kv(q, qr, kv, x, positions.data(), tokens, cfg, rope, w);

  // Index lists: the KV array is [raw rows ; compressed rows], offset = tokens.
  const int64_t ww = window_width_prefill(tokens, W);
  std::vector<int32_t> window(static_cast<size_t>(tokens * ww)), compressed;
  window_indices_prefill(window.data(), tokens, W);
  int64_t wc = 0;
  if (ratio == 4) {
    const IndexerParams ip = attention_indexer_params(cfg, w);
    wc = std::min(ip.topk, tokens / 4);
    compressed.resize(size_t(tokens * wc));
    indexer_prefill(compressed.data(), cache.index_keys.data(), &cache.index_compressor, nullptr, x,
                    qr.data(), tokens, tokens, ip);
  } else if (ratio == 128) {
    wc = tokens / 128;
    compressed.resize(size_t(tokens * wc));
    compressed_indices_prefill(compressed.data(), tokens, 128, tokens);
  }
  const std::vector<int32_t> own = concat_lists(window, ww, compressed, wc, tokens);

  // Cache: the last min(tokens, W) raw rows into their ring slots; compressed entries after W.
  for (int64_t p = std::max<int64_t>(0, tokens - W); p < tokens; ++p) {
    std::copy(kv.begin() + p * D, kv.begin() + (p + 1) * D, cache.kv.begin() + (p % W) * D);
  }
  const int64_t blocks = ratio ? tokens / ratio : 0;
  std::vector<bf16> array = kv;
  if (ratio) {
    array.resize(size_t((tokens + blocks) * D));
    compressor_prefill(array.data() + tokens * D, &cache.compressor, x, tokens,
                       attention_compressor_params(cfg, ratio, w));
    std::copy(array.begin() + tokens * D, array.end(), cache.kv.begin() + W * D);
  }

  const int32_t* idx = forced ? forced->idx : own.data();
  const int64_t width = forced ? forced->width : ww + wc;
  attend_and_project(y, q, array.data(), tokens + blocks, idx, width, positions.data(), tokens, cfg,
                     rope, w, trace);
  if (trace)
    trace->own_idx = own;
}

void attention_decode(bf16* y, AttentionCache& cache, const bf16* x, int64_t pos,
                      const ModelConfig& cfg, int64_t ratio, const AttentionWeights& w,
                      AttentionTrace* trace, const IndexOverride* forced) {
  check_layer(cfg, ratio, w, "attention_decode");
  require(pos >= 1 && pos < cfg.max_seq_len, "attention_decode",
          "pos must lie in [1, max_seq_len)");
  const int64_t D = cfg.head_dim, W = cfg.window_size;
  require(int64_t(cache.kv.size()) == (W + (ratio ? cfg.max_seq_len / ratio : 0)) * D,
          "attention_decode", "cache not prepared by attention_prefill for this layer");
  const RopeParams rope = rope_params_for_layer(cfg, ratio);
  std::vector<bf16> q, qr, kv;
  project_q_kv(q, qr, kv, x, &pos, 1, cfg, rope, w);

  // Index list: the KV array is the cache, offset = W.
  std::vector<int32_t> own(static_cast<size_t>(W));
  window_indices_decode(own.data(), pos, W);
  if (ratio == 4) {
    const IndexerParams ip = attention_indexer_params(cfg, w);
    std::vector<int32_t> c(static_cast<size_t>(std::min(ip.topk, indexer_visible(pos, 4))));
    indexer_decode(c.data(), cache.index_keys.data(), cache.index_compressor, nullptr, x, qr.data(),
                   pos, W, ip);
    own.insert(own.end(), c.begin(), c.end());
  } else if (ratio == 128) {
    std::vector<int32_t> c(static_cast<size_t>((pos + 1) / 128));
    compressed_indices_decode(c.data(), pos, 128, W);
    own.insert(own.end(), c.begin(), c.end());
  }

  std::copy(kv.begin(), kv.end(), cache.kv.begin() + (pos % W) * D);
  if (ratio) {
    std::vector<bf16> entry(static_cast<size_t>(D));
    if (compressor_decode(entry.data(), cache.compressor, x, pos,
                          attention_compressor_params(cfg, ratio, w))) {
      std::copy(entry.begin(), entry.end(), cache.kv.begin() + (W + (pos + 1) / ratio - 1) * D);
    }
  }

  const int32_t* idx = forced ? forced->idx : own.data();
  const int64_t width = forced ? forced->width : int64_t(own.size());
  const int64_t n_kv = int64_t(cache.kv.size()) / D;
  attend_and_project(y, q, cache.kv.data(), n_kv, idx, width, &pos, 1, cfg, rope, w, trace);
  if (trace)
    trace->own_idx = own;
}

} // namespace v4::reference
