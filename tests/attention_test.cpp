// The attention layer (spec §11-§13): output projection grouping, the KV cache layout after a
// prefill, FP8 Linear weights, and the registered checks and golden cases (window-only, CSA,
// HCA).
#include <gtest/gtest.h>

#include <vector>

#include "harness/generators.h"
#include "harness/ops/moe_inputs.h"
#include "harness/registry.h"
#include "reference/attention.h"
#include "reference/rms_norm.h"
#include "reference/rope.h"
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

TEST(Attention, Fp8LinearWeights) {
  // FP8 checkpoints: wq_a, wq_b, wkv, wo_b and indexer.wq_b as e4m3 with 128×128 scales through
  // reference::linear (act_quant + fp8_gemm), the bf16 pointers unset. The traced q is the q path
  // composed with those linears, and a prefill of s + t tokens equals a prefill of s then t
  // decode steps bit for bit (act_quant and the GEMM work per row).
  ModelConfig cfg;
  cfg.dim = 256, cfg.n_heads = 2, cfg.q_lora_rank = 128, cfg.o_groups = 2, cfg.o_lora_rank = 64;
  cfg.window_size = 16, cfg.index_n_heads = 2, cfg.index_topk = 8, cfg.max_seq_len = 256;
  const int64_t dim = cfg.dim, H = cfg.n_heads, D = cfg.head_dim, ql = cfg.q_lora_rank, s = 44;
  const uint64_t seed = 31;
  harness::TensorMap in;
  const auto fp8 = [&](const char* name, int64_t out, int64_t in_dim) {
    harness::add_weight(in, name, harness::kExpertFp8, 1, out, in_dim, seed);
    return harness::weight_view(in, name, harness::kExpertFp8, 0, out, in_dim);
  };
  AttentionWeights w;
  w.lin_wq_a = fp8("wq_a", ql, dim);
  w.lin_wq_b = fp8("wq_b", H * D, ql);
  w.lin_wkv = fp8("wkv", D, dim);
  w.lin_wo_b = fp8("wo_b", dim, cfg.o_groups * cfg.o_lora_rank);
  w.lin_idx_wq_b = fp8("idx_wq_b", cfg.index_n_heads * 128, ql);
  const harness::Tensor q_norm = harness::uniform_f32({ql}, seed, "q_norm", 0.5, 1.5),
                        kv_norm = harness::uniform_f32({D}, seed, "kv_norm", 0.5, 1.5),
                        wo_a = harness::random_bf16({cfg.o_groups * cfg.o_lora_rank, H * D / 2},
                                                    seed, "wo_a", 0.03),
                        sink = harness::uniform_f32({H}, seed, "sink", -1.0, 1.0),
                        cw = harness::random_f32({2 * D, dim}, seed, "cw", 0.06),
                        cg = harness::random_f32({2 * D, dim}, seed, "cg", 0.06),
                        ca = harness::random_f32({4, 2 * D}, seed, "ca", 0.5),
                        cn = harness::uniform_f32({D}, seed, "cn", 0.5, 1.5),
                        wp = harness::random_bf16({cfg.index_n_heads, dim}, seed, "wp", 0.06),
                        iw = harness::random_f32({256, dim}, seed, "iw", 0.06),
                        ig = harness::random_f32({256, dim}, seed, "ig", 0.06),
                        ia = harness::random_f32({4, 256}, seed, "ia", 0.5),
                        inn = harness::uniform_f32({128}, seed, "inn", 0.5, 1.5),
                        x = harness::random_bf16({s, dim}, seed, "x");
  w.q_norm = q_norm.data<float>(), w.kv_norm = kv_norm.data<float>(), w.wo_a = wo_a.data<bf16>();
  w.attn_sink = sink.data<float>();
  w.cmp_wkv = cw.data<float>(), w.cmp_wgate = cg.data<float>(), w.cmp_ape = ca.data<float>();
  w.cmp_norm = cn.data<float>();
  w.idx_weights_proj = wp.data<bf16>(), w.idx_cmp_wkv = iw.data<float>();
  w.idx_cmp_wgate = ig.data<float>(), w.idx_cmp_ape = ia.data<float>();
  w.idx_cmp_norm = inn.data<float>();

  AttentionCache cache;
  AttentionTrace trace;
  std::vector<bf16> y(static_cast<size_t>(s * dim)), y_split(y.size());
  attention_prefill(y.data(), cache, x.data<bf16>(), s, cfg, 4, w, &trace);
  std::vector<int64_t> pos(static_cast<size_t>(s));
  for (int64_t p = 0; p < s; ++p)
    pos[size_t(p)] = p;
  std::vector<bf16> t(static_cast<size_t>(s * ql)), qr(t.size()), q(static_cast<size_t>(s * H * D));
  linear(t.data(), x.data<bf16>(), w.lin_wq_a, s);
  rms_norm(qr.data(), t.data(), w.q_norm, s, ql, float(cfg.norm_eps));
  linear(q.data(), qr.data(), w.lin_wq_b, s);
  rms_norm_head(q.data(), q.data(), s, H, D, float(cfg.norm_eps));
  rope_apply(q.data(), q.data(), pos.data(), s, H, D, rope_params_for_layer(cfg, 4), false);
  for (size_t i = 0; i < q.size(); ++i)
    ASSERT_EQ(q[i].bits, trace.q[i].bits) << i;

  AttentionCache split;
  attention_prefill(y_split.data(), split, x.data<bf16>(), s - 4, cfg, 4, w);
  for (int64_t p = s - 4; p < s; ++p)
    attention_decode(y_split.data() + p * dim, split, x.data<bf16>() + p * dim, p, cfg, 4, w);
  for (size_t i = 0; i < y.size(); ++i)
    ASSERT_EQ(y[i].bits, y_split[i].bits) << i;
}

TEST(Attention, RegisteredChecks) {
  harness::testing::expect_smoke_checks_pass("attention");
}
TEST(Attention, Golden) {
  harness::testing::expect_golden_pass({"attention_swa", "attention_csa", "attention_hca"});
}

} // namespace
} // namespace v4::reference
