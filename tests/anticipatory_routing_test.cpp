// Anticipatory routing (spec §20): Δt = 0 is standard routing bit for bit; otherwise the indices
// are those of the old router and the weights come from the current one; the snapshot history.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "harness/generators.h"
#include "reference/anticipatory_routing.h"
#include "reference/moe_gate.h"

namespace v4::reference {
namespace {

constexpr int64_t kTokens = 48, kDim = 128, kExperts = 16, kK = 4;

struct Routing {
  std::vector<float> w = std::vector<float>(kTokens * kK);
  std::vector<int32_t> idx = std::vector<int32_t>(kTokens * kK);
};

Routing standard(const harness::Tensor& x, const bf16* w, const float* b) {
  Routing r;
  std::vector<float> s(kTokens * kExperts);
  moe_gate_scores(s.data(), x.data<bf16>(), w, kTokens, kDim, kExperts);
  moe_gate_route(r.w.data(), r.idx.data(), s.data(), b, kTokens, kExperts, kK, 1.5f);
  return r;
}

// Router parameters at step s: W_s = W_0 + s·drift (bf16), bias_s = bias_0 − s·0.02.
std::pair<std::vector<bf16>, std::vector<float>> router_at(int64_t step) {
  const harness::Tensor w0 = harness::random_f32({kExperts, kDim}, 1, "w0", 0.1);
  const harness::Tensor d = harness::random_f32({kExperts, kDim}, 1, "drift", 0.02);
  const harness::Tensor b0 = harness::random_f32({kExperts}, 1, "b0", 0.1);
  std::vector<bf16> w(kExperts * kDim);
  std::vector<float> b(kExperts);
  for (int64_t i = 0; i < kExperts * kDim; ++i)
    w[size_t(i)] = bf16_encode(w0.data<float>()[i] + float(step) * d.data<float>()[i]);
  for (int64_t e = 0; e < kExperts; ++e)
    b[size_t(e)] = b0.data<float>()[e] - 0.02f * float(step);
  return {w, b};
}

TEST(AnticipatoryRouting, DeltaZeroIsStandardRoutingBitwise) {
  const harness::Tensor x = harness::random_bf16({kTokens, kDim}, 2, "x");
  RouterHistory h(kExperts, kDim, 4);
  for (int64_t s = 10; s <= 13; ++s) {
    const auto [w, b] = router_at(s);
    h.push(s, w.data(), b.data());
  }
  Routing a;
  anticipatory_route_at(a.w.data(), a.idx.data(), x.data<bf16>(), h, 0, kTokens, kDim, kExperts, kK,
                        1.5f);
  const auto [w, b] = router_at(13);
  const Routing s = standard(x, w.data(), b.data());
  EXPECT_EQ(a.idx, s.idx);
  for (size_t i = 0; i < a.w.size(); ++i)
    EXPECT_EQ(std::bit_cast<uint32_t>(a.w[i]), std::bit_cast<uint32_t>(s.w[i]));
}

TEST(AnticipatoryRouting, IndicesFromTheSnapshotWeightsFromTheCurrentRouter) {
  const harness::Tensor x = harness::random_bf16({kTokens, kDim}, 3, "x");
  RouterHistory h(kExperts, kDim, 8);
  for (int64_t s = 0; s <= 5; ++s) {
    const auto [w, b] = router_at(s);
    h.push(s, w.data(), b.data());
  }
  const int64_t dt = 3;
  Routing a;
  anticipatory_route_at(a.w.data(), a.idx.data(), x.data<bf16>(), h, dt, kTokens, kDim, kExperts,
                        kK, 1.5f);
  const auto [w_old, b_old] = router_at(5 - dt);
  const auto [w_now, b_now] = router_at(5);
  const Routing old = standard(x, w_old.data(), b_old.data()),
                now = standard(x, w_now.data(), b_now.data());
  EXPECT_EQ(a.idx, old.idx);
  EXPECT_NE(a.idx, now.idx) << "the drift should move some selection, or the test proves nothing";
  std::vector<float> s_now(kTokens * kExperts), want(kTokens * kK);
  moe_gate_scores(s_now.data(), x.data<bf16>(), w_now.data(), kTokens, kDim, kExperts);
  moe_gate_weights(want.data(), s_now.data(), a.idx.data(), kTokens, kExperts, kK, 1.5f);
  EXPECT_EQ(a.w, want);
}

TEST(AnticipatoryRouting, HistoryHoldsOnlyRecentSteps) {
  RouterHistory h(kExperts, kDim, 2);
  const auto [w, b] = router_at(0);
  h.push(7, w.data(), b.data());
  h.push(8, w.data(), b.data());
  h.push(9, w.data(), nullptr);
  EXPECT_EQ(h.latest_step(), 9);
  EXPECT_THROW(h.at(7), std::invalid_argument);
  EXPECT_EQ(h.at(9).bias, nullptr);
  EXPECT_THROW(h.push(11, w.data(), b.data()), std::invalid_argument);
}

} // namespace
} // namespace v4::reference
