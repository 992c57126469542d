#include "harness/model_config_json.h"

#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace v4::harness {

namespace {

// Looks fields up under their official name and their Hugging Face alias (dotted paths reach
// into objects such as rope_scaling); refuses a field given twice with different values.
class FieldReader {
public:
  FieldReader(const nlohmann::json& j, std::string source) : j_(j), source_(std::move(source)) {}

  const nlohmann::json* find(std::initializer_list<const char*> names, const char* field) const {
    const nlohmann::json* found = nullptr;
    std::string found_name;
    for (const char* name : names) {
      const nlohmann::json* v = lookup(name);
      if (!v || v->is_null())
        continue;
      if (found && *found != *v) {
        fail(field, fmt::format("given as '{}' = {} and as '{}' = {}, which disagree", found_name,
                                found->dump(), name, v->dump()));
      }
      found = v;
      found_name = name;
    }
    return found;
  }

  void integer(int64_t& out, std::initializer_list<const char*> names, bool required,
               const char* field) const {
    if (const nlohmann::json* v = find(names, field)) {
      if (!v->is_number_integer())
        fail(field, "must be an integer, got " + v->dump());
      out = v->get<int64_t>();
    } else if (required) {
      missing(names, field);
    }
  }
  void number(double& out, std::initializer_list<const char*> names, bool required,
              const char* field) const {
    if (const nlohmann::json* v = find(names, field)) {
      if (!v->is_number())
        fail(field, "must be a number, got " + v->dump());
      out = v->get<double>();
    } else if (required) {
      missing(names, field);
    }
  }
  void string(std::string& out, std::initializer_list<const char*> names, bool required,
              const char* field) const {
    if (const nlohmann::json* v = find(names, field)) {
      if (!v->is_string())
        fail(field, "must be a string, got " + v->dump());
      out = v->get<std::string>();
    } else if (required) {
      missing(names, field);
    }
  }
  void integers(std::vector<int64_t>& out, std::initializer_list<const char*> names, bool required,
                const char* field) const {
    if (const nlohmann::json* v = find(names, field)) {
      if (!v->is_array())
        fail(field, "must be an array of integers, got " + v->dump());
      out.clear();
      for (const auto& e : *v) {
        if (!e.is_number_integer())
          fail(field, "must be an array of integers, has " + e.dump());
        out.push_back(e.get<int64_t>());
      }
    } else if (required) {
      missing(names, field);
    }
  }

  [[noreturn]] void fail(const char* field, const std::string& what) const {
    throw ModelConfigError(fmt::format("{}: field '{}': {}", source_, field, what));
  }

private:
  const nlohmann::json* lookup(const std::string& dotted) const {
    const nlohmann::json* cur = &j_;
    size_t start = 0;
    while (true) {
      const size_t dot = dotted.find('.', start);
      const std::string key =
          dotted.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      if (!cur->is_object() || !cur->contains(key))
        return nullptr;
      cur = &cur->at(key);
      if (dot == std::string::npos)
        return cur;
      start = dot + 1;
    }
  }
  [[noreturn]] void missing(std::initializer_list<const char*> names, const char* field) const {
    fail(field,
         fmt::format(
             "missing (looked for {}); it has no safe default: the ModelArgs defaults differ from "
             "the shipped configs (spec §24)",
             fmt::join(std::vector<std::string>(names.begin(), names.end()), " / ")));
  }

  const nlohmann::json& j_;
  std::string source_;
};

} // namespace

reference::ModelConfig model_config_from_json(const nlohmann::json& j, const std::string& source) {
  if (!j.is_object())
    throw ModelConfigError(source + ": a model config must be a JSON object");
  if (j.contains("text_config")) {
    throw ModelConfigError(
        source + ": nested text_config (a later release) is out of scope: only the preview "
                 "configs are supported (decision D5)");
  }
  const FieldReader r(j, source);
  reference::ModelConfig c;
  c.name = std::filesystem::path(source).stem().string();
  constexpr bool req = true, opt = false;
  r.integer(c.vocab_size, {"vocab_size"}, req, "vocab_size");
  r.integer(c.dim, {"dim", "hidden_size"}, req, "dim");
  r.integer(c.n_layers, {"n_layers", "num_hidden_layers"}, req, "n_layers");
  r.integer(c.n_mtp_layers, {"n_mtp_layers", "num_nextn_predict_layers"}, opt, "n_mtp_layers");
  r.integer(c.n_heads, {"n_heads", "num_attention_heads"}, req, "n_heads");
  r.integer(c.head_dim, {"head_dim"}, opt, "head_dim");
  r.integer(c.rope_head_dim, {"rope_head_dim", "qk_rope_head_dim"}, opt, "rope_head_dim");
  r.integer(c.q_lora_rank, {"q_lora_rank"}, req, "q_lora_rank");
  r.integer(c.o_groups, {"o_groups"}, req, "o_groups");
  r.integer(c.o_lora_rank, {"o_lora_rank"}, req, "o_lora_rank");
  r.integer(c.window_size, {"window_size", "sliding_window"}, opt, "window_size");
  r.integer(c.n_routed_experts, {"n_routed_experts"}, req, "n_routed_experts");
  r.integer(c.n_activated_experts, {"n_activated_experts", "num_experts_per_tok"}, req,
            "n_activated_experts");
  r.integer(c.n_shared_experts, {"n_shared_experts"}, opt, "n_shared_experts");
  r.integer(c.moe_inter_dim, {"moe_inter_dim", "moe_intermediate_size"}, req, "moe_inter_dim");
  r.integer(c.n_hash_layers, {"n_hash_layers", "num_hash_layers"}, req, "n_hash_layers");
  r.string(c.score_func, {"score_func", "scoring_func"}, req, "score_func");
  r.number(c.route_scale, {"route_scale", "routed_scaling_factor"}, req, "route_scale");
  r.number(c.swiglu_limit, {"swiglu_limit"}, req, "swiglu_limit");
  r.integer(c.index_n_heads, {"index_n_heads"}, req, "index_n_heads");
  r.integer(c.index_head_dim, {"index_head_dim"}, opt, "index_head_dim");
  r.integer(c.index_topk, {"index_topk"}, req, "index_topk");
  r.integer(c.hc_mult, {"hc_mult"}, opt, "hc_mult");
  r.integer(c.hc_sinkhorn_iters, {"hc_sinkhorn_iters"}, opt, "hc_sinkhorn_iters");
  r.number(c.hc_eps, {"hc_eps"}, opt, "hc_eps");
  r.number(c.norm_eps, {"norm_eps", "rms_norm_eps"}, opt, "norm_eps");
  r.number(c.rope_theta, {"rope_theta"}, opt, "rope_theta");
  r.number(c.compress_rope_theta, {"compress_rope_theta"}, req, "compress_rope_theta");
  r.number(c.rope_factor, {"rope_factor", "rope_scaling.factor"}, req, "rope_factor");
  r.integer(c.original_seq_len,
            {"original_seq_len", "rope_scaling.original_max_position_embeddings"}, opt,
            "original_seq_len");
  r.number(c.beta_fast, {"beta_fast", "rope_scaling.beta_fast"}, opt, "beta_fast");
  r.number(c.beta_slow, {"beta_slow", "rope_scaling.beta_slow"}, opt, "beta_slow");
  r.integer(c.max_seq_len, {"max_seq_len", "max_position_embeddings"}, opt, "max_seq_len");
  r.integers(c.compress_ratios, {"compress_ratios"}, req, "compress_ratios");
  r.string(c.scale_fmt, {"scale_fmt", "quantization_config.scale_fmt"}, opt, "scale_fmt");
  // dtype: official "fp8" / "bf16"; a Hugging Face config says fp8 through quantization_config.
  if (!r.find({"dtype"}, "dtype") && j.contains("quantization_config"))
    c.dtype = "fp8";
  else
    r.string(c.dtype, {"dtype"}, opt, "dtype");
  c.expert_dtype = ""; // null / absent: experts in the model dtype
  r.string(c.expert_dtype, {"expert_dtype"}, opt, "expert_dtype");
  validate_model_config(c, source);
  return c;
}

void validate_model_config(const reference::ModelConfig& c, const std::string& source) {
  auto fail = [&](const std::string& what) {
    throw ModelConfigError(fmt::format("{}: {}", source, what));
  };
  auto positive = [&](int64_t v, const char* name) {
    if (v <= 0)
      fail(fmt::format("{} must be positive, got {}", name, v));
  };
  positive(c.vocab_size, "vocab_size");
  positive(c.dim, "dim");
  positive(c.n_layers, "n_layers");
  positive(c.n_heads, "n_heads");
  positive(c.head_dim, "head_dim");
  positive(c.q_lora_rank, "q_lora_rank");
  positive(c.o_groups, "o_groups");
  positive(c.o_lora_rank, "o_lora_rank");
  positive(c.window_size, "window_size");
  positive(c.n_routed_experts, "n_routed_experts");
  positive(c.n_activated_experts, "n_activated_experts");
  positive(c.moe_inter_dim, "moe_inter_dim");
  positive(c.hc_mult, "hc_mult");
  positive(c.hc_sinkhorn_iters, "hc_sinkhorn_iters");
  positive(c.index_head_dim, "index_head_dim");
  if (c.n_mtp_layers < 0)
    fail(fmt::format("n_mtp_layers must be >= 0, got {}", c.n_mtp_layers));
  if (c.n_shared_experts < 0)
    fail(fmt::format("n_shared_experts must be >= 0, got {}", c.n_shared_experts));
  if (c.n_heads % c.o_groups != 0) {
    fail(fmt::format("n_heads ({}) must be a multiple of o_groups ({})", c.n_heads, c.o_groups));
  }
  if (c.rope_head_dim <= 0 || c.rope_head_dim >= c.head_dim || c.rope_head_dim % 2 != 0) {
    fail(fmt::format("rope_head_dim ({}) must be even and in (0, head_dim = {})", c.rope_head_dim,
                     c.head_dim));
  }
  if (c.n_activated_experts > c.n_routed_experts) {
    fail(fmt::format("n_activated_experts ({}) exceeds n_routed_experts ({})",
                     c.n_activated_experts, c.n_routed_experts));
  }
  if (c.n_hash_layers < 0 || c.n_hash_layers > c.n_layers) {
    fail(fmt::format("n_hash_layers ({}) must be in [0, n_layers = {}]", c.n_hash_layers,
                     c.n_layers));
  }
  const int64_t expected = c.n_layers + c.n_mtp_layers;
  if (int64_t(c.compress_ratios.size()) != expected) {
    fail(fmt::format(
        "compress_ratios has {} entries; n_layers + n_mtp_layers = {} + {} = {} expected (the last "
        "entries are the MTP blocks)",
        c.compress_ratios.size(), c.n_layers, c.n_mtp_layers, expected));
  }
  bool any_csa = false;
  for (size_t l = 0; l < c.compress_ratios.size(); ++l) {
    const int64_t m = c.compress_ratios[l];
    if (m != 0 && m != 4 && m != 128)
      fail(fmt::format("compress_ratios[{}] = {}: must be 0, 4 or 128", l, m));
    if (int64_t(l) >= c.n_layers && m != 0) {
      fail(fmt::format("compress_ratios[{}] = {}: the MTP block is SWA-only (0) (spec §18)", l, m));
    }
    any_csa = any_csa || m == 4;
  }
  if (any_csa && (c.index_n_heads <= 0 || c.index_topk <= 0)) {
    fail(fmt::format("CSA layers need index_n_heads > 0 and index_topk > 0 (got {}, {})",
                     c.index_n_heads, c.index_topk));
  }
  if (c.score_func != "sqrtsoftplus" && c.score_func != "sigmoid" && c.score_func != "softmax") {
    fail(fmt::format(
        "unknown score_func '{}' (sqrtsoftplus, sigmoid or softmax; V4 uses sqrtsoftplus)",
        c.score_func));
  }
  if (!(c.route_scale > 0))
    fail(fmt::format("route_scale must be positive, got {}", c.route_scale));
  if (!(c.swiglu_limit >= 0))
    fail(fmt::format("swiglu_limit must be >= 0, got {}", c.swiglu_limit));
  if (!(c.norm_eps > 0) || !(c.hc_eps > 0))
    fail("norm_eps and hc_eps must be positive");
  if (!(c.rope_theta > 0) || !(c.compress_rope_theta > 0))
    fail("rope_theta and compress_rope_theta must be positive");
  if (!(c.rope_factor >= 1))
    fail(fmt::format("rope_factor must be >= 1, got {}", c.rope_factor));
  if (c.dtype != "fp8" && c.dtype != "bf16")
    fail(fmt::format("unknown dtype '{}' (fp8 or bf16)", c.dtype));
  if (c.scale_fmt != "ue8m0")
    fail(fmt::format("unknown scale_fmt '{}' (V4 uses ue8m0)", c.scale_fmt));
  if (!c.expert_dtype.empty() && c.expert_dtype != "fp4" && c.expert_dtype != "fp8") {
    fail(fmt::format("unknown expert_dtype '{}' (fp4, fp8 or null)", c.expert_dtype));
  }
  // FP8/FP4 linears quantize their input per 1×128 block (act_quant, spec §2.2).
  const bool quantized = c.dtype == "fp8" || !c.expert_dtype.empty();
  if (quantized) {
    for (auto [v, name] : {std::pair{c.dim, "dim"},
                           {c.q_lora_rank, "q_lora_rank"},
                           {c.moe_inter_dim, "moe_inter_dim"}}) {
      if (v % 128 != 0)
        fail(fmt::format("{} ({}) must be a multiple of 128 for FP8/FP4 linears", name, v));
    }
  }
}

reference::ModelConfig load_model_config(const std::string& path) {
  std::ifstream in(path);
  if (!in)
    throw ModelConfigError(path + ": cannot open");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw ModelConfigError(fmt::format("{}: not valid JSON: {}", path, e.what()));
  }
  return model_config_from_json(j, path);
}

std::string bundled_config_path(const std::string& name) {
  return (std::filesystem::path(V4_SOURCE_DIR) / "configs" / (name + ".json")).string();
}

} // namespace v4::harness
