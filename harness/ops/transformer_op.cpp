// Registry entry: transformer, the whole V4 forward of the tiny configuration (configs/tiny.json:
// 4 layers = window + hash routing, CSA, HCA, CSA; the golden files' shapes; case parameter
// `layers` keeps the first ones, 2 in the smoke case): token ids →
// embedding → 4 streams → Blocks → hc_head → norm → fp32 head of the last position. Prefill of
// `tokens` ids at position 0, then `decode` single-token steps (teacher-forced ids).
// Inputs: ids [batch, tokens + decode] and the model weights under [C]'s state-dict names
// (harness/ops/block_inputs.h). Output: logits [batch, 1 + decode, vocab] fp32 (row 0: the
// prefill's last position; row 1 + j: decode step j).
//
// Rows are sequences (row_param batch): the attention couples a sequence's tokens causally, so
// the invariance that applies is per sequence (its logits do not depend on the other sequences
// or its batch position), as for the attention and block registrations.
//
// Domain property prefill_equals_decode: the prefill of tokens + j + 1 ids gives decode step j's
// logits bit for bit (every layer is path-independent in the reference; spec §0.4).
#include <vector>

#include <fmt/format.h>

#include "harness/generators.h"
#include "harness/ops/block_inputs.h"
#include "harness/ops/op_util.h"
#include "reference/transformer.h"

namespace v4::harness {
namespace {

// The tiny configuration cut to its first `layers` layers (the smoke case keeps the window +
// hash-routed layer and the CSA layer; the MTP entry of compress_ratios stays last).
reference::ModelConfig config_of(const Case& c) {
  reference::ModelConfig cfg = tiny_model_config();
  const int64_t layers = c.i64_or("layers", cfg.n_layers);
  std::vector<int64_t> ratios(cfg.compress_ratios.begin(), cfg.compress_ratios.begin() + layers);
  ratios.insert(ratios.end(), cfg.compress_ratios.begin() + cfg.n_layers,
                cfg.compress_ratios.end());
  cfg.n_layers = layers;
  cfg.compress_ratios = ratios;
  return cfg;
}

TensorMap transformer_inputs(const Case& c) {
  const reference::ModelConfig cfg = config_of(c);
  const int64_t batch = c.i64("batch"), s = c.i64("tokens") + c.i64("decode");
  TensorMap in = {{"ids", uniform_i64({batch, s}, c.seed, "ids", 0, cfg.vocab_size - 1)}};
  for (int64_t i = 0; i < cfg.n_layers; ++i)
    add_block_weights(in, fmt::format("layers.{}.", i), i, cfg, c.seed);
  add_head_weights(in, "", cfg, c.seed);
  return in;
}

// logits [1 + (total − prefill), vocab] of one sequence.
std::vector<float> run_sequence(const reference::ModelConfig& cfg,
                                const reference::TransformerWeights& w, const int64_t* ids,
                                int64_t prefill, int64_t total) {
  const int64_t vocab = cfg.vocab_size;
  std::vector<float> logits(static_cast<size_t>((1 + total - prefill) * vocab));
  reference::TransformerState state;
  reference::transformer_prefill(logits.data(), state, ids, prefill, cfg, w);
  for (int64_t p = prefill; p < total; ++p)
    reference::transformer_decode(logits.data() + (1 + p - prefill) * vocab, state, ids[p], p, cfg,
                                  w);
  return logits;
}

TensorMap transformer_reference(const Case& c, const TensorMap& in) {
  const reference::ModelConfig cfg = config_of(c);
  const reference::TransformerWeights w = transformer_weights_view(lookup_in(in), cfg);
  const Tensor& ids = require_tensor(in, "ids", "transformer");
  const int64_t batch = ids.dim(0), total = ids.dim(1), tokens = c.i64("tokens"),
                rows = 1 + total - tokens;
  Tensor logits = make_tensor<float>({batch, rows, cfg.vocab_size});
  for (int64_t b = 0; b < batch; ++b) {
    const std::vector<float> l =
        run_sequence(cfg, w, ids.data<int64_t>() + b * total, tokens, total);
    std::copy(l.begin(), l.end(), logits.data<float>() + b * rows * cfg.vocab_size);
  }
  return {{"logits", logits}};
}

PropertyOutcome prefill_equals_decode(const Case& c, const TensorMap& in, const TensorMap& out) {
  const reference::ModelConfig cfg = config_of(c);
  const reference::TransformerWeights w = transformer_weights_view(lookup_in(in), cfg);
  const Tensor& ids = in.at("ids");
  const int64_t total = ids.dim(1), tokens = c.i64("tokens"), vocab = cfg.vocab_size,
                rows = 1 + total - tokens;
  int64_t differing = 0;
  for (int64_t b = 0; b < ids.dim(0); ++b) {
    for (int64_t p = tokens; p < total; ++p) {
      const std::vector<float> l =
          run_sequence(cfg, w, ids.data<int64_t>() + b * total, p + 1, p + 1);
      const float* got = out.at("logits").data<float>() + (b * rows + 1 + p - tokens) * vocab;
      for (int64_t v = 0; v < vocab; ++v)
        differing += l[size_t(v)] != got[v];
    }
  }
  return {differing == 0, "prefill(p + 1) logits == decode logits at p, bitwise", 0,
          double(differing), fmt::format("{} logits differ", differing)};
}

Case transformer_case(int64_t layers, int64_t batch, int64_t tokens, int64_t decode) {
  return make_case("transformer",
                   {{"layers", layers}, {"batch", batch}, {"tokens", tokens}, {"decode", decode}});
}

std::vector<Case> transformer_cases(Suite suite) {
  switch (suite) {
  case Suite::smoke: // window + hash routing, then CSA with an indexer block past the window
    return {transformer_case(2, 1, 18, 2)};
  case Suite::standard: // all 4 layers; the HCA layer completes its first block in decode
    return {transformer_case(4, 1, 126, 3)};
  case Suite::full:
    return {transformer_case(4, 1, 300, 8)};
  }
  return {};
}

OpSpec make_transformer_op() {
  OpSpec op;
  op.name = "transformer";
  op.stem = "transformer";
  op.summary = "whole V4 forward, tiny config: embedding, 4 Blocks, hc_head, norm, fp32 head; "
               "prefill + decode (spec 14, 24)";
  op.row_param = "batch";
  op.row_inputs = {"ids"};
  op.cases = transformer_cases;
  op.make_inputs = transformer_inputs;
  // fp32 logits of a 64-term dot product over a bf16 hidden state that has passed ~80 rounding
  // stages: a candidate sharing every rounding point differs only through the head's fp32 sum
  // order, (K − 1)·u·Σ|terms| with K = dim = 64, which exceeds the logit itself only where it
  // cancels; 64 fp32 ulp covers it at logits of the size of Σ|terms|/64. A hidden-state flip
  // shows as a much larger, localized difference.
  op.outputs = {{"logits", ComparePolicy::ulps(64, "head fp32 sum order, K = dim")}};
  op.properties = {{"prefill_equals_decode", prefill_equals_decode}};
  op.cost = [](const Case& c) {
    const reference::ModelConfig m = config_of(c);
    const double tokens = double(c.i64("batch") * (c.i64("tokens") + c.i64("decode")));
    const double d = double(m.dim), hd = double(m.n_heads * m.head_dim);
    const double layer = double(m.q_lora_rank) * (d + hd) + double(m.head_dim) * d +
                         double(m.o_groups * m.o_lora_rank) * (hd / double(m.o_groups) + d) +
                         hd * double(m.window_size + m.index_topk) * 2 +
                         3 * d * double(m.moe_inter_dim) * double(m.n_activated_experts + 1);
    return Cost{tokens * (8 + 4.0 * double(m.vocab_size)),
                tokens * layer * 2 * double(m.n_layers) + 2 * d * double(m.vocab_size)};
  };
  op.max_invariance_rows = 2;
  op.backends = {reference_backend(transformer_reference)};
  return op;
}

} // namespace
V4_REGISTER_OP(make_transformer_op);
} // namespace v4::harness
