// The attention layer (spec §11-§13): output projection grouping, the KV cache layout after a
// prefill, and the registered checks and golden cases (window-only, CSA, HCA).
#include <gtest/gtest.h>

#include <vector>

#include "harness/generators.h"
#include "harness/registry.h"
#include "reference/attention.h"
#include "tests/attention_test_util.h"

namespace v4::reference {
namespace {

TEST(Attention, OutputProjectionGroupsAreIndependent) {
  // 4 heads of 512 in 2 groups, o_lora 3, dim 5: zeroing group 1's heads zeroes u[1], so y only
  // sees group 0 through wo_b's first 3 columns; zeroing wo_b's group-0 columns then gives y = 0.
  const int64_t H = 4, D = 512, G = 2, r = 3, dim = 5;
  const harness::Tensor o = harness::random_bf16({1, H, D}, 9, "o");
  const harness::Tensor wo_a = harness::random_bf16({G * r, H * D / G}, 9, "wo_a", 0.05);
  harness::Tensor wo_b = harness::random_bf16({dim, G * r}, 9, "wo_b");
  std::vector<bf16> oz(o.data<bf16>(), o.data<bf16>() + H * D), y(dim);
  std::fill(oz.begin() + 2 * D, oz.end(), bf16_encode(0.0f)); // heads 2, 3 = group 1
  for (int64_t i = 0; i < dim; ++i) {
    for (int64_t c = 0; c < r; ++c)
      wo_b.data<bf16>()[i * G * r + c] = bf16_encode(0.0f);
  }
  attention_output(y.data(), oz.data(), wo_a.data<bf16>(), wo_b.data<bf16>(), 1, H, D, G, r, dim);
  for (const bf16 v : y)
    EXPECT_EQ(bf16_decode(v), 0.0f);
  attention_output(y.data(), o.data<bf16>(), wo_a.data<bf16>(), wo_b.data<bf16>(), 1, H, D, G, r,
                   dim);
  int nonzero = 0;
  for (const bf16 v : y)
    nonzero += bf16_decode(v) != 0.0f;
  EXPECT_GT(nonzero, 0); // with group 1 present the same weights give a non-zero y
}

TEST(Attention, CacheLayoutAfterPrefill) {
  // §13.1: ring slot pos mod W holds the raw row of the last W positions; row W + i holds
  // compressed block i. Checked against the KV array the prefill attended to.
  const harness::OpSpec& op = harness::Registry::instance().get("attention");
  harness::Case c = op.cases(harness::Suite::smoke)[2]; // the HCA case
  c.set("batch", 1);
  const harness::TensorMap in = op.make_inputs(c);
  ModelConfig cfg;
  cfg.dim = 64, cfg.n_heads = 4, cfg.q_lora_rank = 32, cfg.o_groups = 2, cfg.o_lora_rank = 16;
  cfg.window_size = 16, cfg.index_n_heads = 4, cfg.index_topk = 8, cfg.max_seq_len = 512;
  AttentionWeights w;
  w.wq_a = in.at("wq_a").data<bf16>(), w.q_norm = in.at("q_norm").data<float>();
  w.wq_b = in.at("wq_b").data<bf16>(), w.wkv = in.at("wkv").data<bf16>();
  w.kv_norm = in.at("kv_norm").data<float>(), w.wo_a = in.at("wo_a").data<bf16>();
  w.wo_b = in.at("wo_b").data<bf16>(), w.attn_sink = in.at("attn_sink").data<float>();
  w.cmp_wkv = in.at("cmp_wkv").data<float>(), w.cmp_wgate = in.at("cmp_wgate").data<float>();
  w.cmp_ape = in.at("cmp_ape").data<float>(), w.cmp_norm = in.at("cmp_norm").data<float>();
  const int64_t s = 130, D = 512, W = 16;
  std::vector<bf16> y(size_t(s * cfg.dim));
  AttentionCache cache;
  AttentionTrace trace;
  attention_prefill(y.data(), cache, in.at("x").data<bf16>(), s, cfg, 128, w, &trace);
  ASSERT_EQ(int64_t(trace.kv.size()), (s + 1) * D); // 130 raw rows + 1 compressed block
  for (int64_t p = s - W; p < s; ++p) {
    for (int64_t d = 0; d < D; ++d) {
      ASSERT_EQ(cache.kv[size_t((p % W) * D + d)].bits, trace.kv[size_t(p * D + d)].bits) << p;
    }
  }
  for (int64_t d = 0; d < D; ++d)
    ASSERT_EQ(cache.kv[size_t(W * D + d)].bits, trace.kv[size_t(s * D + d)].bits);
  EXPECT_EQ(int64_t(cache.kv.size()), (W + 512 / 128) * D);
}

TEST(Attention, RegisteredChecks) {
  harness::testing::expect_smoke_checks_pass("attention");
}
TEST(Attention, Golden) {
  harness::testing::expect_golden_pass({"attention_swa", "attention_csa", "attention_hca"});
}

} // namespace
} // namespace v4::reference
