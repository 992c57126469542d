// RapidCheck properties of anticipatory routing (spec §20): Δt = 0 is standard routing bit for
// bit; with a snapshot, the indices are exactly the snapshot router's and the weights the current
// router's scores renormalized at those indices.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "harness/generators.h"
#include "properties/moe_gate_invariants.h"
#include "reference/anticipatory_routing.h"
#include "reference/moe_gate.h"

namespace v4::properties {
namespace {

RC_GTEST_PROP(AnticipatoryRoutingProperties, IndicesFromTheSnapshotWeightsFromNow, ()) {
  const int64_t tokens = *rc::gen::inRange<int64_t>(1, 16), dim = 64,
                experts = *rc::gen::inRange<int64_t>(4, 32);
  const int64_t k = *rc::gen::inRange<int64_t>(1, std::min<int64_t>(experts, 6) + 1);
  const uint64_t seed = *rc::gen::inRange<uint64_t>(1, 1u << 30);
  const bool same = *rc::gen::arbitrary<bool>();
  const harness::Tensor x = harness::random_bf16({tokens, dim}, seed, "x");
  const harness::Tensor w_now = harness::random_bf16({experts, dim}, seed, "now", 0.2),
                        b_now = harness::random_f32({experts}, seed, "bn", 0.1);
  const harness::Tensor w_old =
      same ? w_now : harness::random_bf16({experts, dim}, seed, "old", 0.2);
  const harness::Tensor b_old = same ? b_now : harness::random_f32({experts}, seed, "bo", 0.1);
  harness::Tensor w = harness::make_tensor<float>({tokens, k}),
                  idx = harness::make_tensor<int32_t>({tokens, k});
  reference::anticipatory_route(w.data<float>(), idx.data<int32_t>(), x.data<bf16>(),
                                {w_now.data<bf16>(), b_now.data<float>()},
                                {w_old.data<bf16>(), b_old.data<float>()}, tokens, dim, experts, k,
                                1.5f);
  harness::Tensor s_old = harness::make_tensor<float>({tokens, experts}),
                  s_now = harness::make_tensor<float>({tokens, experts});
  reference::moe_gate_scores(s_old.data<float>(), x.data<bf16>(), w_old.data<bf16>(), tokens, dim,
                             experts);
  reference::moe_gate_scores(s_now.data<float>(), x.data<bf16>(), w_now.data<bf16>(), tokens, dim,
                             experts);
  RC_ASSERT(check_gate_topk(idx, s_old, &b_old).passed);
  harness::Tensor want = harness::make_tensor<float>({tokens, k});
  reference::moe_gate_weights(want.data<float>(), s_now.data<float>(), idx.data<int32_t>(), tokens,
                              experts, k, 1.5f);
  RC_ASSERT(want.bitwise_equal(w));
  if (same) { // Δt = 0: standard routing, bit for bit
    harness::Tensor ws = harness::make_tensor<float>({tokens, k}),
                    is = harness::make_tensor<int32_t>({tokens, k});
    reference::moe_gate_route(ws.data<float>(), is.data<int32_t>(), s_now.data<float>(),
                              b_now.data<float>(), tokens, experts, k, 1.5f);
    RC_ASSERT(ws.bitwise_equal(w));
    RC_ASSERT(is.bitwise_equal(idx));
  }
}

} // namespace
} // namespace v4::properties
