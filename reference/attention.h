// The attention layer (spec §11-§13) for window-only (m = 0), CSA (m = 4) and HCA (m = 128)
// layers, prefill (start_pos 0) and single-token decode, with [C]'s KV cache layout (§13.1):
//   qr = q_norm(wq_a(x));  q = wq_b(qr) → per-head RMS (bf16 arithmetic) → RoPE       (§11.1)
//   kv = kv_norm(wkv(x)) → RoPE → FP8 simulation of dims [0, 448)    (one shared KV head, K = V)
//   index list = [window | compressed] (§10; CSA: the lightning indexer, §9)
//   o  = sparse_attn(q, KV array, attn_sink, list, 512^−½)                                 (§11.2)
//   o[..., 448:] = RoPE⁻¹(·, query position)                                             (§11.3)
//   y  = wo_b( bf16( wo_a[g] · o[g] ) for each group g )                                   (§12)
// Linears take bf16 weights (F.linear semantics, reference/dense_linear.h), as in the golden
// configuration, or, for FP8 checkpoints, Linear weights of any format through reference::linear
// (e4m3 with 128×128 scales: act_quant + fp8_gemm, spec §4.3); wo_a is bf16 in every configuration.
#pragma once

#include <cstdint>
#include <vector>

#include "reference/compressor.h"
#include "reference/formats.h"
#include "reference/indexer.h"
#include "reference/linear.h"
#include "reference/model_config.h"

namespace v4::reference {

// Non-owning views of one layer's parameters ([C] state-dict names relative to `attn.`).
struct AttentionWeights {
  const bf16* wq_a = nullptr;       // [q_lora_rank, dim]
  const float* q_norm = nullptr;    // [q_lora_rank]
  const bf16* wq_b = nullptr;       // [n_heads·head_dim, q_lora_rank]
  const bf16* wkv = nullptr;        // [head_dim, dim]
  const float* kv_norm = nullptr;   // [head_dim]
  const bf16* wo_a = nullptr;       // [o_groups·o_lora_rank, n_heads·head_dim/o_groups]
  const bf16* wo_b = nullptr;       // [dim, o_groups·o_lora_rank]
  const float* attn_sink = nullptr; // [n_heads]
  // Compressed layers: compressor.{wkv, wgate} [c·512, dim], ape [m, c·512], norm [512].
  const float *cmp_wkv = nullptr, *cmp_wgate = nullptr, *cmp_ape = nullptr, *cmp_norm = nullptr;
  // CSA layers: indexer.wq_b [index_n_heads·128, q_lora_rank], indexer.weights_proj
  // [index_n_heads, dim], indexer.compressor.{wkv, wgate} [256, dim], ape [4, 256], norm [128].
  const bf16 *idx_wq_b = nullptr, *idx_weights_proj = nullptr;
  const float *idx_cmp_wkv = nullptr, *idx_cmp_wgate = nullptr, *idx_cmp_ape = nullptr,
              *idx_cmp_norm = nullptr;
  // FP8 checkpoints: the linears the released checkpoints quantize. A weight whose `data` is set
  // replaces the bf16 pointer of the same name above and runs through reference::linear (its
  // shape must match); unset: the bf16 F.linear path.
  LinearWeight lin_wq_a, lin_wq_b, lin_wkv, lin_wo_b, lin_idx_wq_b;
};

// One sequence's layer state (§13.1): kv [W + max_seq_len/m, head_dim] (m = 0: [W, head_dim]):
// rows [0, W) the ring of raw rows (slot = position mod W), row W + i compressed block i;
// index_keys [max_seq_len/4, 128] (CSA); the two compressors' fp32 decode states.
struct AttentionCache {
  std::vector<bf16> kv, index_keys;
  CompressorState compressor, index_compressor;
};
// Zero cache rows and reset compressor states (D8): call at every sequence start.
void attention_cache_reset(AttentionCache& cache, const ModelConfig& cfg, int64_t ratio);

// Values captured inside a call (for golden comparisons and debugging).
struct AttentionTrace {
  std::vector<bf16> q;      // [tokens, n_heads, head_dim] after RoPE
  std::vector<bf16> kv;     // the KV array given to sparse_attn, [n_kv, head_dim]
  std::vector<int32_t> idx; // [tokens, width] the index list used
  int64_t width = 0;
  std::vector<int32_t> own_idx; // the list the reference computed (differs from idx if forced)
  std::vector<bf16> o;          // [tokens, n_heads, head_dim] sparse attention output, rotated
};

// An index list to use instead of the layer's own ([tokens, width] int32, rows of the KV array):
// the golden checks feed the official run's list where near-ties in the bf16 indexer scores
// make its top-k ambiguous. Null: the layer's own list.
struct IndexOverride {
  const int32_t* idx = nullptr;
  int64_t width = 0;
};

// Sub-parameter builders of a layer with compress ratio `ratio` (0, 4 or 128).
CompressorParams attention_compressor_params(const ModelConfig& cfg, int64_t ratio,
                                             const AttentionWeights& w);
IndexerParams attention_indexer_params(const ModelConfig& cfg, const AttentionWeights& w);

// y: [rows, dim] bf16 · o: [rows, n_heads, head_dim] bf16 (de-rotated) · wo_a, wo_b as above.
// u[g] = bf16(wo_a[g] · o[g]) (fp32 accumulation), y = wo_b(flatten(u)). lin_wo_b (when its data
// is set) replaces wo_b through reference::linear.
void attention_output(bf16* y, const bf16* o, const bf16* wo_a, const bf16* wo_b, int64_t rows,
                      int64_t heads, int64_t head_dim, int64_t groups, int64_t o_lora_rank,
                      int64_t dim, const LinearWeight& lin_wo_b = {});

// Prefill of one sequence's tokens [0, tokens): y: [tokens, dim] bf16 · x: [tokens, dim] bf16
// (the attn_norm output). Resets and fills `cache`.
void attention_prefill(bf16* y, AttentionCache& cache, const bf16* x, int64_t tokens,
                       const ModelConfig& cfg, int64_t ratio, const AttentionWeights& w,
                       AttentionTrace* trace = nullptr, const IndexOverride* forced = nullptr);

// One decode token at position pos ≥ 1 (after a prefill of pos tokens and decodes up to pos−1):
// y: [dim] bf16 · x: [dim] bf16.
void attention_decode(bf16* y, AttentionCache& cache, const bf16* x, int64_t pos,
                      const ModelConfig& cfg, int64_t ratio, const AttentionWeights& w,
                      AttentionTrace* trace = nullptr, const IndexOverride* forced = nullptr);

} // namespace v4::reference
