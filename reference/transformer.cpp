#include "reference/transformer.h"

#include <algorithm>
#include <string>
#include <vector>

#include "reference/dense_linear.h"
#include "reference/mhc_head.h"
#include "reference/mhc_sinkhorn.h"
#include "reference/require.h"
#include "reference/rms_norm.h"

namespace v4::reference {
namespace {

void check_transformer(const ModelConfig& cfg, const TransformerWeights& w,
                       const LayerOverrides* forced, const char* function) {
  require(w.embed && w.head.hc_fn && w.head.hc_base && w.head.hc_scale && w.head.norm &&
              w.head.head,
          function, "embed and head weights must be set");
  require(int64_t(w.layers.size()) == cfg.n_layers, function,
          "expected " + std::to_string(cfg.n_layers) + " layers, got " +
              std::to_string(w.layers.size()));
  for (size_t i = 0; i < w.layers.size(); ++i)
    require(w.layers[i].layer == int64_t(i), function,
            "layers[" + std::to_string(i) + "].layer must be " + std::to_string(i));
  require(!forced || forced->size() == w.layers.size(), function,
          "forced index lists: one entry per layer");
}

const IndexOverride* layer_override(const LayerOverrides* forced, size_t i) {
  return forced && (*forced)[i].idx ? &(*forced)[i] : nullptr;
}

// Runs the layers on x [tokens, 4, dim] in place; `step(i, out, in, trace)` runs layer i.
template <class Step>
void run_layers(std::vector<bf16>& x, std::vector<bf16>& tmp, size_t n_layers,
                TransformerTrace* trace, Step&& step) {
  if (trace) {
    trace->layers.assign(n_layers, {});
    trace->blocks.assign(n_layers, {});
  }
  for (size_t i = 0; i < n_layers; ++i) {
    step(i, tmp.data(), x.data(), trace ? &trace->blocks[i] : nullptr);
    std::swap(x, tmp);
    if (trace)
      trace->layers[i] = x;
  }
}

} // namespace

void head_logits(float* logits, const bf16* x, const ModelConfig& cfg, const HeadWeights& w) {
  require(w.hc_fn && w.hc_base && w.hc_scale && w.norm && w.head, "head_logits",
          "head weights must be set");
  require(cfg.dim > 0 && cfg.vocab_size > 0, "head_logits", "dim and vocab_size must be positive");
  std::vector<bf16> h(static_cast<size_t>(cfg.dim)), hn(static_cast<size_t>(cfg.dim));
  hc_head(h.data(), x, w.hc_fn, w.hc_base, w.hc_scale, 1, cfg.dim, float(cfg.hc_eps),
          float(cfg.norm_eps));
  rms_norm(hn.data(), h.data(), w.norm, 1, cfg.dim, float(cfg.norm_eps));
  dense_linear_f32(logits, hn.data(), w.head, 1, cfg.dim, cfg.vocab_size);
}

void embed_streams(bf16* x, const int64_t* ids, const bf16* embed, int64_t tokens,
                   const ModelConfig& cfg) {
  require(tokens >= 0 && cfg.dim > 0 && cfg.hc_mult == kHcMult, "embed_streams",
          "tokens must be >= 0, dim positive and hc_mult 4");
  for (int64_t t = 0; t < tokens; ++t) {
    require(ids[t] >= 0 && ids[t] < cfg.vocab_size, "embed_streams",
            "token id " + std::to_string(ids[t]) + " at " + std::to_string(t) +
                " outside [0, vocab_size = " + std::to_string(cfg.vocab_size) + ")");
    for (int64_t j = 0; j < kHcMult; ++j)
      std::copy(embed + ids[t] * cfg.dim, embed + (ids[t] + 1) * cfg.dim,
                x + (t * kHcMult + j) * cfg.dim);
  }
}

void transformer_prefill(float* logits, TransformerState& state, const int64_t* ids, int64_t tokens,
                         const ModelConfig& cfg, const TransformerWeights& w,
                         TransformerTrace* trace, const LayerOverrides* forced) {
  check_transformer(cfg, w, forced, "transformer_prefill");
  require(tokens > 0 && tokens <= cfg.max_seq_len, "transformer_prefill",
          "tokens must lie in [1, max_seq_len]");
  const int64_t streams = kHcMult * cfg.dim;
  std::vector<bf16> x(static_cast<size_t>(tokens * streams)), tmp(x.size());
  embed_streams(x.data(), ids, w.embed, tokens, cfg);
  state.layers.assign(w.layers.size(), {});
  run_layers(x, tmp, w.layers.size(), trace,
             [&](size_t i, bf16* out, const bf16* in, BlockTrace* bt) {
               block_prefill(out, state.layers[i], in, ids, tokens, cfg, w.layers[i], bt,
                             layer_override(forced, i));
             });
  head_logits(logits, x.data() + (tokens - 1) * streams, cfg, w.head);
  state.next_pos = tokens;
}

void transformer_decode(float* logits, TransformerState& state, int64_t id, int64_t pos,
                        const ModelConfig& cfg, const TransformerWeights& w,
                        TransformerTrace* trace, const LayerOverrides* forced) {
  check_transformer(cfg, w, forced, "transformer_decode");
  require(state.layers.size() == w.layers.size() && state.next_pos > 0 && pos == state.next_pos,
          "transformer_decode",
          "pos " + std::to_string(pos) + " must follow the state's prefill/decode (expected " +
              std::to_string(state.next_pos) + "; prefill first)");
  std::vector<bf16> x(static_cast<size_t>(kHcMult * cfg.dim)), tmp(x.size());
  embed_streams(x.data(), &id, w.embed, 1, cfg);
  run_layers(x, tmp, w.layers.size(), trace,
             [&](size_t i, bf16* out, const bf16* in, BlockTrace* bt) {
               block_decode(out, state.layers[i], in, id, pos, cfg, w.layers[i], bt,
                            layer_override(forced, i));
             });
  head_logits(logits, x.data(), cfg, w.head);
  state.next_pos = pos + 1;
}

} // namespace v4::reference
