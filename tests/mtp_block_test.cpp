// The MTP block (spec §18): prefill-then-decode equals the longer prefill, the input with
// e_proj = 0, input validation, the registered checks, the golden case, and that the golden
// bound catches a miswired MTP input.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "harness/generators.h"
#include "harness/ops/attention_golden_util.h"
#include "harness/ops/block_golden_sampling.h"
#include "harness/ops/block_golden_util.h"
#include "harness/ops/block_inputs.h"
#include "reference/linear.h"
#include "reference/mhc_sinkhorn.h"
#include "reference/mtp_block.h"
#include "reference/rms_norm.h"
#include "tests/attention_test_util.h"
#include "tests/composite_test_util.h"

namespace v4::reference {
namespace {

const char* const kPrefix = "mtp.0.";

struct Mtp {
  harness::TensorMap in;
  MtpWeights w;
};
Mtp tiny_mtp(uint64_t seed) {
  const ModelConfig& cfg = harness::tiny_model_config();
  Mtp m;
  harness::add_block_weights(m.in, kPrefix, cfg.n_layers, cfg, seed);
  harness::add_head_weights(m.in, kPrefix, cfg, seed);
  harness::add_mtp_weights(m.in, kPrefix, cfg, seed);
  m.w = harness::mtp_weights_view(harness::lookup_in(m.in), kPrefix, cfg);
  return m;
}

TEST(MtpBlock, PrefillThenDecodeEqualsLongerPrefill) {
  const ModelConfig& cfg = harness::tiny_model_config();
  const Mtp m = tiny_mtp(21);
  const int64_t S = 24, T = 3, row = kHcMult * cfg.dim, V = cfg.vocab_size;
  const harness::Tensor h = harness::random_bf16({S + T, kHcMult, cfg.dim}, 22, "h");
  const harness::Tensor it = harness::uniform_i64({S + T}, 22, "ids", 0, V - 1);
  const int64_t* ids = it.data<int64_t>();
  std::vector<float> logits(static_cast<size_t>(V)), longer(static_cast<size_t>(V));
  BlockState st;
  mtp_prefill(logits.data(), st, h.data<bf16>(), ids, S, cfg, m.w);
  for (int64_t p = S; p < S + T; ++p) {
    mtp_decode(logits.data(), st, h.data<bf16>() + p * row, ids[p], p, cfg, m.w);
    BlockState fresh;
    mtp_prefill(longer.data(), fresh, h.data<bf16>(), ids, p + 1, cfg, m.w);
    for (int64_t v = 0; v < V; ++v)
      ASSERT_EQ(logits[size_t(v)], longer[size_t(v)]) << "position " << p;
  }
}

TEST(MtpBlock, ZeroEProjGivesTheHiddenProjection) {
  // Spec §18 invariant: with e_proj = 0 the Block input is h_proj(hnorm(H)) exactly (0 + b is
  // exact in fp32 and b is already bf16).
  const ModelConfig& cfg = harness::tiny_model_config();
  Mtp m = tiny_mtp(23);
  harness::Tensor& ep = m.in.at(std::string(kPrefix) + "e_proj.weight");
  std::fill(ep.data<bf16>(), ep.data<bf16>() + ep.numel(), bf16_encode(0.0f));
  const int64_t tokens = 5, rows = tokens * kHcMult, dim = cfg.dim;
  const harness::Tensor h = harness::random_bf16({tokens, kHcMult, dim}, 24, "h");
  const std::vector<int64_t> ids = {1, 2, 3, 4, 5};
  std::vector<bf16> x(static_cast<size_t>(rows * dim)), hn(x.size()), expect(x.size());
  mtp_input(x.data(), h.data<bf16>(), ids.data(), tokens, cfg, m.w);
  rms_norm(hn.data(), h.data<bf16>(), m.w.hnorm, rows, dim, float(cfg.norm_eps));
  linear(expect.data(), hn.data(), m.w.h_proj, rows);
  for (size_t i = 0; i < x.size(); ++i)
    ASSERT_EQ(bf16_decode(x[i]), bf16_decode(expect[i])) << i;
}

TEST(MtpBlock, BadInputThrowsWithClearMessage) {
  const ModelConfig& cfg = harness::tiny_model_config();
  const Mtp m = tiny_mtp(25);
  const int64_t row = kHcMult * cfg.dim;
  std::vector<bf16> h(static_cast<size_t>(2 * row), bf16_encode(0.25f));
  std::vector<float> logits(static_cast<size_t>(cfg.vocab_size));
  const std::vector<int64_t> ids = {1, 2};
  BlockState st;
  const auto expect_throw = [](auto f, const std::string& text) {
    try {
      f();
      ADD_FAILURE() << "no exception; expected: " << text;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
    }
  };
  MtpWeights bad = m.w;
  bad.e_proj.in = cfg.dim / 2;
  expect_throw([&] { mtp_prefill(logits.data(), st, h.data(), ids.data(), 2, cfg, bad); },
               "e_proj and h_proj must be [dim, dim]");
  bad = m.w;
  bad.block.layer = 2;
  expect_throw([&] { mtp_prefill(logits.data(), st, h.data(), ids.data(), 2, cfg, bad); },
               "layer id must be >= n_layers (got 2)");
  expect_throw([&] { mtp_decode(logits.data(), st, h.data(), 1, 2, cfg, m.w); }, "prefill first");
}

TEST(MtpBlock, RegisteredChecks) {
  harness::testing::expect_smoke_checks_pass("mtp_block");
}

TEST(MtpBlock, Golden) {
  harness::testing::expect_golden_pass({"mtp_block"});
}

// The MTP golden bound must fail a miswired input: enorm and hnorm exchanged.
TEST(MtpBlock, GoldenBoundCatchesMiswiring) {
  const auto c = harness::testing::open_golden_case("mtp_block");
  if (!c)
    GTEST_SKIP() << "golden vectors not found at " << harness::default_golden_dir();
  const harness::GoldenCase& gc = c->gc;
  const ModelConfig cfg = harness::golden_full_config(gc);
  harness::GoldenParams params;
  MtpWeights w = harness::mtp_weights_view(params.lookup(gc), "", cfg);
  std::swap(w.enorm, w.hnorm);
  const harness::Tensor hp = gc.tensor("in.h_prefill");
  const int64_t S = hp.dim(1), V = cfg.vocab_size;
  const harness::Tensor ids_t = gc.tensor("in.input_ids");
  const int64_t* ids = ids_t.data<int64_t>();
  const harness::BoundedBf16 x = harness::mtp_input_bounds(hp.data<bf16>(), ids, S, cfg, w);
  const harness::BlockSequenceBounds b =
      harness::block_sequence_bounds(x, ids, S, 0, cfg, w.block, nullptr, 0, nullptr, 0);
  const harness::LogitBounds lb = harness::sampled_head_bounds(b, S - 1, 1, cfg, w.head);
  const float* official = gc.tensor("out.prefill_logits").data<float>();
  int64_t outside = 0;
  for (int64_t v = 0; v < V; ++v)
    outside += std::fabs(double(lb.logits[size_t(v)]) - official[v]) > lb.e[size_t(v)];
  EXPECT_GT(outside, 0);
}

} // namespace
} // namespace v4::reference
