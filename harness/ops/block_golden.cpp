// Golden checker for the block case: [C]'s Block(layer_id = 1, a CSA layer).forward, prefill of
// S = 300 tokens then 8 decode tokens, on the recorded residual streams.
//
// The reference Block runs with the official sparse-attention index lists
// (trace.*_topk_idxs) fed into its attention, because near-ties in the bf16 indexer scores make
// the official top-k ambiguous (golden README); the Block's own lists are compared with them as
// sets and reported. Bounds: per element, every step's local bound propagated through the
// reference by sampling (block_golden_sampling.h); the line records the largest bound and the
// largest difference in bf16 ULPs of the token's largest |y|.
#include <string>
#include <vector>

#include <fmt/format.h>

#include "harness/ops/attention_golden_util.h"
#include "harness/ops/block_golden_sampling.h"
#include "harness/ops/block_golden_util.h"
#include "harness/registry.h"
#include "reference/block.h"

namespace v4::harness {
namespace {

std::vector<GoldenLine> check_block(const GoldenCase& gc) {
  const reference::ModelConfig cfg = golden_full_config(gc);
  const int64_t layer = std::stoll(gc.extra("layer_id"));
  GoldenParams params;
  const reference::BlockWeights w = block_weights_view(params.lookup(gc), "", layer, cfg);
  const Tensor xp = gc.tensor("in.x_prefill"), xd = gc.tensor("in.x_decode");
  const int64_t dim = cfg.dim, S = xp.dim(1), T = xd.dim(1), row = 4 * dim;
  const Tensor ids_t = gc.tensor("in.input_ids");
  const std::vector<int64_t> ids(ids_t.data<int64_t>(), ids_t.data<int64_t>() + S + T);
  const std::vector<int32_t> pidx = golden_indices(gc, "trace.prefill_topk_idxs"),
                             didx = golden_indices(gc, "trace.decode_topk_idxs");
  const int64_t pw = pidx.empty() ? 0 : int64_t(pidx.size()) / S,
                dw = didx.empty() ? 0 : int64_t(didx.size()) / T;
  std::vector<GoldenLine> lines;

  // The reference Block through its public API (official lists), with its own lists traced.
  std::vector<bf16> y(static_cast<size_t>((S + T) * row));
  reference::BlockState state;
  reference::BlockTrace trace;
  const reference::IndexOverride pov{pidx.data(), pw};
  reference::block_prefill(y.data(), state, xp.data<bf16>(), ids.data(), S, cfg, w, &trace,
                           pidx.empty() ? nullptr : &pov);
  const std::vector<int32_t> own_p = trace.attn.own_idx;
  SelectionDiff dd; // decode steps, one row each (a step's own width may differ)
  for (int64_t t = 0; t < T; ++t) {
    const reference::IndexOverride dov{didx.data() + t * dw, dw};
    reference::block_decode(y.data() + (S + t) * row, state, xd.data<bf16>() + t * row,
                            ids[size_t(S + t)], S + t, cfg, w, &trace,
                            didx.empty() ? nullptr : &dov);
    if (!didx.empty()) {
      const std::vector<int32_t> row(didx.begin() + t * dw, didx.begin() + (t + 1) * dw);
      const SelectionDiff one =
          compare_selections(trace.attn.own_idx, int64_t(trace.attn.own_idx.size()), row, dw, 1);
      dd.set_differs += one.set_differs, dd.order_differs += one.order_differs;
    }
  }

  BoundedBf16 x;
  x.v.assign(xp.data<bf16>(), xp.data<bf16>() + S * row);
  x.v.insert(x.v.end(), xd.data<bf16>(), xd.data<bf16>() + T * row);
  x.e.assign(x.v.size(), 0.0);
  const BlockSequenceBounds b =
      block_sequence_bounds(x, ids.data(), S, T, cfg, w, pidx.empty() ? nullptr : pidx.data(), pw,
                            didx.empty() ? nullptr : didx.data(), dw);

  lines.push_back(golden_compare(
      gc, "reference Block API vs bounded path", tensor_from(y, {S + T, 4, dim}),
      tensor_from(b.y.v, {S + T, 4, dim}), ComparePolicy::bitwise("the same reference calls")));
  const Tensor off_p = reshaped(gc.tensor("out.prefill"), {S, 4, dim}),
               off_d = reshaped(gc.tensor("out.decode"), {T, 4, dim});
  const auto compare = [&](const char* item, const Tensor& official, int64_t first, int64_t rows) {
    const std::vector<bf16> ours(b.y.v.begin() + first * row, b.y.v.begin() + (first + rows) * row);
    const std::vector<double> e(b.y.e.begin() + first * row, b.y.e.begin() + (first + rows) * row);
    const Tensor t = tensor_from(ours, {rows, 4, dim});
    const RowScaleUlps r = row_scale_ulps(e, tensor_values(t), tensor_values(official), row);
    return golden_compare_bounded(
        gc, item, t, official, e,
        fmt::format("local step bounds propagated by {} reference samples, x{}; in bf16 ulps of "
                    "the token's max |y|: bound <= {:.3g}, difference <= {:.3g}",
                    kSamples, kSampleHeadroom, r.bound, r.diff));
  };
  lines.push_back(compare("out.prefill (official index lists)", off_p, 0, S));
  lines.push_back(compare("out.decode (official index lists)", off_d, S, T));
  lines.push_back(sampling_line(gc, "sampled propagation", b, S + T));
  if (!pidx.empty()) {
    const SelectionDiff dp = compare_selections(own_p, int64_t(own_p.size()) / S, pidx, pw, S);
    lines.push_back({gc.case_name(), "own prefill index lists", true,
                     fmt::format("{} of {} rows differ as sets, {} more only in order",
                                 dp.set_differs, S, dp.order_differs),
                     "reported (near-ties in bf16 indexer scores)", ""});
    lines.push_back({gc.case_name(), "own decode index lists", true,
                     fmt::format("{} of {} rows differ as sets, {} more only in order",
                                 dd.set_differs, T, dd.order_differs),
                     "reported", ""});
  }
  return lines;
}

} // namespace
V4_REGISTER_GOLDEN("block", check_block);
} // namespace v4::harness
