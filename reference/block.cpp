#include "reference/block.h"

#include <string>
#include <vector>

#include "reference/mhc_post.h"
#include "reference/mhc_pre.h"
#include "reference/mhc_sinkhorn.h"
#include "reference/require.h"
#include "reference/rms_norm.h"

namespace v4::reference {
namespace {

void check_block(const ModelConfig& cfg, const BlockWeights& w, const int64_t* token_ids,
                 const char* function) {
  require(cfg.hc_mult == kHcMult, function,
          "hc_mult must be " + std::to_string(kHcMult) + " (got " + std::to_string(cfg.hc_mult) +
              ")");
  require(w.layer >= 0 && w.layer < int64_t(cfg.compress_ratios.size()), function,
          "layer " + std::to_string(w.layer) + " has no compress ratio in the config (" +
              std::to_string(cfg.compress_ratios.size()) + " entries)");
  require(w.hc_attn_fn && w.hc_attn_base && w.hc_attn_scale && w.hc_ffn_fn && w.hc_ffn_base &&
              w.hc_ffn_scale && w.attn_norm && w.ffn_norm,
          function, "mHC and norm weights must be set");
  const bool hash = w.layer < cfg.n_hash_layers;
  require(hash == (w.ffn.gate.tid2eid != nullptr), function,
          "layer " + std::to_string(w.layer) +
              (hash ? " is hash-routed: ffn.gate.tid2eid must be set"
                    : " is score-routed: ffn.gate.tid2eid must "
                      "be null"));
  require(!hash || token_ids, function, "hash-routed layers need the token ids");
  require(w.ffn.gate.weight && w.ffn.gate.experts > 0 && w.ffn.gate.k > 0, function,
          "ffn gate weights must be set");
}

// The two sublayers on `tokens` rows at once; `attention` maps attn_norm output [tokens, dim]
// to the attention output [tokens, dim] (prefill or decode, with the layer state).
template <class Attention>
void block_rows(bf16* y, const bf16* x, const int64_t* token_ids, int64_t tokens,
                const ModelConfig& cfg, const BlockWeights& w, BlockTrace* trace,
                Attention&& attention) {
  const int64_t dim = cfg.dim, streams = tokens * kHcMult * dim;
  const int iters = int(cfg.hc_sinkhorn_iters);
  const float hc_eps = float(cfg.hc_eps), eps = float(cfg.norm_eps);
  std::vector<bf16> a(static_cast<size_t>(tokens * dim)), a_norm(a.size()), f(a.size());
  std::vector<float> post(static_cast<size_t>(tokens * kHcMult)),
      comb(static_cast<size_t>(tokens * kHcMult * kHcMult));
  std::vector<bf16> mid(static_cast<size_t>(streams));

  hc_pre(a.data(), post.data(), comb.data(), x, w.hc_attn_fn, w.hc_attn_base, w.hc_attn_scale,
         tokens, dim, iters, hc_eps, eps);
  rms_norm(a_norm.data(), a.data(), w.attn_norm, tokens, dim, eps);
  attention(f.data(), a_norm.data());
  hc_post(mid.data(), f.data(), x, post.data(), comb.data(), tokens, dim);
  if (trace) {
    trace->attn_in = a_norm;
    trace->attn_out = f;
    trace->mid = mid;
  }

  hc_pre(a.data(), post.data(), comb.data(), mid.data(), w.hc_ffn_fn, w.hc_ffn_base, w.hc_ffn_scale,
         tokens, dim, iters, hc_eps, eps);
  rms_norm(a_norm.data(), a.data(), w.ffn_norm, tokens, dim, eps);
  std::vector<float> gw(static_cast<size_t>(tokens * w.ffn.gate.k));
  std::vector<int32_t> gi(gw.size());
  moe(f.data(), gw.data(), gi.data(), a_norm.data(), token_ids, w.ffn, tokens, dim);
  hc_post(y, f.data(), mid.data(), post.data(), comb.data(), tokens, dim);
  if (trace) {
    trace->ffn_in = a_norm;
    trace->ffn_out = f;
    trace->gate_weights = gw;
    trace->gate_indices = gi;
  }
}

} // namespace

int64_t block_compress_ratio(const ModelConfig& cfg, const BlockWeights& w) {
  require(w.layer >= 0 && w.layer < int64_t(cfg.compress_ratios.size()), "block_compress_ratio",
          "layer " + std::to_string(w.layer) + " has no compress ratio in the config");
  return cfg.compress_ratio(w.layer);
}

void block_prefill(bf16* y, BlockState& state, const bf16* x, const int64_t* token_ids,
                   int64_t tokens, const ModelConfig& cfg, const BlockWeights& w, BlockTrace* trace,
                   const IndexOverride* forced) {
  check_block(cfg, w, token_ids, "block_prefill");
  require(tokens > 0 && tokens <= cfg.max_seq_len, "block_prefill",
          "tokens must lie in [1, max_seq_len]");
  const int64_t ratio = block_compress_ratio(cfg, w);
  block_rows(y, x, token_ids, tokens, cfg, w, trace, [&](bf16* out, const bf16* in) {
    attention_prefill(out, state.attn, in, tokens, cfg, ratio, w.attn,
                      trace ? &trace->attn : nullptr, forced);
  });
  state.next_pos = tokens;
}

void block_decode(bf16* y, BlockState& state, const bf16* x, int64_t token_id, int64_t pos,
                  const ModelConfig& cfg, const BlockWeights& w, BlockTrace* trace,
                  const IndexOverride* forced) {
  check_block(cfg, w, &token_id, "block_decode");
  require(state.next_pos > 0 && pos == state.next_pos, "block_decode",
          "pos " + std::to_string(pos) + " must follow the state's prefill/decode (expected " +
              std::to_string(state.next_pos) + "; prefill first)");
  const int64_t ratio = block_compress_ratio(cfg, w);
  block_rows(y, x, &token_id, 1, cfg, w, trace, [&](bf16* out, const bf16* in) {
    attention_decode(out, state.attn, in, pos, cfg, ratio, w.attn, trace ? &trace->attn : nullptr,
                     forced);
  });
  state.next_pos = pos + 1;
}

} // namespace v4::reference
