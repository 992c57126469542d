// Golden checker for indexer: [C]'s Indexer.forward(x, qr, start_pos, offset), prefill of S = 300
// tokens (offset S) then 8 decode tokens (offset window_size).
#include <cmath>
#include <set>
#include <vector>

#include <fmt/format.h>

#include "harness/ops/attention_golden_util.h"
#include "harness/ops/op_util.h"
#include "reference/indexer.h"
#include "reference/rope.h"

namespace v4::harness {
namespace {

std::vector<GoldenLine> check_indexer(const GoldenCase& gc) {
  const reference::ModelConfig cfg = golden_model_config(gc);
  const Tensor wq_b = gc.tensor("wq_b.weight"), wp = gc.tensor("weights_proj.weight");
  const Tensor c_wkv = gc.tensor("compressor.wkv.weight"), c_wgate = gc.tensor("compressor.wgate.weight"),
               c_ape = gc.tensor("compressor.ape"), c_norm = gc.tensor("compressor.norm.weight");
  reference::IndexerParams p;
  p.dim = cfg.dim;
  p.q_lora_rank = cfg.q_lora_rank;
  p.n_heads = cfg.index_n_heads;
  p.head_dim = cfg.index_head_dim;
  p.topk = cfg.index_topk;
  p.ratio = 4;
  p.rope = reference::rope_params_for_layer(cfg, 4);
  p.wq_b = wq_b.data<bf16>();
  p.weights_proj = wp.data<bf16>();
  p.compressor.dim = cfg.dim;
  p.compressor.head_dim = p.head_dim;
  p.compressor.ratio = 4;
  p.compressor.rotate = true;
  p.compressor.norm_eps = float(cfg.norm_eps);
  p.compressor.rope = p.rope;
  p.compressor.wkv = c_wkv.data<float>();
  p.compressor.wgate = c_wgate.data<float>();
  p.compressor.ape = c_ape.data<float>();
  p.compressor.norm = c_norm.data<float>();

  const Tensor xp = gc.tensor("in.x_prefill"), qrp = gc.tensor("in.qr_prefill");
  const Tensor xd = gc.tensor("in.x_decode"), qrd = gc.tensor("in.qr_decode");
  const int64_t S = xp.dim(1), T = xd.dim(1), n_max = (S + T) / 4;
  std::vector<GoldenLine> lines;

  std::vector<bf16> keys(static_cast<size_t>(n_max * p.head_dim));
  reference::CompressorState state;
  const int64_t width = std::min(p.topk, S / 4);
  std::vector<int32_t> idx(static_cast<size_t>(S * width));
  std::vector<bf16> scores(static_cast<size_t>(S * (S / 4)));
  reference::indexer_prefill(idx.data(), keys.data(), &state, scores.data(), xp.data<bf16>(), qrp.data<bf16>(), S, S, p);
  lines.push_back(golden_compare(gc, "trace.prefill_score", tensor_from(scores, {S, S / 4}),
                                 reshaped(gc.tensor("trace.prefill_score"), {S, S / 4}), ComparePolicy::bitwise("exploratory")));
  lines.push_back(golden_compare(gc, "out.prefill_topk", tensor_from(idx, {S, width}),
                                 tensor_from(indices_of(gc.tensor("out.prefill_topk")), {S, width}),
                                 ComparePolicy::index_set("exploratory")));

  std::vector<int32_t> dec_idx;
  for (int64_t t = 0; t < T; ++t) {
    const int64_t pos = S + t, n = reference::indexer_visible(pos, 4), w = std::min(p.topk, n);
    std::vector<int32_t> row(static_cast<size_t>(w));
    std::vector<bf16> s(static_cast<size_t>(n));
    reference::indexer_decode(row.data(), keys.data(), state, s.data(), xd.data<bf16>() + t * p.dim,
                              qrd.data<bf16>() + t * p.q_lora_rank, pos, cfg.window_size, p);
    dec_idx.insert(dec_idx.end(), row.begin(), row.end());
    lines.push_back(golden_compare(gc, fmt::format("trace.decode_score.{:03d}", t), tensor_from(s, {n}),
                                   reshaped(gc.tensor(fmt::format("trace.decode_score.{:03d}", t)), {n}),
                                   ComparePolicy::bitwise("exploratory")));
  }
  lines.push_back(golden_compare(gc, "out.decode_topk", tensor_from(dec_idx, {T, p.topk}),
                                 tensor_from(indices_of(gc.tensor("out.decode_topk")), {T, p.topk}),
                                 ComparePolicy::index_set("exploratory")));
  lines.push_back(golden_compare(gc, "out.kv_cache", tensor_from(std::vector<bf16>(keys.begin(), keys.begin() + n_max * p.head_dim), {n_max, p.head_dim}),
                                 gc.tensor("out.kv_cache"), ComparePolicy::bitwise("exploratory")));
  return lines;
}

}  // namespace
V4_REGISTER_GOLDEN("indexer", check_indexer);
}  // namespace v4::harness
