// Lightning indexer (spec §9): D4 top-k order and padding, the head-weight factor, score rounding
// points on a hand example, and the registered checks and golden case.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "reference/indexer.h"
#include "tests/attention_test_util.h"

namespace v4::reference {
namespace {

std::vector<bf16> bf16s(const std::vector<float>& v) {
  std::vector<bf16> out;
  for (float f : v)
    out.push_back(bf16_encode(f));
  return out;
}

TEST(Indexer, TopkLowerIndexWinsTiesThenPadding) {
  // Row 0: 6 visible keys with ties; width 4. Row 1: 2 visible keys: −1 padding after them.
  const std::vector<bf16> scores =
      bf16s({1, 3, 3, -1, 3, 2, 9, 9, /* row 1 */ 0.5f, 0.5f, 7, 7, 7, 7, 7, 7});
  const std::vector<int64_t> n_valid = {6, 2};
  std::vector<int32_t> idx(8);
  indexer_topk(idx.data(), scores.data(), n_valid.data(), 2, 8, 4, 100);
  EXPECT_EQ(idx, (std::vector<int32_t>{101, 102, 104, 105, 100, 101, -1, -1}));
}

TEST(Indexer, VisibilityFollowsTheCode) { // D10: t < ⌊(p+1)/4⌋
  EXPECT_EQ(indexer_visible(2, 4), 0);
  EXPECT_EQ(indexer_visible(3, 4), 1);
  EXPECT_EQ(indexer_visible(7, 4), 2);
}

TEST(Indexer, ScoreRoundingPoints) {
  // Two heads of 128 dims, one key: dot_h = Σ q_h·k rounded to bf16, ReLU, × w_h rounded to bf16,
  // summed in fp32 and rounded to bf16.
  std::vector<bf16> q(256), k(128), w = bf16s({0.3f, -0.7f});
  for (int d = 0; d < 128; ++d) {
    q[size_t(d)] = bf16_encode(d % 2 ? 0.0078125f : 0.01171875f); // head 0: positive dot
    q[size_t(128 + d)] = bf16_encode(d % 3 ? -0.015625f : 0.0f);  // head 1: negative dot → ReLU 0
    k[size_t(d)] = bf16_encode(1.0f + float(d % 5) / 8.0f);
  }
  bf16 score;
  indexer_scores(&score, q.data(), w.data(), k.data(), 1, 2, 128, 1);
  double dot0 = 0;
  for (int d = 0; d < 128; ++d)
    dot0 += double(bf16_decode(q[size_t(d)])) * bf16_decode(k[size_t(d)]);
  const float term0 = round_bf16(round_bf16(float(dot0)) * bf16_decode(w[0]));
  EXPECT_EQ(score.bits, bf16_encode(term0).bits);
}

TEST(Indexer, HeadWeightFactor) {
  // weights_proj = e_0 for every head: the linear gives x_0 = 1, times 128^-½ · H^-½ (H = 4).
  IndexerParams p;
  p.dim = 8, p.q_lora_rank = 8, p.n_heads = 4, p.head_dim = 128, p.topk = 4;
  std::vector<bf16> wp(32, bf16_encode(0.0f)), x(8, bf16_encode(0.0f)), wq(512 * 8), w(4);
  for (int h = 0; h < 4; ++h)
    wp[size_t(h * 8)] = bf16_encode(1.0f);
  x[0] = bf16_encode(1.0f);
  p.wq_b = wq.data();
  p.weights_proj = wp.data();
  p.compressor.head_dim = 128, p.compressor.ratio = 4, p.compressor.rotate = true;
  indexer_head_weights(w.data(), x.data(), 1, p);
  const float factor = float(std::pow(128.0, -0.5) * std::pow(4.0, -0.5));
  for (int h = 0; h < 4; ++h)
    EXPECT_EQ(w[size_t(h)].bits, bf16_encode(factor).bits);
}

TEST(Indexer, RegisteredChecks) {
  harness::testing::expect_smoke_checks_pass("indexer");
}
TEST(Indexer, Golden) {
  harness::testing::expect_golden_pass({"indexer"});
}

} // namespace
} // namespace v4::reference
