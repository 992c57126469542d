// RapidCheck properties of the MoE layer (spec §15–§17, §0.4): the combine adds expert outputs in
// ascending expert id whatever the order of the selection slots (so permuting a token's (index,
// weight) pairs never changes a bit), and every token's output depends on its own row only.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>

#include "harness/generators.h"
#include "harness/ops/moe_inputs.h"
#include "reference/moe.h"

namespace v4::properties {
namespace {

struct Layer {
  harness::TensorMap in;
  reference::MoeParams p;
};

Layer make_layer(int64_t fmt, int64_t experts, int64_t k, uint64_t seed) {
  const int64_t dim = 128, inter = 128;
  Layer l;
  l.in["gate_w"] = harness::random_bf16({experts, dim}, seed, "gate_w", 0.1);
  for (const char* w : {"w1", "w3"})
    harness::add_weight(l.in, w, fmt, experts, inter, dim, seed);
  harness::add_weight(l.in, "w2", fmt, experts, dim, inter, seed);
  for (const char* w : {"sw1", "sw3"})
    harness::add_weight(l.in, w, fmt, 1, inter, dim, seed);
  harness::add_weight(l.in, "sw2", fmt, 1, dim, inter, seed);
  l.p.gate = {l.in.at("gate_w").data<bf16>(), nullptr, nullptr, experts, k, 0, 1.5f};
  for (int64_t e = 0; e < experts; ++e)
    l.p.experts.push_back({harness::weight_view(l.in, "w1", fmt, e, inter, dim),
                           harness::weight_view(l.in, "w2", fmt, e, dim, inter),
                           harness::weight_view(l.in, "w3", fmt, e, inter, dim)});
  l.p.shared = {harness::weight_view(l.in, "sw1", fmt, 0, inter, dim),
                harness::weight_view(l.in, "sw2", fmt, 0, dim, inter),
                harness::weight_view(l.in, "sw3", fmt, 0, inter, dim)};
  return l;
}

RC_GTEST_PROP(MoeProperties, CombineOrderIsByExpertIdNotBySlot, ()) {
  const int64_t fmt = *rc::gen::element<int64_t>(harness::kExpertBf16, harness::kExpertFp4);
  const int64_t experts = *rc::gen::inRange<int64_t>(2, 7),
                k = *rc::gen::inRange<int64_t>(1, experts + 1);
  const int64_t tokens = *rc::gen::inRange<int64_t>(1, 4), dim = 128;
  const uint64_t seed = *rc::gen::inRange<uint64_t>(1, 1u << 30);
  const Layer l = make_layer(fmt, experts, k, seed);
  const harness::Tensor x = harness::random_bf16({tokens, dim}, seed, "x", 3.0);
  const harness::Tensor wr = harness::uniform_f32({tokens, k}, seed, "wr", 0.05, 1.0);
  std::vector<int32_t> idx(static_cast<size_t>(tokens * k));
  std::vector<float> w(wr.data<float>(), wr.data<float>() + tokens * k);
  for (int64_t t = 0; t < tokens; ++t) { // k distinct experts per token, in a random slot order
    const auto order = *rc::gen::unique<std::vector<int32_t>>(
        size_t(k), rc::gen::inRange<int32_t>(0, int32_t(experts)));
    std::copy(order.begin(), order.end(), idx.begin() + t * k);
  }
  std::vector<bf16> y(static_cast<size_t>(tokens * dim)), y2(y.size()),
      one(static_cast<size_t>(dim));
  reference::moe_combine(y.data(), w.data(), idx.data(), x.data<bf16>(), l.p, tokens, dim);
  // Reverse every token's slots (with their weights): same bits.
  std::vector<int32_t> ridx = idx;
  std::vector<float> rw = w;
  for (int64_t t = 0; t < tokens; ++t) {
    std::reverse(ridx.begin() + t * k, ridx.begin() + (t + 1) * k);
    std::reverse(rw.begin() + t * k, rw.begin() + (t + 1) * k);
  }
  reference::moe_combine(y2.data(), rw.data(), ridx.data(), x.data<bf16>(), l.p, tokens, dim);
  for (size_t i = 0; i < y.size(); ++i)
    RC_ASSERT(y[i].bits == y2[i].bits);
  // Row independence: the last token alone gives the same bits.
  const int64_t t = tokens - 1;
  reference::moe_combine(one.data(), w.data() + t * k, idx.data() + t * k, x.data<bf16>() + t * dim,
                         l.p, 1, dim);
  for (int64_t c = 0; c < dim; ++c)
    RC_ASSERT(one[size_t(c)].bits == y[size_t(t * dim + c)].bits);
}

} // namespace
} // namespace v4::properties
