// Golden checkers for attention_swa, attention_csa and attention_hca: [C]'s Attention.forward,
// prefill of S = 300 tokens then 86 decode tokens.
#include <cmath>
#include <set>
#include <vector>

#include <fmt/format.h>

#include "harness/ops/attention_golden_util.h"
#include "harness/ops/op_util.h"
#include "reference/attention.h"

namespace v4::harness {
namespace {

struct LayerTensors {
  std::map<std::string, Tensor> t;
  reference::AttentionWeights w;
};

LayerTensors load_weights(const GoldenCase& gc, int64_t ratio) {
  LayerTensors l;
  for (const char* name : {"attn_sink", "wq_a.weight", "q_norm.weight", "wq_b.weight", "wkv.weight", "kv_norm.weight",
                           "wo_a.weight", "wo_b.weight"}) {
    l.t[name] = gc.tensor(name);
  }
  if (ratio) {
    for (const char* name : {"compressor.wkv.weight", "compressor.wgate.weight", "compressor.ape", "compressor.norm.weight"}) {
      l.t[name] = gc.tensor(name);
    }
  }
  if (ratio == 4) {
    for (const char* name : {"indexer.wq_b.weight", "indexer.weights_proj.weight", "indexer.compressor.wkv.weight",
                             "indexer.compressor.wgate.weight", "indexer.compressor.ape", "indexer.compressor.norm.weight"}) {
      l.t[name] = gc.tensor(name);
    }
  }
  auto& t = l.t;
  auto& w = l.w;
  w.attn_sink = t["attn_sink"].data<float>();
  w.wq_a = t["wq_a.weight"].data<bf16>();
  w.q_norm = t["q_norm.weight"].data<float>();
  w.wq_b = t["wq_b.weight"].data<bf16>();
  w.wkv = t["wkv.weight"].data<bf16>();
  w.kv_norm = t["kv_norm.weight"].data<float>();
  w.wo_a = t["wo_a.weight"].data<bf16>();
  w.wo_b = t["wo_b.weight"].data<bf16>();
  if (ratio) {
    w.cmp_wkv = t["compressor.wkv.weight"].data<float>();
    w.cmp_wgate = t["compressor.wgate.weight"].data<float>();
    w.cmp_ape = t["compressor.ape"].data<float>();
    w.cmp_norm = t["compressor.norm.weight"].data<float>();
  }
  if (ratio == 4) {
    w.idx_wq_b = t["indexer.wq_b.weight"].data<bf16>();
    w.idx_weights_proj = t["indexer.weights_proj.weight"].data<bf16>();
    w.idx_cmp_wkv = t["indexer.compressor.wkv.weight"].data<float>();
    w.idx_cmp_wgate = t["indexer.compressor.wgate.weight"].data<float>();
    w.idx_cmp_ape = t["indexer.compressor.ape"].data<float>();
    w.idx_cmp_norm = t["indexer.compressor.norm.weight"].data<float>();
  }
  return l;
}

// Rows whose sets of non-negative indices differ.
int64_t differing_rows(const std::vector<int32_t>& a, int64_t wa, const std::vector<int32_t>& b, int64_t wb, int64_t rows) {
  int64_t n = 0;
  for (int64_t r = 0; r < rows; ++r) {
    std::multiset<int32_t> sa, sb;
    for (int64_t j = 0; j < wa; ++j) if (a[size_t(r * wa + j)] >= 0) sa.insert(a[size_t(r * wa + j)]);
    for (int64_t j = 0; j < wb; ++j) if (b[size_t(r * wb + j)] >= 0) sb.insert(b[size_t(r * wb + j)]);
    n += sa != sb;
  }
  return n;
}

std::vector<GoldenLine> check_attention(const GoldenCase& gc) {
  reference::ModelConfig cfg = golden_model_config(gc);
  const int64_t ratio = std::stoll(gc.extra("compress_ratio"));
  const LayerTensors layer = load_weights(gc, ratio);
  const Tensor xp = gc.tensor("in.x_prefill"), xd = gc.tensor("in.x_decode");
  const int64_t S = xp.dim(1), T = xd.dim(1), dim = cfg.dim, H = cfg.n_heads, D = cfg.head_dim;
  std::vector<GoldenLine> lines;

  const Tensor trace_pidx = gc.tensor("trace.prefill_topk_idxs");
  const int64_t pw = trace_pidx.dim(2);
  const std::vector<int32_t> official_pidx = indices_of(trace_pidx);
  const Tensor trace_didx = gc.tensor("trace.decode_topk_idxs");
  const int64_t dw = trace_didx.dim(1);
  const std::vector<int32_t> official_didx = indices_of(trace_didx);

  for (const bool forced : {false, true}) {
    const std::string tag = forced ? " (official index lists)" : " (own index lists)";
    reference::AttentionCache cache;
    reference::AttentionTrace trace;
    std::vector<bf16> y(static_cast<size_t>(S * dim));
    const reference::IndexOverride pov{official_pidx.data(), pw};
    reference::attention_prefill(y.data(), cache, xp.data<bf16>(), S, cfg, ratio, layer.w, &trace, forced ? &pov : nullptr);
    if (!forced) {
      lines.push_back({gc.case_name(), "prefill index lists", true,
                       fmt::format("{} of {} rows differ as sets", differing_rows(trace.own_idx, trace.width, official_pidx, pw, S), S),
                       "report", ""});
      lines.push_back(golden_compare(gc, "trace.prefill_kv", tensor_from(trace.kv, {int64_t(trace.kv.size()) / D, D}),
                                     reshaped(gc.tensor("trace.prefill_kv"), {int64_t(trace.kv.size()) / D, D}),
                                     ComparePolicy::bitwise("exploratory")));
      lines.push_back(golden_compare(gc, "trace.prefill_q_last16", tensor_from(std::vector<bf16>(trace.q.end() - 16 * H * D, trace.q.end()), {16, H, D}),
                                     reshaped(gc.tensor("trace.prefill_q_last16"), {16, H, D}), ComparePolicy::bitwise("exploratory")));
      lines.push_back(golden_compare(gc, "trace.prefill_attn_out_last16", tensor_from(std::vector<bf16>(trace.o.end() - 16 * H * D, trace.o.end()), {16, H, D}),
                                     reshaped(gc.tensor("trace.prefill_attn_out_last16"), {16, H, D}), ComparePolicy::bitwise("exploratory")));
      lines.push_back(golden_compare(gc, "trace.kv_cache_after_prefill", tensor_from(cache.kv, {int64_t(cache.kv.size()) / D, D}),
                                     gc.tensor("trace.kv_cache_after_prefill"), ComparePolicy::bitwise("exploratory")));
    }
    lines.push_back(golden_compare(gc, "out.prefill" + tag, tensor_from(y, {S, dim}), reshaped(gc.tensor("out.prefill"), {S, dim}),
                                   ComparePolicy::bitwise("exploratory")));
    std::vector<bf16> yd(static_cast<size_t>(T * dim));
    std::vector<int32_t> own_d(static_cast<size_t>(T * dw), -1);
    for (int64_t t = 0; t < T; ++t) {
      const reference::IndexOverride dov{official_didx.data() + t * dw, dw};
      reference::attention_decode(yd.data() + t * dim, cache, xd.data<bf16>() + t * dim, S + t, cfg, ratio, layer.w, &trace,
                                  forced ? &dov : nullptr);
      std::copy(trace.own_idx.begin(), trace.own_idx.end(), own_d.begin() + t * dw);
    }
    if (!forced) {
      lines.push_back({gc.case_name(), "decode index lists", true,
                       fmt::format("{} of {} rows differ as sets", differing_rows(own_d, dw, official_didx, dw, T), T), "report", ""});
      lines.push_back(golden_compare(gc, "trace.kv_cache_final", tensor_from(cache.kv, {int64_t(cache.kv.size()) / D, D}),
                                     gc.tensor("trace.kv_cache_final"), ComparePolicy::bitwise("exploratory")));
      if (ratio == 4) {
        lines.push_back(golden_compare(gc, "trace.indexer_kv_cache_final", tensor_from(std::vector<bf16>(cache.index_keys.begin(), cache.index_keys.begin() + (S + T) / 4 * cfg.index_head_dim), {(S + T) / 4, cfg.index_head_dim}),
                                       gc.tensor("trace.indexer_kv_cache_final"), ComparePolicy::bitwise("exploratory")));
      }
    }
    lines.push_back(golden_compare(gc, "out.decode" + tag, tensor_from(yd, {T, dim}), reshaped(gc.tensor("out.decode"), {T, dim}),
                                   ComparePolicy::bitwise("exploratory")));
  }
  return lines;
}

}  // namespace
V4_REGISTER_GOLDEN("attention_swa", check_attention);
V4_REGISTER_GOLDEN("attention_csa", check_attention);
V4_REGISTER_GOLDEN("attention_hca", check_attention);
}  // namespace v4::harness
