// Golden checker for the mtp_block case: [C]'s MTPBlock(layer_id = 4).forward(x, start_pos,
// input_ids) on the transformer case's last-layer streams (in.h_prefill, in.h_decode) and the
// ids shifted by one (D12): prefill of S = 300 positions, then 8 decode steps; fp32 logits of
// the last position of each call.
//
// Bound: interval propagation (block_golden_bounds.h) from the exact inputs through the MTP
// input (embed → enorm → e_proj, hnorm → h_proj per stream, the bf16 sum), the whole Block
// (window-only attention, score-routed MoE) with those input bounds, and the head (the MTP
// block's own hc_head and norm, the shared fp32 head).
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "harness/ops/attention_golden_util.h"
#include "harness/ops/block_golden_sampling.h"
#include "harness/ops/block_golden_util.h"
#include "harness/registry.h"
#include "reference/mtp_block.h"

namespace v4::harness {
namespace {

std::vector<GoldenLine> check_mtp_block(const GoldenCase& gc) {
  const reference::ModelConfig cfg = golden_full_config(gc);
  const int64_t layer = std::stoll(gc.extra("layer_id"));
  GoldenParams params;
  const reference::MtpWeights w = mtp_weights_view(params.lookup(gc), "", cfg);
  if (w.block.layer != layer)
    throw std::runtime_error("mtp_block: layer_id " + std::to_string(layer) + " is not n_layers");
  const int64_t dim = cfg.dim, row = 4 * dim, vocab = cfg.vocab_size;

  const Tensor hp = gc.tensor("in.h_prefill"), hd = gc.tensor("in.h_decode");
  const int64_t S = hp.dim(1), T = hd.dim(0);
  const Tensor ids_t = gc.tensor("in.input_ids");
  const std::vector<int64_t> ids(ids_t.data<int64_t>(), ids_t.data<int64_t>() + S + T);
  std::vector<bf16> h(hp.data<bf16>(), hp.data<bf16>() + S * row);
  h.insert(h.end(), hd.data<bf16>(), hd.data<bf16>() + T * row);

  // The reference through its API.
  std::vector<float> api(static_cast<size_t>((1 + T) * vocab));
  reference::BlockState state;
  reference::mtp_prefill(api.data(), state, h.data(), ids.data(), S, cfg, w);
  for (int64_t t = 0; t < T; ++t)
    reference::mtp_decode(api.data() + (1 + t) * vocab, state, h.data() + (S + t) * row,
                          ids[size_t(S + t)], S + t, cfg, w);

  // Bounds along the same computation.
  const BoundedBf16 x = mtp_input_bounds(h.data(), ids.data(), S + T, cfg, w);
  const BlockSequenceBounds b =
      block_sequence_bounds(x, ids.data(), S, T, cfg, w.block, nullptr, 0, nullptr, 0);
  const LogitBounds lb = sampled_head_bounds(b, S - 1, 1 + T, cfg, w.head);
  const std::vector<float>& ours = lb.logits;
  const std::vector<double>& e = lb.e;
  std::vector<GoldenLine> lines;
  lines.push_back(golden_compare(
      gc, "reference MTP API vs bounded path", tensor_from(api, {1 + T, vocab}),
      tensor_from(ours, {1 + T, vocab}), ComparePolicy::bitwise("the same reference calls")));
  const std::string why = fmt::format(
      "MTP input and head intervals; the Block's local step bounds propagated by {} samples, x{}",
      kSamples, kSampleHeadroom);
  lines.push_back(golden_compare_bounded(
      gc, "out.prefill_logits",
      tensor_from(std::vector<float>(ours.begin(), ours.begin() + vocab), {1, vocab}),
      gc.tensor("out.prefill_logits"), std::vector<double>(e.begin(), e.begin() + vocab), why));
  lines.push_back(golden_compare_bounded(
      gc, "out.decode_logits",
      tensor_from(std::vector<float>(ours.begin() + vocab, ours.end()), {T, vocab}),
      gc.tensor("out.decode_logits"), std::vector<double>(e.begin() + vocab, e.end()), why));
  lines.push_back(sampling_line(gc, "sampled propagation", b, S + T));
  return lines;
}

} // namespace
V4_REGISTER_GOLDEN("mtp_block", check_mtp_block);
} // namespace v4::harness
