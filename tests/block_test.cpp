// One V4 Block (spec §14): prefill-then-decode equals the longer prefill, the wiring of its
// sublayers, input validation, the registered checks, the golden case, and that the golden
// bound catches miswired Blocks.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "harness/generators.h"
#include "harness/ops/attention_golden_util.h"
#include "harness/ops/block_golden_sampling.h"
#include "harness/ops/block_golden_util.h"
#include "harness/ops/block_inputs.h"
#include "reference/block.h"
#include "reference/mhc_post.h"
#include "reference/mhc_pre.h"
#include "reference/mhc_sinkhorn.h"
#include "tests/attention_test_util.h"
#include "tests/composite_test_util.h"

namespace v4::reference {
namespace {

using harness::TensorMap;

struct Layer {
  TensorMap in;
  BlockWeights w;
};
Layer tiny_layer(int64_t layer, uint64_t seed) {
  Layer l;
  harness::add_block_weights(l.in, "", layer, harness::tiny_model_config(), seed);
  l.w = harness::block_weights_view(harness::lookup_in(l.in), "", layer,
                                    harness::tiny_model_config());
  return l;
}

// y [total, 4, dim]: prefill of `prefill` tokens, then decode steps.
std::vector<bf16> run(const BlockWeights& w, const std::vector<bf16>& x,
                      const std::vector<int64_t>& ids, int64_t prefill) {
  const ModelConfig& cfg = harness::tiny_model_config();
  const int64_t row = kHcMult * cfg.dim, total = int64_t(ids.size());
  std::vector<bf16> y(x.size());
  BlockState state;
  block_prefill(y.data(), state, x.data(), ids.data(), prefill, cfg, w);
  for (int64_t p = prefill; p < total; ++p)
    block_decode(y.data() + p * row, state, x.data() + p * row, ids[size_t(p)], p, cfg, w);
  return y;
}

TEST(Block, PrefillThenDecodeEqualsLongerPrefill) {
  // Every layer kind: the reference's attention gives the same KV values in the same list order
  // on both paths, and hc_pre / hc_post / the norms / the MoE are per token, so the outputs agree
  // bit for bit (the official code does not: its GEMMs depend on the row count).
  const ModelConfig& cfg = harness::tiny_model_config();
  const int64_t total = 134; // the HCA layer completes its first 128-token block in decode
  for (int64_t layer = 0; layer < cfg.n_layers; ++layer) {
    const Layer l = tiny_layer(layer, 3);
    const harness::Tensor xt = harness::random_bf16({total, kHcMult, cfg.dim}, 4, "x");
    const harness::Tensor it = harness::uniform_i64({total}, 4, "ids", 0, cfg.vocab_size - 1);
    const std::vector<bf16> x(xt.data<bf16>(), xt.data<bf16>() + xt.numel());
    const std::vector<int64_t> ids(it.data<int64_t>(), it.data<int64_t>() + total);
    const std::vector<bf16> full = run(l.w, x, ids, total), split = run(l.w, x, ids, 120);
    int64_t differing = 0;
    for (size_t i = 0; i < full.size(); ++i)
      differing += full[i].bits != split[i].bits;
    EXPECT_EQ(differing, 0) << "layer " << layer;
  }
}

TEST(Block, SublayersWiredThroughMhc) {
  // With wo_b = 0 and every expert's w2 = 0 both sublayers output 0, so the Block reduces to its
  // two hc_post residual mixes: Y = hc_post(0, X', post_f, comb_f), X' = hc_post(0, X, post_a,
  // comb_a), with post/comb from hc_pre at each site. A swapped site, a missing stream mix or a
  // transposed comb breaks the equality.
  const ModelConfig& cfg = harness::tiny_model_config();
  Layer l = tiny_layer(1, 5);
  auto zero = [&](const std::string& name) {
    harness::Tensor& t = l.in.at(name);
    std::fill(t.data<bf16>(), t.data<bf16>() + t.numel(), bf16_encode(0.0f));
  };
  zero("attn.wo_b.weight");
  zero("ffn.shared_experts.w2.weight");
  for (int64_t e = 0; e < cfg.n_routed_experts; ++e)
    zero("ffn.experts." + std::to_string(e) + ".w2.weight");
  const int64_t tokens = 24, dim = cfg.dim;
  const harness::Tensor xt = harness::random_bf16({tokens, kHcMult, dim}, 6, "x");
  const std::vector<bf16> x(xt.data<bf16>(), xt.data<bf16>() + xt.numel());
  const std::vector<int64_t> ids(static_cast<size_t>(tokens), 7);
  const std::vector<bf16> y = run(l.w, x, ids, tokens);

  std::vector<bf16> a(static_cast<size_t>(tokens * dim)), zero_f(a.size(), bf16_encode(0.0f)), mid(x.size()),
      expect(x.size());
  std::vector<float> post(static_cast<size_t>(tokens * kHcMult)), comb(static_cast<size_t>(tokens * 16));
  const int iters = int(cfg.hc_sinkhorn_iters);
  hc_pre(a.data(), post.data(), comb.data(), x.data(), l.w.hc_attn_fn, l.w.hc_attn_base,
         l.w.hc_attn_scale, tokens, dim, iters, float(cfg.hc_eps), float(cfg.norm_eps));
  hc_post(mid.data(), zero_f.data(), x.data(), post.data(), comb.data(), tokens, dim);
  hc_pre(a.data(), post.data(), comb.data(), mid.data(), l.w.hc_ffn_fn, l.w.hc_ffn_base,
         l.w.hc_ffn_scale, tokens, dim, iters, float(cfg.hc_eps), float(cfg.norm_eps));
  hc_post(expect.data(), zero_f.data(), mid.data(), post.data(), comb.data(), tokens, dim);
  for (size_t i = 0; i < y.size(); ++i)
    ASSERT_EQ(y[i].bits, expect[i].bits) << "element " << i;
}

TEST(Block, BadInputThrowsWithClearMessage) {
  const ModelConfig& cfg = harness::tiny_model_config();
  const Layer hash = tiny_layer(0, 1), csa = tiny_layer(1, 1);
  const int64_t row = kHcMult * cfg.dim;
  std::vector<bf16> x(static_cast<size_t>(4 * row), bf16_encode(0.5f)), y(x.size());
  const std::vector<int64_t> ids(4, 3);
  BlockState state;
  const auto expect_throw = [](auto f, const std::string& text) {
    try {
      f();
      ADD_FAILURE() << "no exception; expected: " << text;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
    }
  };
  expect_throw([&] { block_prefill(y.data(), state, x.data(), nullptr, 4, cfg, hash.w); },
               "hash-routed layers need the token ids");
  expect_throw([&] { block_decode(y.data(), state, x.data(), 3, 4, cfg, csa.w); }, "prefill first");
  block_prefill(y.data(), state, x.data(), ids.data(), 4, cfg, csa.w);
  expect_throw([&] { block_decode(y.data(), state, x.data(), 3, 6, cfg, csa.w); },
               "pos 6 must follow the state's prefill/decode (expected 4");
  BlockWeights bad = csa.w;
  bad.ffn.gate.tid2eid = hash.w.ffn.gate.tid2eid;
  expect_throw([&] { block_prefill(y.data(), state, x.data(), ids.data(), 4, cfg, bad); },
               "layer 1 is score-routed: ffn.gate.tid2eid must be null");
  bad = csa.w;
  bad.layer = 9;
  expect_throw([&] { block_prefill(y.data(), state, x.data(), ids.data(), 4, cfg, bad); },
               "layer 9 has no compress ratio in the config");
  ModelConfig three = cfg;
  three.hc_mult = 3;
  expect_throw([&] { block_prefill(y.data(), state, x.data(), ids.data(), 4, three, csa.w); },
               "hc_mult must be 4");
}

TEST(Block, RegisteredChecks) {
  harness::testing::expect_smoke_checks_pass("block");
}

TEST(Block, Golden) {
  harness::testing::expect_golden_pass({"block"});
}

// The golden bound must fail a miswired Block: the sampled bound is computed for the Block as
// given, so a wiring error that the official run does not share has to show.
TEST(Block, GoldenBoundCatchesMiswiring) {
  const auto c = harness::testing::open_golden_case("block");
  if (!c)
    GTEST_SKIP() << "golden vectors not found at " << harness::default_golden_dir();
  const harness::GoldenCase& gc = c->gc;
  const ModelConfig cfg = harness::golden_full_config(gc);
  harness::GoldenParams params;
  const BlockWeights good = harness::block_weights_view(params.lookup(gc), "", 1, cfg);
  const harness::Tensor xp = gc.tensor("in.x_prefill"), off = gc.tensor("out.prefill");
  const int64_t S = xp.dim(1), row = 4 * cfg.dim;
  const harness::Tensor ids_t = gc.tensor("in.input_ids");
  const std::vector<int64_t> ids(ids_t.data<int64_t>(), ids_t.data<int64_t>() + S);
  const std::vector<int32_t> pidx = harness::golden_indices(gc, "trace.prefill_topk_idxs");
  const harness::BoundedBf16 x{std::vector<bf16>(xp.data<bf16>(), xp.data<bf16>() + S * row),
                               std::vector<double>(static_cast<size_t>(S * row), 0.0)};
  const auto passes = [&](const BlockWeights& w) {
    const harness::BlockSequenceBounds b = harness::block_sequence_bounds(
        x, ids.data(), S, 0, cfg, w, pidx.data(), int64_t(pidx.size()) / S, nullptr, 0);
    return harness::golden_compare_bounded(gc, "out.prefill",
                                           harness::tensor_from(b.y.v, {S, 4, cfg.dim}),
                                           harness::reshaped(off, {S, 4, cfg.dim}), b.y.e, "test")
        .passed;
  };
  EXPECT_TRUE(passes(good));
  BlockWeights norms = good; // attn_norm and ffn_norm exchanged
  std::swap(norms.attn_norm, norms.ffn_norm);
  EXPECT_FALSE(passes(norms));
  BlockWeights sites = good; // the two mHC sites' parameters exchanged
  std::swap(sites.hc_attn_fn, sites.hc_ffn_fn);
  std::swap(sites.hc_attn_base, sites.hc_ffn_base);
  std::swap(sites.hc_attn_scale, sites.hc_ffn_scale);
  EXPECT_FALSE(passes(sites));
}

} // namespace
} // namespace v4::reference
