// DeepSeek-V4 model configuration (spec §24, decision D5: the preview configs). Field names follow
// the official inference/config.json (ModelArgs); harness/model_config_json.* loads them from JSON
// (official or Hugging Face names) with clear errors for missing or inconsistent fields.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace v4::reference {

struct ModelConfig {
  std::string name;              // "flash", "pro", "tiny", or the file it came from
  int64_t vocab_size = 0;
  int64_t dim = 0;               // d
  int64_t n_layers = 0;          // main layers (the MTP block is extra)
  int64_t n_mtp_layers = 1;
  int64_t n_heads = 0;           // H
  int64_t head_dim = 512;        // D
  int64_t rope_head_dim = 64;    // the last 64 of each head
  int64_t q_lora_rank = 0;
  int64_t o_groups = 0;          // G
  int64_t o_lora_rank = 0;
  int64_t window_size = 128;     // W
  int64_t n_routed_experts = 0;
  int64_t n_activated_experts = 0;
  int64_t n_shared_experts = 1;
  int64_t moe_inter_dim = 0;
  int64_t n_hash_layers = 0;     // layers [0, n_hash_layers) route by token id
  std::string score_func = "sqrtsoftplus";
  double route_scale = 1.0;
  double swiglu_limit = 10.0;
  int64_t index_n_heads = 0;
  int64_t index_head_dim = 128;
  int64_t index_topk = 0;
  int64_t hc_mult = 4;
  int64_t hc_sinkhorn_iters = 20;
  double hc_eps = 1e-6;
  double norm_eps = 1e-6;
  double rope_theta = 10000;
  double compress_rope_theta = 160000;  // D3
  double rope_factor = 16;              // YaRN
  int64_t original_seq_len = 65536;
  double beta_fast = 32, beta_slow = 1;
  int64_t max_seq_len = 4096;
  std::vector<int64_t> compress_ratios;  // n_layers + n_mtp_layers entries: 0, 4 or 128
  std::string dtype = "fp8", scale_fmt = "ue8m0", expert_dtype = "fp4";

  int64_t compress_ratio(int64_t layer) const { return compress_ratios.at(size_t(layer)); }
};

}  // namespace v4::reference
