// Analytic KV-cache and single-token FLOPs model at context N (spec §23, a reconstruction of
// [P] Fig. 1 / §2.3.4). One sequence, MTP excluded.
//   KV_V3.2(N) = 61·N·(656 + 132)
//   KV_V4(N)   = n_CSA·⌊N/4⌋·(584 + 68) + n_HCA·⌊N/128⌋·584 + L·min(N, W)·584
//   FLOPs      = linear + w_idx·indexer + w_bf16·core
//     linear   = 2·(activated params − embedding)
//     indexer  = V3.2: 61·N·64·128·2 (FP8, w_idx = 1);  V4: n_CSA·⌊N/4⌋·64·128·2 (FP4, w_idx =
//     w_fp4) core     = Σ_layers n_h·2·(d_qk + d_v)·entries,  entries = window + (CSA: top-k; HCA:
//     ⌊N/128⌋)
// The paper gives no FLOPs formula: [project] weights w_bf16 = 2, w_fp4 = 0.5 ("FP8-equivalent",
// D14) fit both paper figures; the reconstruction is approximate (±~5%). KV matches to the paper's
// stated precision. Layer counts come from the config's compress_ratios.
#pragma once

#include <cstdint>
#include <string>

#include "reference/model_config.h"

namespace v4::reference {

// Bytes per cache entry (spec §23.2).
inline constexpr double kV4MainEntryBytes = 584;     // 448 e4m3 + 64 bf16 + 7 ue8m0 + 1 pad
inline constexpr double kV4IndexerEntryBytes = 68;   // 128 e2m1 + 4 ue8m0 (inferred)
inline constexpr double kV32MlaEntryBytes = 656;     // 512 e4m3 + 4 fp32 scales + 64 bf16
inline constexpr double kV32IndexerEntryBytes = 132; // 128 e4m3 + 1 fp32 scale
inline constexpr int64_t kV32Layers = 61;

// Activated parameters as the paper states them ([P]; the §24 shapes give 13.27B / 48.85B).
inline constexpr double kV32ActivatedParams = 37e9;
inline constexpr double kV32EmbeddingParams = 0.93e9; // 129280 · 7168
inline constexpr double kFlashActivatedParams = 13e9;
inline constexpr double kProActivatedParams = 49e9;

// D14: "equivalent FP8 FLOPs" weights.
inline constexpr double kWeightBf16 = 2.0;
inline constexpr double kWeightFp4 = 0.5;

struct LayerCounts {
  int64_t swa = 0, csa = 0, hca = 0; // m = 0, 4, 128 among the main layers (MTP excluded)
};
LayerCounts layer_counts(const ModelConfig& c); // throws on a ratio other than 0, 4, 128

double v32_kv_cache_bytes(int64_t n);
double v4_kv_cache_bytes(const ModelConfig& c, int64_t n);
// BF16 GQA-8 (head_dim 128) baseline: layers·N·8·128·2 (K and V)·2 bytes.
double gqa8_kv_cache_bytes(int64_t layers, int64_t n);

struct TokenFlops {
  double linear = 0, indexer = 0, core = 0;
  double indexer_weight = 1; // w_idx: 1 for an FP8 indexer (V3.2), w_fp4 for V4
  // linear + w_idx·indexer + w_bf16·core; weighted = false gives the all-ones sum.
  double total(bool weighted) const;
};
TokenFlops v32_token_flops(int64_t n);
// activated_params: the paper's count for the model (kFlashActivatedParams / kProActivatedParams).
TokenFlops v4_token_flops(const ModelConfig& c, int64_t n, double activated_params);

} // namespace v4::reference
