// RapidCheck properties of the MoE gate (spec §15): D4 selection with many ties, weights that
// sum to route_scale and depend on the unbiased scores only, bias shifts that keep the selection
// (up to ties created by fp32 rounding), and hash routing independent of x.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cmath>

#include "harness/generators.h"
#include "properties/moe_gate_invariants.h"
#include "reference/moe_gate.h"

namespace v4::properties {
namespace {

using harness::Tensor;

struct Scores {
  int64_t tokens, experts, k;
  Tensor scores, bias;
};

// Positive scores drawn from a few levels, so equal values (ties) are common.
Scores random_scores() {
  Scores s;
  s.tokens = *rc::gen::inRange<int64_t>(1, 9);
  s.experts = *rc::gen::inRange<int64_t>(2, 40);
  s.k = *rc::gen::inRange<int64_t>(1, std::min<int64_t>(s.experts, 8) + 1);
  const int levels = *rc::gen::inRange(1, 6);
  const uint64_t seed = *rc::gen::inRange<uint64_t>(1, 1u << 30);
  const Tensor lv = harness::uniform_i32({s.tokens, s.experts}, seed, "lv", 1, levels);
  s.scores = harness::make_tensor<float>({s.tokens, s.experts});
  for (int64_t i = 0; i < s.scores.numel(); ++i)
    s.scores.data<float>()[i] = 0.25f * float(lv.data<int32_t>()[i]);
  s.bias = harness::make_tensor<float>({s.experts}); // zero bias: ties stay ties
  return s;
}

RC_GTEST_PROP(MoeGateProperties, SelectionIsTheD4TopkAndWeightsAreRenormalizedScores, ()) {
  const Scores s = random_scores();
  Tensor w = harness::make_tensor<float>({s.tokens, s.k}),
         idx = harness::make_tensor<int32_t>({s.tokens, s.k});
  const float rs = *rc::gen::element(1.0f, 1.5f, 2.5f);
  reference::moe_gate_route(w.data<float>(), idx.data<int32_t>(), s.scores.data<float>(),
                            s.bias.data<float>(), s.tokens, s.experts, s.k, rs);
  RC_ASSERT(check_gate_topk(idx, s.scores, &s.bias).passed);
  RC_ASSERT(check_gate_weight_sum(w, rs).passed);
  RC_ASSERT(check_gate_weights_from_scores(w, idx, s.scores, rs).passed);
}

RC_GTEST_PROP(MoeGateProperties, BiasNeverChangesTheWeightsOfAGivenSelection, ()) {
  const Scores s = random_scores();
  const uint64_t seed = *rc::gen::inRange<uint64_t>(1, 1u << 30);
  const Tensor bias = harness::random_f32({s.experts}, seed, "bias", 2.0);
  Tensor w = harness::make_tensor<float>({s.tokens, s.k}),
         idx = harness::make_tensor<int32_t>({s.tokens, s.k});
  reference::moe_gate_route(w.data<float>(), idx.data<int32_t>(), s.scores.data<float>(),
                            bias.data<float>(), s.tokens, s.experts, s.k, 1.5f);
  Tensor again = harness::make_tensor<float>({s.tokens, s.k});
  reference::moe_gate_weights(again.data<float>(), s.scores.data<float>(), idx.data<int32_t>(),
                              s.tokens, s.experts, s.k, 1.5f);
  RC_ASSERT(again.bitwise_equal(w));
}

RC_GTEST_PROP(MoeGateProperties, ConstantBiasShiftKeepsTheSelectionAwayFromRoundingTies, ()) {
  const int64_t tokens = 4, dim = 64, experts = *rc::gen::inRange<int64_t>(8, 64),
                k = *rc::gen::inRange<int64_t>(1, 7);
  const uint64_t seed = *rc::gen::inRange<uint64_t>(1, 1u << 30);
  const Tensor x = harness::random_bf16({tokens, dim}, seed, "x"),
               wg = harness::random_bf16({experts, dim}, seed, "w", 0.125);
  const Tensor bias = harness::random_f32({experts}, seed, "bias", 0.1);
  const float c = float(*rc::gen::inRange(-1000, 1001)) / 256.0f;
  Tensor shifted = bias;
  for (int64_t e = 0; e < experts; ++e)
    shifted.data<float>()[e] += c;
  std::vector<float> s(static_cast<size_t>(tokens * experts)), w(static_cast<size_t>(tokens * k)),
      w2(w.size());
  std::vector<int32_t> i1(w.size()), i2(w.size());
  reference::moe_gate_scores(s.data(), x.data<bf16>(), wg.data<bf16>(), tokens, dim, experts);
  reference::moe_gate_route(w.data(), i1.data(), s.data(), bias.data<float>(), tokens, experts, k,
                            1.5f);
  reference::moe_gate_route(w2.data(), i2.data(), s.data(), shifted.data<float>(), tokens, experts,
                            k, 1.5f);
  for (int64_t t = 0; t < tokens; ++t) {
    // fp32 rounding of b + c and of s + b' moves each value by at most one ulp of its magnitude:
    // the selection can only change where the k-th and (k+1)-th values are that close.
    std::vector<float> v(static_cast<size_t>(experts));
    float mag = 0;
    for (int64_t e = 0; e < experts; ++e) {
      v[size_t(e)] = s[size_t(t * experts + e)] + bias.data<float>()[e];
      mag = std::max({mag, std::fabs(v[size_t(e)]), std::fabs(v[size_t(e)] + c)});
    }
    std::sort(v.begin(), v.end(), std::greater<>());
    const double gap = k < experts ? double(v[size_t(k - 1)]) - v[size_t(k)] : INFINITY;
    if (gap <= 4 * std::ldexp(double(mag), -23))
      continue;
    std::vector<int32_t> a(i1.begin() + t * k, i1.begin() + (t + 1) * k),
        b(i2.begin() + t * k, i2.begin() + (t + 1) * k);
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    RC_ASSERT(a == b);
  }
}

RC_GTEST_PROP(MoeGateProperties, HashSelectionIsIndependentOfX, ()) {
  const int64_t tokens = 6, dim = 32, experts = 16, k = 4, vocab = 10;
  const uint64_t seed = *rc::gen::inRange<uint64_t>(1, 1u << 30);
  const Tensor wg = harness::random_bf16({experts, dim}, seed, "w", 0.2);
  const Tensor ids = harness::uniform_i64({tokens}, seed, "ids", 0, vocab - 1);
  Tensor table = harness::make_tensor<int32_t>({vocab, k});
  for (int64_t v = 0; v < vocab; ++v)
    for (int64_t j = 0; j < k; ++j)
      table.data<int32_t>()[v * k + j] = int32_t((v * 5 + j * 3) % experts);
  reference::GateParams p{wg.data<bf16>(), nullptr, table.data<int32_t>(), experts, k, vocab, 1.5f};
  std::vector<float> w1(static_cast<size_t>(tokens * k)), w2(w1.size());
  Tensor i1 = harness::make_tensor<int32_t>({tokens, k}),
         i2 = harness::make_tensor<int32_t>({tokens, k});
  const Tensor x1 = harness::random_bf16({tokens, dim}, seed, "x1"),
               x2 = harness::random_bf16({tokens, dim}, seed, "x2", 7.0);
  reference::moe_gate(w1.data(), i1.data<int32_t>(), x1.data<bf16>(), ids.data<int64_t>(), p,
                      tokens, dim);
  reference::moe_gate(w2.data(), i2.data<int32_t>(), x2.data<bf16>(), ids.data<int64_t>(), p,
                      tokens, dim);
  RC_ASSERT(i1.bitwise_equal(i2));
  RC_ASSERT(check_gate_hash(i1, table, ids).passed);
}

} // namespace
} // namespace v4::properties
