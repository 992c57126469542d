#include "harness/ops/block_inputs.h"

#include <cmath>
#include <numeric>
#include <stdexcept>
#include <vector>

#include "harness/generators.h"
#include "harness/model_config_json.h"
#include "harness/ops/mhc_inputs.h"
#include "harness/rng.h"

namespace v4::harness {
namespace {

double inv_sqrt(int64_t n) {
  return 1.0 / std::sqrt(double(n));
}

// bf16 [out, in] ~ N(0, 1/in) under `name` (the generator stream is keyed by the name).
void linear_bf16(TensorMap& in, const std::string& name, int64_t out, int64_t in_dim,
                 uint64_t seed) {
  in[name] = random_bf16({out, in_dim}, seed, name, inv_sqrt(in_dim));
}
void norm_weight(TensorMap& in, const std::string& name, int64_t n, uint64_t seed) {
  in[name] = uniform_f32({n}, seed, name, 0.5, 1.5);
}

} // namespace

const reference::ModelConfig& tiny_model_config() {
  static const reference::ModelConfig cfg = load_model_config(bundled_config_path("tiny"));
  return cfg;
}

void add_block_weights(TensorMap& in, const std::string& p, int64_t layer,
                       const reference::ModelConfig& cfg, uint64_t seed) {
  const int64_t dim = cfg.dim, H = cfg.n_heads, D = cfg.head_dim, ql = cfg.q_lora_rank,
                G = cfg.o_groups, ol = cfg.o_lora_rank, inter = cfg.moe_inter_dim,
                experts = cfg.n_routed_experts, k = cfg.n_activated_experts;
  for (const char* site : {"attn", "ffn"}) {
    const std::string s = p + "hc_" + site;
    in[s + "_fn"] = mhc_fn(reference::kHcMixes, dim, seed, s + "_fn");
    in[s + "_base"] = mhc_base(reference::kHcMixes, seed, s + "_base");
    in[s + "_scale"] = mhc_scale(3, seed, s + "_scale");
  }
  norm_weight(in, p + "attn_norm.weight", dim, seed);
  norm_weight(in, p + "ffn_norm.weight", dim, seed);

  const std::string a = p + "attn.";
  linear_bf16(in, a + "wq_a.weight", ql, dim, seed);
  norm_weight(in, a + "q_norm.weight", ql, seed);
  linear_bf16(in, a + "wq_b.weight", H * D, ql, seed);
  linear_bf16(in, a + "wkv.weight", D, dim, seed);
  norm_weight(in, a + "kv_norm.weight", D, seed);
  linear_bf16(in, a + "wo_a.weight", G * ol, H * D / G, seed);
  linear_bf16(in, a + "wo_b.weight", dim, G * ol, seed);
  in[a + "attn_sink"] = uniform_f32({H}, seed, a + "attn_sink", -1.0, 1.0);
  const int64_t ratio = cfg.compress_ratio(layer);
  const auto compressor = [&](const std::string& c, int64_t width, int64_t m, int64_t hd) {
    in[c + "wkv.weight"] = random_f32({width, dim}, seed, c + "wkv.weight", inv_sqrt(dim));
    in[c + "wgate.weight"] = random_f32({width, dim}, seed, c + "wgate.weight", inv_sqrt(dim));
    in[c + "ape"] = random_f32({m, width}, seed, c + "ape", 0.5);
    norm_weight(in, c + "norm.weight", hd, seed);
  };
  if (ratio)
    compressor(a + "compressor.", (ratio == 4 ? 2 : 1) * D, ratio, D);
  if (ratio == 4) {
    const int64_t IH = cfg.index_n_heads, ihd = cfg.index_head_dim;
    linear_bf16(in, a + "indexer.wq_b.weight", IH * ihd, ql, seed);
    linear_bf16(in, a + "indexer.weights_proj.weight", IH, dim, seed);
    compressor(a + "indexer.compressor.", 2 * ihd, 4, ihd);
  }

  const std::string f = p + "ffn.";
  linear_bf16(in, f + "gate.weight", experts, dim, seed);
  if (layer < cfg.n_hash_layers) {
    Tensor t = make_tensor<int32_t>({cfg.vocab_size, k});
    const CounterRng rng(seed, f + "gate.tid2eid");
    std::vector<int32_t> perm(static_cast<size_t>(experts));
    for (int64_t v = 0; v < cfg.vocab_size; ++v) {
      std::iota(perm.begin(), perm.end(), 0);
      for (int64_t j = 0; j < k; ++j) { // k distinct experts: a partial Fisher-Yates shuffle
        std::swap(perm[size_t(j)],
                  perm[size_t(rng.uniform_int(uint64_t(v * k + j), j, experts - 1))]);
        t.data<int32_t>()[v * k + j] = perm[size_t(j)];
      }
    }
    in[f + "gate.tid2eid"] = t;
  } else {
    in[f + "gate.bias"] = random_f32({experts}, seed, f + "gate.bias", 0.1);
  }
  for (int64_t e = 0; e <= experts; ++e) {
    const std::string x =
        e < experts ? f + "experts." + std::to_string(e) + "." : f + "shared_experts.";
    linear_bf16(in, x + "w1.weight", inter, dim, seed);
    linear_bf16(in, x + "w2.weight", dim, inter, seed);
    linear_bf16(in, x + "w3.weight", inter, dim, seed);
  }
}

void add_head_weights(TensorMap& in, const std::string& p, const reference::ModelConfig& cfg,
                      uint64_t seed) {
  const int64_t dim = cfg.dim;
  if (!in.count("embed.weight"))
    in["embed.weight"] = random_bf16({cfg.vocab_size, dim}, seed, "embed.weight");
  if (!in.count("head.weight"))
    in["head.weight"] = random_f32({cfg.vocab_size, dim}, seed, "head.weight", inv_sqrt(dim));
  norm_weight(in, p + "norm.weight", dim, seed);
  in[p + "hc_head_fn"] = mhc_fn(reference::kHcMult, dim, seed, p + "hc_head_fn");
  in[p + "hc_head_base"] = mhc_base(reference::kHcMult, seed, p + "hc_head_base");
  in[p + "hc_head_scale"] = mhc_scale(1, seed, p + "hc_head_scale");
}

void add_mtp_weights(TensorMap& in, const std::string& p, const reference::ModelConfig& cfg,
                     uint64_t seed) {
  linear_bf16(in, p + "e_proj.weight", cfg.dim, cfg.dim, seed);
  linear_bf16(in, p + "h_proj.weight", cfg.dim, cfg.dim, seed);
  norm_weight(in, p + "enorm.weight", cfg.dim, seed);
  norm_weight(in, p + "hnorm.weight", cfg.dim, seed);
}

TensorLookup lookup_in(const TensorMap& in) {
  return [&in](const std::string& name) -> const Tensor& {
    const auto it = in.find(name);
    if (it == in.end())
      throw std::invalid_argument("model weights: no tensor '" + name + "'");
    return it->second;
  };
}

reference::BlockWeights block_weights_view(const TensorLookup& get, const std::string& prefix,
                                           int64_t layer, const reference::ModelConfig& cfg) {
  const auto f32 = [&](const std::string& n) { return get(prefix + n).data<float>(); };
  const auto b16 = [&](const std::string& n) { return get(prefix + n).data<bf16>(); };
  reference::BlockWeights w;
  w.layer = layer;
  w.hc_attn_fn = f32("hc_attn_fn");
  w.hc_attn_base = f32("hc_attn_base");
  w.hc_attn_scale = f32("hc_attn_scale");
  w.hc_ffn_fn = f32("hc_ffn_fn");
  w.hc_ffn_base = f32("hc_ffn_base");
  w.hc_ffn_scale = f32("hc_ffn_scale");
  w.attn_norm = f32("attn_norm.weight");
  w.ffn_norm = f32("ffn_norm.weight");

  reference::AttentionWeights& a = w.attn;
  a.attn_sink = f32("attn.attn_sink");
  a.wq_a = b16("attn.wq_a.weight");
  a.q_norm = f32("attn.q_norm.weight");
  a.wq_b = b16("attn.wq_b.weight");
  a.wkv = b16("attn.wkv.weight");
  a.kv_norm = f32("attn.kv_norm.weight");
  a.wo_a = b16("attn.wo_a.weight");
  a.wo_b = b16("attn.wo_b.weight");
  const int64_t ratio = cfg.compress_ratio(layer);
  if (ratio) {
    a.cmp_wkv = f32("attn.compressor.wkv.weight");
    a.cmp_wgate = f32("attn.compressor.wgate.weight");
    a.cmp_ape = f32("attn.compressor.ape");
    a.cmp_norm = f32("attn.compressor.norm.weight");
  }
  if (ratio == 4) {
    a.idx_wq_b = b16("attn.indexer.wq_b.weight");
    a.idx_weights_proj = b16("attn.indexer.weights_proj.weight");
    a.idx_cmp_wkv = f32("attn.indexer.compressor.wkv.weight");
    a.idx_cmp_wgate = f32("attn.indexer.compressor.wgate.weight");
    a.idx_cmp_ape = f32("attn.indexer.compressor.ape");
    a.idx_cmp_norm = f32("attn.indexer.compressor.norm.weight");
  }

  reference::MoeParams& m = w.ffn;
  const int64_t dim = cfg.dim, inter = cfg.moe_inter_dim, experts = cfg.n_routed_experts;
  m.swiglu_limit = float(cfg.swiglu_limit);
  m.gate.weight = b16("ffn.gate.weight");
  m.gate.experts = experts;
  m.gate.k = cfg.n_activated_experts;
  m.gate.route_scale = float(cfg.route_scale);
  if (layer < cfg.n_hash_layers) {
    m.gate.tid2eid = get(prefix + "ffn.gate.tid2eid").data<int32_t>();
    m.gate.vocab = cfg.vocab_size;
  } else {
    m.gate.bias = f32("ffn.gate.bias");
  }
  const auto view = [&](const std::string& n, int64_t out, int64_t in) {
    return reference::LinearWeight::bf16_weight(b16(n), out, in);
  };
  for (int64_t e = 0; e <= experts; ++e) {
    const std::string x =
        e < experts ? "ffn.experts." + std::to_string(e) + "." : "ffn.shared_experts.";
    const reference::ExpertWeights ew{view(x + "w1.weight", inter, dim),
                                      view(x + "w2.weight", dim, inter),
                                      view(x + "w3.weight", inter, dim)};
    if (e < experts)
      m.experts.push_back(ew);
    else
      m.shared = ew;
  }
  return w;
}

reference::HeadWeights head_weights_view(const TensorLookup& get, const std::string& prefix) {
  reference::HeadWeights h;
  h.hc_fn = get(prefix + "hc_head_fn").data<float>();
  h.hc_base = get(prefix + "hc_head_base").data<float>();
  h.hc_scale = get(prefix + "hc_head_scale").data<float>();
  h.norm = get(prefix + "norm.weight").data<float>();
  h.head = get("head.weight").data<float>();
  return h;
}

reference::TransformerWeights transformer_weights_view(const TensorLookup& get,
                                                       const reference::ModelConfig& cfg) {
  reference::TransformerWeights w;
  w.embed = get("embed.weight").data<bf16>();
  for (int64_t i = 0; i < cfg.n_layers; ++i)
    w.layers.push_back(block_weights_view(get, "layers." + std::to_string(i) + ".", i, cfg));
  w.head = head_weights_view(get, "");
  return w;
}

reference::MtpWeights mtp_weights_view(const TensorLookup& get, const std::string& prefix,
                                       const reference::ModelConfig& cfg) {
  reference::MtpWeights w;
  w.block = block_weights_view(get, prefix, cfg.n_layers, cfg);
  w.e_proj = reference::LinearWeight::bf16_weight(get(prefix + "e_proj.weight").data<bf16>(),
                                                  cfg.dim, cfg.dim);
  w.h_proj = reference::LinearWeight::bf16_weight(get(prefix + "h_proj.weight").data<bf16>(),
                                                  cfg.dim, cfg.dim);
  w.enorm = get(prefix + "enorm.weight").data<float>();
  w.hnorm = get(prefix + "hnorm.weight").data<float>();
  w.embed = get("embed.weight").data<bf16>();
  w.head = head_weights_view(get, prefix);
  return w;
}

} // namespace v4::harness
