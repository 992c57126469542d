// Golden checkers for attention_swa, attention_csa and attention_hca: [C]'s Attention.forward,
// prefill of S = 300 tokens then 86 decode tokens (positions S..S+85).
//
// The layer runs twice: with the official index lists (trace.*topk_idxs) fed in, which isolates
// the arithmetic from near-ties in the bf16 indexer scores (golden README), and with its own
// lists. The own lists are compared with the official ones row by row (as sets and in order);
// own-list outputs are compared on the rows whose list equals the official one.
//
// Bounds: per element, by interval propagation through every rounding point of the layer
// (properties/attention_invariants.h, properties/interval_invariants.h, compressor entries by
// properties::compressor_bounds): an element may differ only where an upstream value can sit on
// the other side of a bf16 / fp8 / bf16(P) rounding point given the other side's fp32 orders
// and libm; the bound is then the farthest reachable value, propagated through the rest of the
// layer (first order, with magnitudes). Intermediates recorded by the official run (the KV
// array, q and the attention output of the last 16 prefill rows, the caches) are checked with
// the same bounds.
#include <cmath>
#include <set>
#include <vector>

#include <fmt/format.h>

#include "harness/ops/attention_golden_util.h"
#include "harness/ops/op_util.h"
#include "properties/attention_invariants.h"
#include "properties/compressor_invariants.h"
#include "properties/interval_invariants.h"
#include "reference/attention.h"
#include "reference/rope.h"
#include "reference/sparse_attn.h"

namespace v4::harness {
namespace {

struct LayerTensors {
  std::map<std::string, Tensor> t;
  reference::AttentionWeights w;
};

LayerTensors load_weights(const GoldenCase& gc, int64_t ratio) {
  LayerTensors l;
  std::vector<std::string> names = {"attn_sink",  "wq_a.weight",    "q_norm.weight", "wq_b.weight",
                                    "wkv.weight", "kv_norm.weight", "wo_a.weight",   "wo_b.weight"};
  if (ratio) {
    for (const char* n : {"compressor.wkv.weight", "compressor.wgate.weight", "compressor.ape",
                          "compressor.norm.weight"}) {
      names.push_back(n);
    }
  }
  if (ratio == 4) {
    for (const char* n : {"indexer.wq_b.weight", "indexer.weights_proj.weight",
                          "indexer.compressor.wkv.weight", "indexer.compressor.wgate.weight",
                          "indexer.compressor.ape", "indexer.compressor.norm.weight"}) {
      names.push_back(n);
    }
  }
  for (const std::string& n : names)
    l.t[n] = gc.tensor(n);
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

std::multiset<int32_t> valid_set(const int32_t* row, int64_t width) {
  std::multiset<int32_t> s;
  for (int64_t j = 0; j < width; ++j)
    if (row[j] >= 0)
      s.insert(row[j]);
  return s;
}
std::vector<int32_t> valid_list(const int32_t* row, int64_t width) {
  std::vector<int32_t> v;
  for (int64_t j = 0; j < width; ++j)
    if (row[j] >= 0)
      v.push_back(row[j]);
  return v;
}

// Rows of `own` that equal the official list (valid entries, in order); counts set differences.
struct ListComparison {
  std::vector<bool> same;
  int64_t set_differs = 0, order_differs = 0;
};
ListComparison compare_lists(const std::vector<int32_t>& own, int64_t ow,
                             const std::vector<int32_t>& official, int64_t fw, int64_t rows) {
  ListComparison c;
  for (int64_t r = 0; r < rows; ++r) {
    const int32_t *a = own.data() + r * ow, *b = official.data() + r * fw;
    const bool same_set = valid_set(a, ow) == valid_set(b, fw);
    const bool same_list = valid_list(a, ow) == valid_list(b, fw);
    c.same.push_back(same_list);
    c.set_differs += !same_set;
    c.order_differs += same_set && !same_list;
  }
  return c;
}

// Keeps rows where `keep` is true (others become the official values, bound 0: not compared).
void mask_rows(Tensor& ours, const Tensor& official, std::vector<double>& bound,
               const std::vector<bool>& keep, int64_t row_elems) {
  for (size_t r = 0; r < keep.size(); ++r) {
    if (keep[r])
      continue;
    std::copy(official.data<bf16>() + r * row_elems, official.data<bf16>() + (r + 1) * row_elems,
              ours.data<bf16>() + r * row_elems);
    std::fill(bound.begin() + int64_t(r) * row_elems, bound.begin() + int64_t(r + 1) * row_elems,
              0.0);
  }
}

std::vector<GoldenLine> check_attention(const GoldenCase& gc) {
  const reference::ModelConfig cfg = golden_model_config(gc);
  const int64_t ratio = std::stoll(gc.extra("compress_ratio"));
  const LayerTensors layer = load_weights(gc, ratio);
  const reference::AttentionWeights& w = layer.w;
  const Tensor xp = gc.tensor("in.x_prefill"), xd = gc.tensor("in.x_decode");
  const int64_t S = xp.dim(1), T = xd.dim(1), dim = cfg.dim, H = cfg.n_heads, D = cfg.head_dim,
                W = cfg.window_size;
  const std::string why = "interval propagation through the stage's rounding points";
  // End to end the bound composes ~10 stages to first order with worst-case signs: a 1024-term
  // linear fed by inputs that may each be one ulp off is bounded by the L1 sum, ~√K above the
  // typical error. It is sound but loose; the stage checks above and below carry the precision.
  const std::string why_e2e =
      "end to end: first-order worst-case composition of every stage's interval bound";
  std::vector<GoldenLine> lines;

  const Tensor trace_pidx = gc.tensor("trace.prefill_topk_idxs"),
               trace_didx = gc.tensor("trace.decode_topk_idxs");
  const int64_t pw = trace_pidx.dim(2), dw = trace_didx.dim(1);
  const std::vector<int32_t> official_pidx = indices_of(trace_pidx),
                             official_didx = indices_of(trace_didx);

  // Bounds of everything computed from x alone: q, raw kv rows, compressed entries.
  std::vector<bf16> x_all(static_cast<size_t>((S + T) * dim));
  std::copy(xp.data<bf16>(), xp.data<bf16>() + S * dim, x_all.begin());
  std::copy(xd.data<bf16>(), xd.data<bf16>() + T * dim, x_all.begin() + S * dim);
  std::vector<int64_t> positions(static_cast<size_t>(S + T));
  for (int64_t p = 0; p < S + T; ++p)
    positions[size_t(p)] = p;
  const properties::QkvBounds qkv =
      properties::attention_qkv_bounds(x_all.data(), positions.data(), S + T, cfg, ratio, w);
  properties::CompressorBounds cmp;
  if (ratio)
    cmp = properties::compressor_bounds(reference::attention_compressor_params(cfg, ratio, w),
                                        x_all.data(), S + T);

  // ---- prefill with the official lists.
  reference::AttentionCache cache;
  reference::AttentionTrace trace;
  std::vector<bf16> y(static_cast<size_t>(S * dim));
  const reference::IndexOverride pov{official_pidx.data(), pw};
  reference::attention_prefill(y.data(), cache, xp.data<bf16>(), S, cfg, ratio, w, &trace, &pov);
  const int64_t blocks = ratio ? S / ratio : 0, n_kv = S + blocks;
  std::vector<double> e_array(qkv.e_kv.begin(), qkv.e_kv.begin() + S * D);
  if (ratio)
    e_array.insert(e_array.end(), cmp.entries.begin(), cmp.entries.begin() + blocks * D);
  const std::vector<bf16> q_prefill(qkv.q.begin(), qkv.q.begin() + S * H * D);
  const std::vector<double> e_q_prefill(qkv.e_q.begin(), qkv.e_q.begin() + S * H * D);
  const properties::OutputBounds ob = properties::attention_output_bounds(
      q_prefill, e_q_prefill, trace.kv.data(), e_array, n_kv, official_pidx.data(), pw,
      positions.data(), S, cfg, ratio, w);
  lines.push_back(golden_compare(gc, "reference q/kv path vs bounded path",
                                 tensor_from(trace.q, {S, H, D}), tensor_from(q_prefill, {S, H, D}),
                                 ComparePolicy::bitwise("the same reference calls")));
  lines.push_back(golden_compare_bounded(gc, "trace.prefill_kv", tensor_from(trace.kv, {n_kv, D}),
                                         reshaped(gc.tensor("trace.prefill_kv"), {n_kv, D}),
                                         e_array, why));
  const int64_t last = (S - 16) * H * D;
  lines.push_back(golden_compare_bounded(
      gc, "trace.prefill_q_last16",
      tensor_from(std::vector<bf16>(trace.q.begin() + last, trace.q.end()), {16, H, D}),
      reshaped(gc.tensor("trace.prefill_q_last16"), {16, H, D}),
      std::vector<double>(e_q_prefill.begin() + last, e_q_prefill.end()), why));
  lines.push_back(golden_compare_bounded(
      gc, "trace.prefill_attn_out_last16",
      tensor_from(std::vector<bf16>(trace.o.begin() + last, trace.o.end()), {16, H, D}),
      reshaped(gc.tensor("trace.prefill_attn_out_last16"), {16, H, D}),
      std::vector<double>(ob.e_o.begin() + last, ob.e_o.end()), why_e2e));
  lines.push_back(
      golden_compare_bounded(gc, "out.prefill (official index lists)", tensor_from(y, {S, dim}),
                             reshaped(gc.tensor("out.prefill"), {S, dim}), ob.e_y, why_e2e));

  // Stage checks on the official intermediates of the last 16 prefill rows: sparse attention on
  // the official q, KV array and lists; the output projection on the official attention output.
  {
    const Tensor q16 = reshaped(gc.tensor("trace.prefill_q_last16"), {16, H, D});
    const Tensor kv_off = reshaped(gc.tensor("trace.prefill_kv"), {n_kv, D});
    const Tensor o16 = reshaped(gc.tensor("trace.prefill_attn_out_last16"), {16, H, D});
    const int32_t* idx16 = official_pidx.data() + (S - 16) * pw;
    const float scale = float(std::pow(double(D), -0.5));
    Tensor o(DType::bf16, {16, H, D});
    reference::sparse_attn(o.data<bf16>(), q16.data<bf16>(), kv_off.data<bf16>(), w.attn_sink,
                           idx16, 16, H, D, n_kv, pw, scale);
    const std::vector<double> e_o16 = properties::sparse_attn_bounds(
        q16.data<bf16>(), {}, kv_off.data<bf16>(), {}, w.attn_sink, idx16, 16, H, D, pw, scale);
    lines.push_back(golden_compare_bounded(
        gc, "stage: sparse_attn on official q, kv, lists (last 16)", o, o16, e_o16, why));
    Tensor y16(DType::bf16, {16, dim});
    std::vector<bf16> o_derot(o16.data<bf16>(), o16.data<bf16>() + o16.numel());
    reference::rope_apply(o_derot.data(), o_derot.data(), positions.data() + S - 16, 16, H, D,
                          reference::rope_params_for_layer(cfg, ratio), true);
    reference::attention_output(y16.data<bf16>(), o_derot.data(), w.wo_a, w.wo_b, 16, H, D,
                                cfg.o_groups, cfg.o_lora_rank, dim);
    const std::vector<double> e_y16 = properties::attention_projection_bounds(
        o16.data<bf16>(), std::vector<double>(static_cast<size_t>(o16.numel()), 0.0),
        positions.data() + S - 16, 16, cfg, ratio, w);
    const Tensor official_y = reshaped(gc.tensor("out.prefill"), {S, dim}).slice_rows(S - 16, 16);
    lines.push_back(
        golden_compare_bounded(gc, "stage: de-rotation + wo_a + wo_b on official o (last 16)", y16,
                               official_y, e_y16, why));
  }

  // Cache bounds: ring slot ← the raw row's bound; row W + i ← compressed entry i.
  const int64_t cache_rows = int64_t(cache.kv.size()) / D;
  std::vector<double> e_cache(static_cast<size_t>(cache_rows * D), 0.0);
  const auto put_raw = [&](int64_t p) {
    std::copy(qkv.e_kv.begin() + p * D, qkv.e_kv.begin() + (p + 1) * D,
              e_cache.begin() + (p % W) * D);
  };
  const auto put_block = [&](int64_t i) {
    std::copy(cmp.entries.begin() + i * D, cmp.entries.begin() + (i + 1) * D,
              e_cache.begin() + (W + i) * D);
  };
  for (int64_t p = std::max<int64_t>(0, S - W); p < S; ++p)
    put_raw(p);
  for (int64_t i = 0; i < blocks; ++i)
    put_block(i);
  lines.push_back(golden_compare_bounded(gc, "trace.kv_cache_after_prefill",
                                         tensor_from(cache.kv, {cache_rows, D}),
                                         gc.tensor("trace.kv_cache_after_prefill"), e_cache, why));

  // ---- decode steps with the official lists.
  std::vector<bf16> yd(static_cast<size_t>(T * dim));
  std::vector<double> e_yd(static_cast<size_t>(T * dim));
  for (int64_t t = 0; t < T; ++t) {
    const int64_t pos = S + t;
    const reference::IndexOverride dov{official_didx.data() + t * dw, dw};
    reference::attention_decode(yd.data() + t * dim, cache, xd.data<bf16>() + t * dim, pos, cfg,
                                ratio, w, &trace, &dov);
    put_raw(pos);
    if (ratio && (pos + 1) % ratio == 0)
      put_block((pos + 1) / ratio - 1);
    const std::vector<bf16> q(qkv.q.begin() + pos * H * D, qkv.q.begin() + (pos + 1) * H * D);
    const std::vector<double> e_q(qkv.e_q.begin() + pos * H * D,
                                  qkv.e_q.begin() + (pos + 1) * H * D);
    const properties::OutputBounds od = properties::attention_output_bounds(
        q, e_q, cache.kv.data(), e_cache, cache_rows, official_didx.data() + t * dw, dw, &pos, 1,
        cfg, ratio, w);
    std::copy(od.e_y.begin(), od.e_y.end(), e_yd.begin() + t * dim);
  }
  lines.push_back(
      golden_compare_bounded(gc, "out.decode (official index lists)", tensor_from(yd, {T, dim}),
                             reshaped(gc.tensor("out.decode"), {T, dim}), e_yd, why_e2e));
  lines.push_back(golden_compare_bounded(gc, "trace.kv_cache_final",
                                         tensor_from(cache.kv, {cache_rows, D}),
                                         gc.tensor("trace.kv_cache_final"), e_cache, why));
  if (ratio == 4) {
    const reference::IndexerParams ip = reference::attention_indexer_params(cfg, w);
    const properties::CompressorBounds icmp =
        properties::compressor_bounds(ip.compressor, x_all.data(), S + T);
    const int64_t n = (S + T) / 4, hd = cfg.index_head_dim;
    lines.push_back(golden_compare_bounded(
        gc, "trace.indexer_kv_cache_final",
        tensor_from(std::vector<bf16>(cache.index_keys.begin(), cache.index_keys.begin() + n * hd),
                    {n, hd}),
        gc.tensor("trace.indexer_kv_cache_final"), icmp.entries, why));
  }

  // ---- the layer's own index lists.
  reference::AttentionCache own_cache;
  std::vector<bf16> y_own(static_cast<size_t>(S * dim)), yd_own(static_cast<size_t>(T * dim));
  reference::attention_prefill(y_own.data(), own_cache, xp.data<bf16>(), S, cfg, ratio, w, &trace);
  const ListComparison pl = compare_lists(trace.own_idx, trace.width, official_pidx, pw, S);
  std::vector<int32_t> own_d;
  int64_t own_dw = 0;
  std::vector<bool> d_same;
  ListComparison dl;
  for (int64_t t = 0; t < T; ++t) {
    reference::attention_decode(yd_own.data() + t * dim, own_cache, xd.data<bf16>() + t * dim,
                                S + t, cfg, ratio, w, &trace);
    const std::vector<int32_t> official_row(official_didx.begin() + t * dw,
                                            official_didx.begin() + (t + 1) * dw);
    const ListComparison one = compare_lists(trace.own_idx, trace.width, official_row, dw, 1);
    d_same.push_back(one.same[0]);
    dl.set_differs += one.set_differs;
    dl.order_differs += one.order_differs;
    own_dw = std::max(own_dw, trace.width);
  }
  lines.push_back({gc.case_name(), "own prefill index lists", true,
                   fmt::format("{} of {} rows differ as sets, {} more only in order",
                               pl.set_differs, S, pl.order_differs),
                   "reported (near-ties in bf16 indexer scores make the official top-k ambiguous)",
                   ""});
  lines.push_back({gc.case_name(), "own decode index lists", true,
                   fmt::format("{} of {} rows differ as sets, {} more only in order",
                               dl.set_differs, T, dl.order_differs),
                   "reported", ""});
  Tensor y_own_t = tensor_from(y_own, {S, dim}), yd_own_t = tensor_from(yd_own, {T, dim});
  const Tensor off_p = reshaped(gc.tensor("out.prefill"), {S, dim}),
               off_d = reshaped(gc.tensor("out.decode"), {T, dim});
  std::vector<double> e_p_own = ob.e_y, e_d_own = e_yd;
  mask_rows(y_own_t, off_p, e_p_own, pl.same, dim);
  mask_rows(yd_own_t, off_d, e_d_own, d_same, dim);
  lines.push_back(golden_compare_bounded(gc, "out.prefill (own index lists, equal-list rows)",
                                         y_own_t, off_p, e_p_own, why_e2e));
  lines.push_back(golden_compare_bounded(gc, "out.decode (own index lists, equal-list rows)",
                                         yd_own_t, off_d, e_d_own, why_e2e));
  return lines;
}

} // namespace
V4_REGISTER_GOLDEN("attention_swa", check_attention);
V4_REGISTER_GOLDEN("attention_csa", check_attention);
V4_REGISTER_GOLDEN("attention_hca", check_attention);
} // namespace v4::harness
