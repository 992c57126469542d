// Golden checker for the transformer case: [C]'s Transformer.forward(input_ids, start_pos),
// 4 layers (window, CSA, HCA, CSA; layer 0 hash-routed), prefill of S = 300 tokens then 86
// single-token decode steps, fp32 logits of the last position.
//
// Every layer is checked on its own recorded input (trace.layers.<i-1>.*; layer 0: the
// embedding), so errors do not compound: layer i's output is compared with trace.layers.<i>.*
// within the Block bound of block_golden_sampling.h, with the official index lists fed into the
// CSA layers (near-ties in bf16 indexer scores; the own lists are compared as sets and
// reported). A summary line names the first layer whose output leaves its bound. The logits
// are checked from the recorded last-layer output (hc_head → norm → fp32 head, bound in
// block_golden_bounds.h). Finally the whole reference forward runs on the ids alone (official
// lists forced) and its logits' distance to the official ones is reported: that chain compounds
// 4 layers of bf16-level differences, which the per-layer lines bound individually.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "harness/ops/attention_golden_util.h"
#include "harness/ops/block_golden_sampling.h"
#include "harness/ops/block_golden_util.h"
#include "harness/registry.h"
#include "reference/transformer.h"

namespace v4::harness {
namespace {

struct Model {
  GoldenParams params;
  reference::ModelConfig cfg;
  reference::TransformerWeights w;
};

void load_model(Model& m, const GoldenCase& gc) {
  m.cfg = golden_full_config(gc);
  m.w = transformer_weights_view(m.params.lookup(gc), m.cfg);
}

// The input streams of layer i: the embedding (layer 0) or the recorded output of layer i − 1.
std::vector<bf16> layer_input(const GoldenCase& gc, const Model& m, int64_t i,
                              const std::vector<int64_t>& ids, int64_t S, int64_t T) {
  const int64_t row = 4 * m.cfg.dim;
  std::vector<bf16> x(static_cast<size_t>((S + T) * row));
  if (i == 0) {
    reference::embed_streams(x.data(), ids.data(), m.w.embed, S + T, m.cfg);
    return x;
  }
  const Tensor p = gc.tensor(fmt::format("trace.layers.{}.prefill", i - 1)),
               d = gc.tensor(fmt::format("trace.layers.{}.decode", i - 1));
  std::copy(p.data<bf16>(), p.data<bf16>() + S * row, x.begin());
  std::copy(d.data<bf16>(), d.data<bf16>() + T * row, x.begin() + S * row);
  return x;
}

std::vector<GoldenLine> check_transformer(const GoldenCase& gc) {
  Model m;
  load_model(m, gc);
  const reference::ModelConfig& cfg = m.cfg;
  const int64_t S = std::stoll(gc.extra("prefill_len")), T = std::stoll(gc.extra("decode_steps"));
  const int64_t dim = cfg.dim, row = 4 * dim, vocab = cfg.vocab_size, L = cfg.n_layers;
  const Tensor ids_t = gc.tensor("in.input_ids");
  const std::vector<int64_t> ids(ids_t.data<int64_t>(), ids_t.data<int64_t>() + S + T);
  std::vector<GoldenLine> lines;
  std::string first_failure;
  reference::LayerOverrides forced(static_cast<size_t>(L));
  std::vector<std::vector<int32_t>> keep_p(static_cast<size_t>(L)), keep_d(static_cast<size_t>(L));
  std::vector<int64_t> dws(static_cast<size_t>(L), 0);

  for (int64_t i = 0; i < L; ++i) {
    const reference::BlockWeights& w = m.w.layers[size_t(i)];
    const std::vector<bf16> xin = layer_input(gc, m, i, ids, S, T);
    const std::string pre = fmt::format("trace.layers.{}.", i);
    keep_p[size_t(i)] = golden_indices(gc, pre + "prefill_topk_idxs");
    keep_d[size_t(i)] = golden_indices(gc, pre + "decode_topk_idxs");
    const std::vector<int32_t>&pidx = keep_p[size_t(i)], &didx = keep_d[size_t(i)];
    const int64_t pw = pidx.empty() ? 0 : int64_t(pidx.size()) / S,
                  dw = didx.empty() ? 0 : int64_t(didx.size()) / T;
    dws[size_t(i)] = dw;
    forced[size_t(i)] = {pidx.empty() ? nullptr : pidx.data(), pw};

    // The reference Block through its API, with its own lists traced.
    std::vector<bf16> y(xin.size());
    reference::BlockState state;
    reference::BlockTrace trace;
    reference::block_prefill(y.data(), state, xin.data(), ids.data(), S, cfg, w, &trace,
                             pidx.empty() ? nullptr : &forced[size_t(i)]);
    const std::vector<int32_t> own_p = trace.attn.own_idx;
    SelectionDiff dd; // decode steps, one row each (a step's own width may differ)
    for (int64_t t = 0; t < T; ++t) {
      const reference::IndexOverride dov{didx.data() + t * dw, dw};
      reference::block_decode(y.data() + (S + t) * row, state, xin.data() + (S + t) * row,
                              ids[size_t(S + t)], S + t, cfg, w, &trace,
                              didx.empty() ? nullptr : &dov);
      if (!didx.empty()) {
        const std::vector<int32_t> row(didx.begin() + t * dw, didx.begin() + (t + 1) * dw);
        const SelectionDiff one =
            compare_selections(trace.attn.own_idx, int64_t(trace.attn.own_idx.size()), row, dw, 1);
        dd.set_differs += one.set_differs, dd.order_differs += one.order_differs;
      }
    }
    const BlockSequenceBounds b = block_sequence_bounds(
        {xin, std::vector<double>(xin.size(), 0.0)}, ids.data(), S, T, cfg, w,
        pidx.empty() ? nullptr : pidx.data(), pw, didx.empty() ? nullptr : didx.data(), dw);
    lines.push_back(
        golden_compare(gc, fmt::format("layer {}: reference Block API vs bounded path", i),
                       tensor_from(y, {S + T, 4, dim}), tensor_from(b.y.v, {S + T, 4, dim}),
                       ComparePolicy::bitwise("the same reference calls")));
    for (const bool decode : {false, true}) {
      const Tensor official =
          reshaped(gc.tensor(pre + (decode ? "decode" : "prefill")), {decode ? T : S, 4, dim});
      const int64_t first = decode ? S : 0, rows = decode ? T : S;
      const std::vector<double> e(b.y.e.begin() + first * row,
                                  b.y.e.begin() + (first + rows) * row);
      const Tensor t = tensor_from(
          std::vector<bf16>(b.y.v.begin() + first * row, b.y.v.begin() + (first + rows) * row),
          {rows, 4, dim});
      const RowScaleUlps r = row_scale_ulps(e, tensor_values(t), tensor_values(official), row);
      GoldenLine line = golden_compare_bounded(
          gc,
          fmt::format("layer {} (m = {}{}): {}", i, cfg.compress_ratio(i),
                      i < cfg.n_hash_layers ? ", hash" : "",
                      decode ? "trace decode outputs" : "trace prefill outputs"),
          t, official, e,
          fmt::format("local step bounds on the recorded input, propagated by {} reference "
                      "samples, x{}; in bf16 ulps of the token's max |y|: bound <= {:.3g}, "
                      "difference <= {:.3g}",
                      kSamples, kSampleHeadroom, r.bound, r.diff));
      if (!line.passed && first_failure.empty())
        first_failure = fmt::format("layer {} ({})", i, decode ? "decode" : "prefill");
      lines.push_back(line);
    }
    lines.push_back(sampling_line(gc, fmt::format("layer {}: sampled propagation", i), b, S + T));
    if (!pidx.empty()) {
      const SelectionDiff dp = compare_selections(own_p, int64_t(own_p.size()) / S, pidx, pw, S);
      lines.push_back(
          {gc.case_name(), fmt::format("layer {}: own index lists", i), true,
           fmt::format("prefill {} of {} rows differ as sets ({} more only in order); "
                       "decode {} of {} ({})",
                       dp.set_differs, S, dp.order_differs, dd.set_differs, T, dd.order_differs),
           "reported (near-ties in bf16 indexer scores)", ""});
    }
  }
  lines.push_back({gc.case_name(), "first layer outside its bound", first_failure.empty(),
                   first_failure.empty() ? "none" : first_failure,
                   "every layer on its recorded input", ""});

  // Logits from the recorded last-layer output.
  const Tensor last_p = gc.tensor(fmt::format("trace.layers.{}.prefill", L - 1)),
               last_d = gc.tensor(fmt::format("trace.layers.{}.decode", L - 1));
  const auto logits_of = [&](const bf16* streams, std::vector<float>& out, std::vector<double>& e,
                             std::vector<float>& api) {
    const LogitBounds lb = head_bounds({std::vector<bf16>(streams, streams + row),
                                        std::vector<double>(static_cast<size_t>(row), 0.0)},
                                       cfg, m.w.head);
    out.insert(out.end(), lb.logits.begin(), lb.logits.end());
    e.insert(e.end(), lb.e.begin(), lb.e.end());
    std::vector<float> a(static_cast<size_t>(vocab));
    reference::head_logits(a.data(), streams, cfg, m.w.head);
    api.insert(api.end(), a.begin(), a.end());
  };
  for (const bool decode : {false, true}) {
    std::vector<float> ours, api;
    std::vector<double> e;
    const int64_t rows = decode ? T : 1;
    for (int64_t r = 0; r < rows; ++r)
      logits_of(decode ? last_d.data<bf16>() + r * row : last_p.data<bf16>() + (S - 1) * row, ours,
                e, api);
    const Tensor official =
        reshaped(gc.tensor(decode ? "out.decode_logits" : "out.prefill_logits"), {rows, vocab});
    lines.push_back(golden_compare(
        gc, fmt::format("head API vs bounded path ({})", decode ? "decode" : "prefill"),
        tensor_from(api, {rows, vocab}), tensor_from(ours, {rows, vocab}),
        ComparePolicy::bitwise("the same reference calls")));
    lines.push_back(
        golden_compare_bounded(gc,
                               fmt::format("{} from the recorded last-layer output",
                                           decode ? "out.decode_logits" : "out.prefill_logits"),
                               tensor_from(ours, {rows, vocab}), official, e,
                               "hc_head, norm and fp32 head interval bound"));
  }

  // The whole forward on the ids alone (official lists forced): errors compound; reported.
  reference::TransformerState st;
  std::vector<float> logits(static_cast<size_t>((T + 1) * vocab));
  reference::transformer_prefill(logits.data(), st, ids.data(), S, cfg, m.w, nullptr, &forced);
  for (int64_t t = 0; t < T; ++t) {
    reference::LayerOverrides fd(static_cast<size_t>(L));
    for (int64_t i = 0; i < L; ++i)
      if (!keep_d[size_t(i)].empty())
        fd[size_t(i)] = {keep_d[size_t(i)].data() + t * dws[size_t(i)], dws[size_t(i)]};
    reference::transformer_decode(logits.data() + (t + 1) * vocab, st, ids[size_t(S + t)], S + t,
                                  cfg, m.w, nullptr, &fd);
  }
  const Tensor op = gc.tensor("out.prefill_logits"), od = gc.tensor("out.decode_logits");
  double max_abs = 0;
  int64_t argmax_same = 0;
  for (int64_t r = 0; r <= T; ++r) {
    const float* off = r == 0 ? op.data<float>() : od.data<float>() + (r - 1) * vocab;
    const float* our = logits.data() + r * vocab;
    for (int64_t v = 0; v < vocab; ++v)
      max_abs = std::max(max_abs, std::fabs(double(our[v]) - off[v]));
    argmax_same +=
        std::max_element(off, off + vocab) - off == std::max_element(our, our + vocab) - our;
  }
  lines.push_back({gc.case_name(), "whole forward from the ids (official lists forced)", true,
                   fmt::format("logits max |d| {:.3g}; argmax equal in {} of {} positions", max_abs,
                               argmax_same, T + 1),
                   "reported (4 layers compound; the per-layer lines carry the check)", ""});
  return lines;
}

} // namespace
V4_REGISTER_GOLDEN("transformer", check_transformer);
} // namespace v4::harness
