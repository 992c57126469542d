// MoE gate (spec §15): D4 tie-break, bias for selection only, hash routing with learned weights,
// the softplus threshold, weight normalization, and the golden gate_score / gate_hash cases.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <sstream>
#include <vector>

#include "harness/generators.h"
#include "harness/golden.h"
#include "reference/moe_gate.h"
#include "tests/attention_test_util.h"

namespace v4::reference {
namespace {

TEST(MoeGate, TopkLowerIndexWinsTies) {
  const float v[6] = {1.0f, 3.0f, 2.0f, 3.0f, 2.0f, 3.0f};
  int32_t idx[4];
  topk_lower_index_wins(idx, v, 6, 4);
  EXPECT_EQ(std::vector<int32_t>(idx, idx + 4), (std::vector<int32_t>{1, 3, 5, 2}));
}

TEST(MoeGate, ScoresAreSqrtSoftplusWithTorchsThreshold) {
  // x = e_0 and W rows with one entry l: the logit is exactly l.
  const int64_t dim = 4;
  const float logits[4] = {-3.0f, 0.0f, 19.5f, 24.0f};
  std::vector<bf16> x(dim, bf16_encode(0.0f)), w(4 * dim, bf16_encode(0.0f));
  x[0] = bf16_encode(1.0f);
  for (int e = 0; e < 4; ++e)
    w[size_t(e * dim)] = bf16_encode(logits[e]);
  float s[4];
  moe_gate_scores(s, x.data(), w.data(), 1, dim, 4);
  for (int e = 0; e < 3; ++e)
    EXPECT_EQ(s[e], float(std::sqrt(double(float(std::log1p(std::exp(double(logits[e]))))))));
  EXPECT_EQ(s[3], std::sqrt(24.0f)); // above 20: softplus(l) = l
}

TEST(MoeGate, BiasSelectsButNeverWeights) {
  const int64_t experts = 8, k = 3;
  const float scores[8] = {0.9f, 0.5f, 0.7f, 0.4f, 0.8f, 0.3f, 0.6f, 0.2f};
  float bias[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  float w0[3], w1[3];
  int32_t i0[3], i1[3];
  moe_gate_route(w0, i0, scores, bias, 1, experts, k, 1.5f);
  EXPECT_EQ(std::vector<int32_t>(i0, i0 + 3), (std::vector<int32_t>{0, 4, 2}));
  bias[7] = 1.0f; // promotes expert 7 into the selection
  moe_gate_route(w1, i1, scores, bias, 1, experts, k, 1.5f);
  EXPECT_EQ(std::vector<int32_t>(i1, i1 + 3), (std::vector<int32_t>{7, 0, 4}));
  const float total = 0.2f + 0.9f + 0.8f;
  EXPECT_EQ(w1[0], 0.2f / total * 1.5f); // weight from the unbiased score
  // A bias that keeps the selection keeps the weights bit for bit.
  float shifted[8];
  for (float& v : shifted)
    v = 0.25f; // a constant added to every bias
  moe_gate_route(w1, i1, scores, shifted, 1, experts, k, 1.5f);
  EXPECT_EQ(std::vector<int32_t>(i1, i1 + 3), std::vector<int32_t>(i0, i0 + 3));
  for (int j = 0; j < 3; ++j)
    EXPECT_EQ(w1[j], w0[j]);
}

TEST(MoeGate, WeightsSumToRouteScale) {
  const int64_t tokens = 64, dim = 256, experts = 32, k = 6;
  const harness::Tensor x = harness::random_bf16({tokens, dim}, 3, "x");
  const harness::Tensor w = harness::random_bf16({experts, dim}, 3, "w", 1.0 / 16);
  const harness::Tensor b = harness::random_f32({experts}, 3, "b", 0.1);
  std::vector<float> s(static_cast<size_t>(tokens * experts)),
      weights(static_cast<size_t>(tokens * k));
  std::vector<int32_t> idx(static_cast<size_t>(tokens * k));
  moe_gate_scores(s.data(), x.data<bf16>(), w.data<bf16>(), tokens, dim, experts);
  moe_gate_route(weights.data(), idx.data(), s.data(), b.data<float>(), tokens, experts, k, 2.5f);
  for (int64_t t = 0; t < tokens; ++t) {
    double sum = 0;
    for (int64_t j = 0; j < k; ++j) {
      EXPECT_GT(weights[size_t(t * k + j)], 0.0f);
      sum += weights[size_t(t * k + j)];
    }
    EXPECT_NEAR(sum, 2.5, 2.5 * double(2 * k + 2) * 0x1p-24); // (2k + 2) u route_scale
  }
}

// The gate is its projection followed by moe_gate_from_logits (the moe_gate_route op's
// reference), for score and hash routing.
TEST(MoeGate, FromLogitsAfterTheProjectionIsTheGate) {
  const int64_t tokens = 40, dim = 128, experts = 64, k = 6;
  const harness::Tensor x = harness::random_bf16({tokens, dim}, 5, "x");
  const harness::Tensor w = harness::random_bf16({experts, dim}, 5, "w", 1.0 / 11);
  const harness::Tensor b = harness::random_f32({experts}, 5, "b", 0.1);
  const harness::Tensor ids = harness::uniform_i64({tokens}, 5, "ids", 0, 9);
  std::vector<int32_t> table(size_t(10 * k));
  for (size_t i = 0; i < table.size(); ++i) table[i] = int32_t((i * 7) % size_t(experts));
  std::vector<float> logits(size_t(tokens * experts));
  moe_gate_logits(logits.data(), x.data<bf16>(), w.data<bf16>(), tokens, dim, experts);
  for (const bool hash : {false, true}) {
    GateParams p;
    p.weight = w.data<bf16>();
    p.experts = experts;
    p.k = k;
    p.route_scale = 2.5f;
    if (hash) {
      p.tid2eid = table.data();
      p.vocab = 10;
    } else {
      p.bias = b.data<float>();
    }
    std::vector<float> w1(size_t(tokens * k)), w2(w1.size());
    std::vector<int32_t> i1(w1.size()), i2(w1.size());
    moe_gate(w1.data(), i1.data(), x.data<bf16>(), ids.data<int64_t>(), p, tokens, dim);
    moe_gate_from_logits(w2.data(), i2.data(), logits.data(), ids.data<int64_t>(), p, tokens);
    EXPECT_EQ(i1, i2) << hash;
    EXPECT_EQ(w1, w2) << hash;
  }
}

TEST(MoeGate, RouteOpRegisteredChecks) { harness::testing::expect_smoke_checks_pass("moe_gate_route"); }

TEST(MoeGate, HashRoutingUsesTheTableAndLearnedWeights) {
  const int64_t experts = 8, k = 2, vocab = 4;
  const int32_t table[8] = {3, 1, 0, 7, 5, 2, 6, 4};
  const int64_t ids[3] = {2, 0, 2};
  const float scores[24] = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f, // token 0
                            1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f, // token 1
                            0.8f, 0.7f, 0.6f, 0.5f, 0.4f, 0.3f, 0.2f, 0.1f};
  float w[6];
  int32_t idx[6];
  moe_gate_hash(w, idx, scores, table, ids, 3, experts, k, vocab, 1.5f);
  EXPECT_EQ(std::vector<int32_t>(idx, idx + 6),
            (std::vector<int32_t>{5, 2, 3, 1, 5, 2})); // table order, not sorted
  EXPECT_EQ(w[0], 0.6f / (0.6f + 0.3f) * 1.5f);        // not uniform: from the gate scores
  EXPECT_EQ(w[4], 0.3f / (0.3f + 0.6f) * 1.5f); // same experts as token 0, other x: other weights
  const int64_t bad_id[1] = {9};
  EXPECT_THROW(moe_gate_hash(w, idx, scores, table, bad_id, 1, experts, k, vocab, 1.5f),
               std::invalid_argument);
}

TEST(MoeGate, GoldenGateScoreAndHash) {
  std::ostringstream log;
  const harness::GoldenSummary s =
      harness::run_golden(harness::default_golden_dir(), {"gate_score", "gate_hash"}, log);
  EXPECT_EQ(s.cases, 2);
  EXPECT_EQ(s.failed, 0) << log.str();
}

} // namespace
} // namespace v4::reference
