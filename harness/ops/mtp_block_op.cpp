// Registry entry: mtp_block, the MTP block (spec §18) of the tiny configuration
// (configs/tiny.json): e = enorm(embed(ids)), h = hnorm(H) per stream, X = e_proj(e) + h_proj(h),
// X = Block(X) (layer n_layers: window-only, score-routed), logits = head(norm(hc_head(X))) of
// the last position. Prefill of `tokens` positions, then `decode` single-token steps.
// Inputs: h [batch, tokens + decode, 4, dim] bf16 (the main model's last-layer streams), ids
// [batch, tokens + decode] (already shifted, D12), and the MTP weights with the shared embed and
// head (harness/ops/block_inputs.h). Output: logits [batch, 1 + decode, vocab] fp32.
//
// Rows are sequences (row_param batch): the Block's attention couples a sequence's positions
// causally, so the invariance that applies is per sequence, as for the block registration.
//
// Domain property prefill_equals_decode: the prefill of tokens + j + 1 positions gives decode
// step j's logits bit for bit.
#include <vector>

#include <fmt/format.h>

#include "harness/generators.h"
#include "harness/ops/block_inputs.h"
#include "harness/ops/op_util.h"
#include "reference/mhc_sinkhorn.h"
#include "reference/mtp_block.h"

namespace v4::harness {
namespace {

constexpr int64_t kStreams = reference::kHcMult;
const char* const kPrefix = "mtp.0.";

TensorMap mtp_inputs(const Case& c) {
  const reference::ModelConfig& cfg = tiny_model_config();
  const int64_t batch = c.i64("batch"), s = c.i64("tokens") + c.i64("decode");
  TensorMap in = {{"h", random_bf16({batch, s, kStreams, cfg.dim}, c.seed, "h")},
                  {"ids", uniform_i64({batch, s}, c.seed, "ids", 0, cfg.vocab_size - 1)}};
  add_block_weights(in, kPrefix, cfg.n_layers, cfg, c.seed);
  add_head_weights(in, kPrefix, cfg, c.seed);
  add_mtp_weights(in, kPrefix, cfg, c.seed);
  return in;
}

std::vector<float> run_sequence(const reference::MtpWeights& w, const bf16* h, const int64_t* ids,
                                int64_t prefill, int64_t total) {
  const reference::ModelConfig& cfg = tiny_model_config();
  const int64_t vocab = cfg.vocab_size, row = kStreams * cfg.dim;
  std::vector<float> logits(static_cast<size_t>((1 + total - prefill) * vocab));
  reference::BlockState state;
  reference::mtp_prefill(logits.data(), state, h, ids, prefill, cfg, w);
  for (int64_t p = prefill; p < total; ++p)
    reference::mtp_decode(logits.data() + (1 + p - prefill) * vocab, state, h + p * row, ids[p], p,
                          cfg, w);
  return logits;
}

TensorMap mtp_reference(const Case& c, const TensorMap& in) {
  const reference::ModelConfig& cfg = tiny_model_config();
  const reference::MtpWeights w = mtp_weights_view(lookup_in(in), kPrefix, cfg);
  const Tensor& h = require_tensor(in, "h", "mtp_block");
  const Tensor& ids = require_tensor(in, "ids", "mtp_block");
  const int64_t batch = h.dim(0), total = h.dim(1), row = kStreams * cfg.dim,
                tokens = c.i64("tokens"), rows = 1 + total - tokens;
  Tensor logits = make_tensor<float>({batch, rows, cfg.vocab_size});
  for (int64_t b = 0; b < batch; ++b) {
    const std::vector<float> l = run_sequence(w, h.data<bf16>() + b * total * row,
                                              ids.data<int64_t>() + b * total, tokens, total);
    std::copy(l.begin(), l.end(), logits.data<float>() + b * rows * cfg.vocab_size);
  }
  return {{"logits", logits}};
}

PropertyOutcome prefill_equals_decode(const Case& c, const TensorMap& in, const TensorMap& out) {
  const reference::ModelConfig& cfg = tiny_model_config();
  const reference::MtpWeights w = mtp_weights_view(lookup_in(in), kPrefix, cfg);
  const Tensor& h = in.at("h");
  const int64_t total = h.dim(1), tokens = c.i64("tokens"), vocab = cfg.vocab_size,
                row = kStreams * cfg.dim, rows = 1 + total - tokens;
  int64_t differing = 0;
  for (int64_t b = 0; b < h.dim(0); ++b) {
    for (int64_t p = tokens; p < total; ++p) {
      const std::vector<float> l =
          run_sequence(w, h.data<bf16>() + b * total * row,
                       in.at("ids").data<int64_t>() + b * total, p + 1, p + 1);
      const float* got = out.at("logits").data<float>() + (b * rows + 1 + p - tokens) * vocab;
      for (int64_t v = 0; v < vocab; ++v)
        differing += l[size_t(v)] != got[v];
    }
  }
  return {differing == 0, "prefill(p + 1) logits == decode logits at p, bitwise", 0,
          double(differing), fmt::format("{} logits differ", differing)};
}

Case mtp_case(int64_t batch, int64_t tokens, int64_t decode) {
  return make_case("mtp_block", {{"batch", batch}, {"tokens", tokens}, {"decode", decode}});
}

std::vector<Case> mtp_cases(Suite suite) {
  switch (suite) {
  case Suite::smoke:
    return {mtp_case(2, 18, 2)};
  case Suite::standard:
    return {mtp_case(1, 64, 4)};
  case Suite::full:
    return {mtp_case(1, 300, 8)};
  }
  return {};
}

OpSpec make_mtp_block_op() {
  OpSpec op;
  op.name = "mtp_block";
  op.stem = "mtp_block";
  op.summary = "MTP block: enorm/hnorm, e_proj + h_proj, Block, hc_head, norm, fp32 head; "
               "prefill + decode (spec 18), tiny config";
  op.row_param = "batch";
  op.row_inputs = {"h", "ids"};
  op.cases = mtp_cases;
  op.make_inputs = mtp_inputs;
  // As the transformer's logits: the head's fp32 sum order, K = dim = 64.
  op.outputs = {{"logits", ComparePolicy::ulps(64, "head fp32 sum order, K = dim")}};
  op.properties = {{"prefill_equals_decode", prefill_equals_decode}};
  op.cost = [](const Case& c) {
    const reference::ModelConfig& m = tiny_model_config();
    const double tokens = double(c.i64("batch") * (c.i64("tokens") + c.i64("decode")));
    const double d = double(m.dim), hd = double(m.n_heads * m.head_dim);
    const double block = double(m.q_lora_rank) * (d + hd) + double(m.head_dim) * d +
                         double(m.o_groups * m.o_lora_rank) * (hd / double(m.o_groups) + d) +
                         hd * double(m.window_size) * 2 +
                         3 * d * double(m.moe_inter_dim) * double(m.n_activated_experts + 1);
    return Cost{tokens * (4 * d * 2 + 8 + 4.0 * double(m.vocab_size)),
                tokens * (block + 5 * d * d) * 2 + 2 * d * double(m.vocab_size)};
  };
  op.max_invariance_rows = 2;
  op.backends = {reference_backend(mtp_reference)};
  return op;
}

} // namespace
V4_REGISTER_OP(make_mtp_block_op);
} // namespace v4::harness
