// Model configs from JSON (spec §24): the bundled tiny / flash / pro files, Hugging Face field
// names, and clear errors for missing or inconsistent fields.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "harness/golden.h"
#include "harness/model_config_json.h"

namespace v4::harness {
namespace {

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

// The error message of loading `j`, or "" if it loads.
std::string error_of(const nlohmann::json& j) {
  try {
    model_config_from_json(j, "test.json");
  } catch (const ModelConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(ModelConfigJson, BundledConfigsCarryTheSpecValues) {
  const reference::ModelConfig f = load_model_config(bundled_config_path("flash"));
  EXPECT_EQ(f.name, "flash");
  EXPECT_EQ(f.dim, 4096);
  EXPECT_EQ(f.n_layers, 43);
  EXPECT_EQ(f.n_heads, 64);
  EXPECT_EQ(f.q_lora_rank, 1024);
  EXPECT_EQ(f.o_groups, 8);
  EXPECT_EQ(f.n_routed_experts, 256);
  EXPECT_EQ(f.moe_inter_dim, 2048);
  EXPECT_EQ(f.index_topk, 512);
  EXPECT_EQ(f.route_scale, 1.5);
  EXPECT_EQ(f.compress_ratios.size(), 44u);
  EXPECT_EQ(f.compress_ratio(2), 4);
  EXPECT_EQ(f.compress_ratio(3), 128);
  EXPECT_EQ(f.compress_ratio(43), 0);
  EXPECT_EQ(f.compress_rope_theta, 160000); // D3
  const reference::ModelConfig p = load_model_config(bundled_config_path("pro"));
  EXPECT_EQ(p.dim, 7168);
  EXPECT_EQ(p.n_layers, 61);
  EXPECT_EQ(p.n_routed_experts, 384);
  EXPECT_EQ(p.route_scale, 2.5);
  EXPECT_EQ(p.index_topk, 1024);
  EXPECT_EQ(p.compress_ratio(0), 128);
  EXPECT_EQ(p.compress_ratios.size(), 62u);
}

TEST(ModelConfigJson, TinyIsTheGoldenConfig) {
  const reference::ModelConfig t = load_model_config(bundled_config_path("tiny"));
  const nlohmann::json manifest = read_json(default_golden_dir() + "/MANIFEST.json");
  const reference::ModelConfig g = model_config_from_json(manifest.at("config"), "MANIFEST.json");
  EXPECT_EQ(t.dim, 64);
  EXPECT_EQ(t.dtype, "bf16");
  EXPECT_EQ(t.expert_dtype, "");
  EXPECT_EQ(t.compress_ratios, g.compress_ratios);
  EXPECT_EQ(t.n_hash_layers, g.n_hash_layers);
  EXPECT_EQ(t.route_scale, g.route_scale);
}

TEST(ModelConfigJson, HuggingFaceNamesMapToTheSameConfig) {
  const nlohmann::json off = read_json(bundled_config_path("flash"));
  nlohmann::json hf = {{"model_type", "deepseek_v4"},
                       {"vocab_size", 129280},
                       {"hidden_size", 4096},
                       {"num_hidden_layers", 43},
                       {"num_nextn_predict_layers", 1},
                       {"num_attention_heads", 64},
                       {"head_dim", 512},
                       {"qk_rope_head_dim", 64},
                       {"q_lora_rank", 1024},
                       {"o_groups", 8},
                       {"o_lora_rank", 1024},
                       {"sliding_window", 128},
                       {"n_routed_experts", 256},
                       {"num_experts_per_tok", 6},
                       {"n_shared_experts", 1},
                       {"moe_intermediate_size", 2048},
                       {"num_hash_layers", 3},
                       {"scoring_func", "sqrtsoftplus"},
                       {"routed_scaling_factor", 1.5},
                       {"swiglu_limit", 10.0},
                       {"index_n_heads", 64},
                       {"index_head_dim", 128},
                       {"index_topk", 512},
                       {"rms_norm_eps", 1e-6},
                       {"rope_theta", 10000},
                       {"compress_rope_theta", 160000},
                       {"rope_scaling",
                        {{"type", "yarn"},
                         {"factor", 16},
                         {"original_max_position_embeddings", 65536},
                         {"beta_fast", 32},
                         {"beta_slow", 1}}},
                       {"compress_ratios", off.at("compress_ratios")},
                       {"quantization_config", {{"quant_method", "fp8"}, {"scale_fmt", "ue8m0"}}},
                       {"expert_dtype", "fp4"}};
  const reference::ModelConfig a = model_config_from_json(off, "flash.json"),
                               b = model_config_from_json(hf, "config.json");
  EXPECT_EQ(a.dim, b.dim);
  EXPECT_EQ(a.n_layers, b.n_layers);
  EXPECT_EQ(a.rope_head_dim, b.rope_head_dim);
  EXPECT_EQ(a.moe_inter_dim, b.moe_inter_dim);
  EXPECT_EQ(a.n_activated_experts, b.n_activated_experts);
  EXPECT_EQ(a.route_scale, b.route_scale);
  EXPECT_EQ(a.window_size, b.window_size);
  EXPECT_EQ(a.rope_factor, b.rope_factor);
  EXPECT_EQ(a.original_seq_len, b.original_seq_len);
  EXPECT_EQ(a.compress_ratios, b.compress_ratios);
  EXPECT_EQ(a.dtype, b.dtype);
  EXPECT_EQ(a.scale_fmt, b.scale_fmt);
}

TEST(ModelConfigJson, ClearErrorsForBadConfigs) {
  const nlohmann::json good = read_json(bundled_config_path("flash"));
  EXPECT_EQ(error_of(good), "");
  struct Bad {
    const char* what;
    std::function<void(nlohmann::json&)> edit;
    const char* expect;
  };
  const Bad cases[] = {
      {"short compress_ratios", [](nlohmann::json& j) { j["compress_ratios"].erase(0); },
       "compress_ratios has 43 entries"},
      {"heads vs groups", [](nlohmann::json& j) { j["o_groups"] = 7; }, "multiple of o_groups"},
      {"score function", [](nlohmann::json& j) { j["score_func"] = "relu"; },
       "unknown score_func 'relu'"},
      {"missing field", [](nlohmann::json& j) { j.erase("route_scale"); },
       "field 'route_scale': missing"},
      {"missing D3 field", [](nlohmann::json& j) { j.erase("compress_rope_theta"); },
       "'compress_rope_theta': missing"},
      {"both names disagree", [](nlohmann::json& j) { j["hidden_size"] = 7168; }, "which disagree"},
      {"non-integer", [](nlohmann::json& j) { j["dim"] = 4096.5; }, "must be an integer"},
      {"bad ratio", [](nlohmann::json& j) { j["compress_ratios"][5] = 8; },
       "compress_ratios[5] = 8"},
      {"compressed MTP", [](nlohmann::json& j) { j["compress_ratios"][43] = 4; },
       "MTP block is SWA-only"},
      {"too many experts", [](nlohmann::json& j) { j["n_activated_experts"] = 300; },
       "exceeds n_routed_experts"},
      {"unaligned FP8 dim", [](nlohmann::json& j) { j["dim"] = 4000; }, "multiple of 128"},
      {"later release", [](nlohmann::json& j) { j["text_config"] = nlohmann::json::object(); },
       "out of scope"},
  };
  for (const Bad& b : cases) {
    nlohmann::json j = good;
    b.edit(j);
    const std::string e = error_of(j);
    EXPECT_NE(e.find(b.expect), std::string::npos) << b.what << ": got \"" << e << "\"";
    EXPECT_NE(e.find("test.json"), std::string::npos) << b.what;
  }
  EXPECT_THROW(load_model_config("/nonexistent/config.json"), ModelConfigError);
}

} // namespace
} // namespace v4::harness
