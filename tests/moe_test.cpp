// The MoE layer (spec §15–§17): the combine order (ascending expert id, then the shared expert,
// fp32, then bf16), distinct experts, per-token independence with checkpoint formats, and the
// golden moe_score / moe_hash cases.
#include <gtest/gtest.h>

#include <sstream>
#include <vector>

#include "harness/generators.h"
#include "harness/golden.h"
#include "harness/ops/moe_inputs.h"
#include "reference/moe.h"

namespace v4::reference {
namespace {

struct Layer {
  harness::TensorMap in;
  MoeParams p;
  int64_t dim, inter, experts, k;
};

Layer make_layer(int64_t routed_fmt, int64_t shared_fmt, uint64_t seed) {
  Layer l{{}, {}, 128, 128, 8, 3};
  l.in["gate_w"] = harness::random_bf16({l.experts, l.dim}, seed, "gate_w", 0.1);
  l.in["gate_b"] = harness::random_f32({l.experts}, seed, "gate_b", 0.1);
  harness::add_weight(l.in, "w1", routed_fmt, l.experts, l.inter, l.dim, seed);
  harness::add_weight(l.in, "w2", routed_fmt, l.experts, l.dim, l.inter, seed);
  harness::add_weight(l.in, "w3", routed_fmt, l.experts, l.inter, l.dim, seed);
  harness::add_weight(l.in, "sw1", shared_fmt, 1, l.inter, l.dim, seed);
  harness::add_weight(l.in, "sw2", shared_fmt, 1, l.dim, l.inter, seed);
  harness::add_weight(l.in, "sw3", shared_fmt, 1, l.inter, l.dim, seed);
  l.p.gate = {l.in.at("gate_w").data<bf16>(),
              l.in.at("gate_b").data<float>(),
              nullptr,
              l.experts,
              l.k,
              0,
              1.5f};
  for (int64_t e = 0; e < l.experts; ++e)
    l.p.experts.push_back({harness::weight_view(l.in, "w1", routed_fmt, e, l.inter, l.dim),
                           harness::weight_view(l.in, "w2", routed_fmt, e, l.dim, l.inter),
                           harness::weight_view(l.in, "w3", routed_fmt, e, l.inter, l.dim)});
  l.p.shared = {harness::weight_view(l.in, "sw1", shared_fmt, 0, l.inter, l.dim),
                harness::weight_view(l.in, "sw2", shared_fmt, 0, l.dim, l.inter),
                harness::weight_view(l.in, "sw3", shared_fmt, 0, l.inter, l.dim)};
  return l;
}

TEST(Moe, CombinesInAscendingExpertIdThenShared) {
  const Layer l = make_layer(harness::kExpertBf16, harness::kExpertBf16, 1);
  const int64_t tokens = 5;
  const harness::Tensor x = harness::random_bf16({tokens, l.dim}, 1, "x", 3.0);
  // Routing listed in descending expert order: the combine must still add ascending.
  std::vector<int32_t> idx = {6, 2, 0, 7, 5, 1, 4, 3, 2, 5, 1, 0, 7, 6, 3};
  std::vector<float> w = {0.7f, 0.5f, 0.3f, 0.9f, 0.4f, 0.2f, 0.6f, 0.6f,
                          0.3f, 0.8f, 0.5f, 0.2f, 0.1f, 0.9f, 0.5f};
  std::vector<bf16> y(static_cast<size_t>(tokens * l.dim));
  moe_combine(y.data(), w.data(), idx.data(), x.data<bf16>(), l.p, tokens, l.dim);
  for (int64_t t = 0; t < tokens; ++t) {
    std::vector<std::pair<int32_t, float>> sel;
    for (int64_t j = 0; j < l.k; ++j)
      sel.push_back({idx[size_t(t * l.k + j)], w[size_t(t * l.k + j)]});
    std::sort(sel.begin(), sel.end());
    std::vector<float> acc(static_cast<size_t>(l.dim), 0.0f);
    std::vector<bf16> out(static_cast<size_t>(l.dim));
    for (const auto& [e, we] : sel) {
      moe_expert(out.data(), x.data<bf16>() + t * l.dim, &we, l.p.experts[size_t(e)], 1,
                 kSwigluLimit);
      for (int64_t c = 0; c < l.dim; ++c)
        acc[size_t(c)] = acc[size_t(c)] + bf16_decode(out[size_t(c)]);
    }
    moe_expert(out.data(), x.data<bf16>() + t * l.dim, nullptr, l.p.shared, 1, kSwigluLimit);
    for (int64_t c = 0; c < l.dim; ++c) {
      const float total = acc[size_t(c)] + bf16_decode(out[size_t(c)]);
      ASSERT_EQ(y[size_t(t * l.dim + c)].bits, bf16_encode(total).bits)
          << "token " << t << " channel " << c;
    }
  }
}

TEST(Moe, CheckpointFormatsAreRowIndependent) {
  const Layer l = make_layer(harness::kExpertFp4, harness::kExpertFp8, 2);
  const int64_t tokens = 9;
  const harness::Tensor x = harness::random_bf16({tokens, l.dim}, 2, "x", 3.0);
  std::vector<bf16> all(static_cast<size_t>(tokens * l.dim)), one(static_cast<size_t>(l.dim));
  moe(all.data(), nullptr, nullptr, x.data<bf16>(), nullptr, l.p, tokens, l.dim);
  for (int64_t t : {0, 4, 8}) {
    moe(one.data(), nullptr, nullptr, x.data<bf16>() + t * l.dim, nullptr, l.p, 1, l.dim);
    for (int64_t c = 0; c < l.dim; ++c)
      ASSERT_EQ(one[size_t(c)].bits, all[size_t(t * l.dim + c)].bits);
  }
}

TEST(Moe, RefusesARepeatedExpert) {
  const Layer l = make_layer(harness::kExpertBf16, harness::kExpertBf16, 3);
  const harness::Tensor x = harness::random_bf16({1, l.dim}, 3, "x");
  const int32_t idx[3] = {2, 5, 2};
  const float w[3] = {0.5f, 0.5f, 0.5f};
  std::vector<bf16> y(static_cast<size_t>(l.dim));
  EXPECT_THROW(moe_combine(y.data(), w, idx, x.data<bf16>(), l.p, 1, l.dim), std::invalid_argument);
}

TEST(Moe, GoldenMoeScoreAndHash) {
  std::ostringstream log;
  const harness::GoldenSummary s =
      harness::run_golden(harness::default_golden_dir(), {"moe_score", "moe_hash"}, log);
  EXPECT_EQ(s.cases, 2);
  EXPECT_EQ(s.failed, 0) << log.str();
}

} // namespace
} // namespace v4::reference
