// The whole Transformer forward (spec §14, §24): prefill-then-decode equals the longer prefill,
// the per-layer trace is the chain of Blocks, the head, input validation, the registered checks
// and the golden case.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "harness/generators.h"
#include "harness/ops/block_inputs.h"
#include "reference/dense_linear.h"
#include "reference/mhc_head.h"
#include "reference/mhc_sinkhorn.h"
#include "reference/rms_norm.h"
#include "reference/transformer.h"
#include "tests/attention_test_util.h"

namespace v4::reference {
namespace {

struct Model {
  harness::TensorMap in;
  TransformerWeights w;
};
Model tiny_model(uint64_t seed) {
  const ModelConfig& cfg = harness::tiny_model_config();
  Model m;
  for (int64_t i = 0; i < cfg.n_layers; ++i)
    harness::add_block_weights(m.in, "layers." + std::to_string(i) + ".", i, cfg, seed);
  harness::add_head_weights(m.in, "", cfg, seed);
  m.w = harness::transformer_weights_view(harness::lookup_in(m.in), cfg);
  return m;
}
std::vector<int64_t> tiny_ids(int64_t n, uint64_t seed) {
  const harness::Tensor t =
      harness::uniform_i64({n}, seed, "ids", 0, harness::tiny_model_config().vocab_size - 1);
  return std::vector<int64_t>(t.data<int64_t>(), t.data<int64_t>() + n);
}

TEST(Transformer, PrefillThenDecodeEqualsLongerPrefill) {
  // Every layer is path-independent in the reference (block_test), so the logits of decode step
  // p equal the last-position logits of a prefill of p + 1 ids, and so do all layer outputs.
  const ModelConfig& cfg = harness::tiny_model_config();
  const Model m = tiny_model(11);
  const int64_t S = 30, T = 3, V = cfg.vocab_size;
  const std::vector<int64_t> ids = tiny_ids(S + T, 12);
  TransformerState st;
  TransformerTrace tr;
  std::vector<float> logits(static_cast<size_t>(V)), longer(static_cast<size_t>(V));
  transformer_prefill(logits.data(), st, ids.data(), S, cfg, m.w);
  for (int64_t p = S; p < S + T; ++p) {
    transformer_decode(logits.data(), st, ids[size_t(p)], p, cfg, m.w, &tr);
    TransformerState fresh;
    TransformerTrace full;
    transformer_prefill(longer.data(), fresh, ids.data(), p + 1, cfg, m.w, &full);
    for (int64_t v = 0; v < V; ++v)
      ASSERT_EQ(logits[size_t(v)], longer[size_t(v)]) << "position " << p << " logit " << v;
    const int64_t row = kHcMult * cfg.dim;
    for (int64_t i = 0; i < cfg.n_layers; ++i)
      for (int64_t j = 0; j < row; ++j)
        ASSERT_EQ(tr.layers[size_t(i)][size_t(j)].bits,
                  full.layers[size_t(i)][size_t(p * row + j)].bits)
            << "layer " << i;
  }
}

TEST(Transformer, TraceIsTheChainOfBlocksAndTheHead) {
  // trace.layers[i] = Block i on trace.layers[i − 1] (layer 0: 4 copies of the embedding), and
  // the logits are hc_head → norm → fp32 head of the last position of the last layer.
  const ModelConfig& cfg = harness::tiny_model_config();
  const Model m = tiny_model(13);
  const int64_t S = 20, row = kHcMult * cfg.dim;
  const std::vector<int64_t> ids = tiny_ids(S, 14);
  TransformerState st;
  TransformerTrace tr;
  std::vector<float> logits(static_cast<size_t>(cfg.vocab_size)), expect(logits.size());
  transformer_prefill(logits.data(), st, ids.data(), S, cfg, m.w, &tr);
  std::vector<bf16> x(static_cast<size_t>(S * row)), y(x.size());
  embed_streams(x.data(), ids.data(), m.w.embed, S, cfg);
  for (int64_t i = 0; i < cfg.n_layers; ++i) {
    BlockState bs;
    block_prefill(y.data(), bs, x.data(), ids.data(), S, cfg, m.w.layers[size_t(i)]);
    for (size_t j = 0; j < y.size(); ++j)
      ASSERT_EQ(y[j].bits, tr.layers[size_t(i)][j].bits) << "layer " << i;
    x = y;
  }
  std::vector<bf16> h(static_cast<size_t>(cfg.dim)), hn(h.size());
  hc_head(h.data(), x.data() + (S - 1) * row, m.w.head.hc_fn, m.w.head.hc_base, m.w.head.hc_scale,
          1, cfg.dim, float(cfg.hc_eps), float(cfg.norm_eps));
  rms_norm(hn.data(), h.data(), m.w.head.norm, 1, cfg.dim, float(cfg.norm_eps));
  dense_linear_f32(expect.data(), hn.data(), m.w.head.head, 1, cfg.dim, cfg.vocab_size);
  for (size_t v = 0; v < logits.size(); ++v)
    ASSERT_EQ(logits[v], expect[v]);
}

TEST(Transformer, BadInputThrowsWithClearMessage) {
  const ModelConfig& cfg = harness::tiny_model_config();
  const Model m = tiny_model(15);
  std::vector<float> logits(static_cast<size_t>(cfg.vocab_size));
  const auto expect_throw = [](auto f, const std::string& text) {
    try {
      f();
      ADD_FAILURE() << "no exception; expected: " << text;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
    }
  };
  TransformerState st;
  std::vector<int64_t> ids = {1, 2, 512};
  expect_throw([&] { transformer_prefill(logits.data(), st, ids.data(), 3, cfg, m.w); },
               "token id 512 at 2 outside [0, vocab_size = 512)");
  expect_throw([&] { transformer_decode(logits.data(), st, 1, 3, cfg, m.w); }, "prefill first");
  TransformerWeights short_w = m.w;
  short_w.layers.pop_back();
  ids.back() = 3;
  expect_throw([&] { transformer_prefill(logits.data(), st, ids.data(), 3, cfg, short_w); },
               "expected 4 layers, got 3");
  const LayerOverrides forced(2);
  expect_throw(
      [&] { transformer_prefill(logits.data(), st, ids.data(), 3, cfg, m.w, nullptr, &forced); },
      "one entry per layer");
}

TEST(Transformer, RegisteredChecks) {
  harness::testing::expect_smoke_checks_pass("transformer");
}

TEST(Transformer, Golden) {
  harness::testing::expect_golden_pass({"transformer"});
}

} // namespace
} // namespace v4::reference
