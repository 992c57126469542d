// RapidCheck properties of the SwiGLU experts (spec §16, §17): the clamp bounds |u| <= 10,
// g <= 10 hold for any pre-activation (so |h / w_route| <= 99.9955), and the output is exactly
// linear in a power-of-two routing weight (the weight is applied before w2).
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cmath>

#include "harness/generators.h"
#include "harness/ops/moe_inputs.h"
#include "reference/moe_expert.h"

namespace v4::properties {
namespace {

RC_GTEST_PROP(MoeExpertProperties, ClampBoundsTheActivation, ()) {
  const int64_t n = 64;
  const uint64_t seed = *rc::gen::inRange<uint64_t>(1, 1u << 30);
  const harness::Tensor g = harness::random_f32({n}, seed, "g", 40.0),
                        u = harness::random_f32({n}, seed, "u", 40.0);
  const float w = float(*rc::gen::inRange(1, 400)) / 100.0f;
  std::vector<float> h(n), ws(1, w);
  reference::swiglu_clamp(h.data(), g.data<float>(), u.data<float>(), ws.data(), 1, n,
                          reference::kSwigluLimit);
  for (int64_t i = 0; i < n; ++i) {
    // |silu(min(g, 10))| <= silu(10) = 9.99955 and |clamp(u)| <= 10; three fp32 roundings.
    RC_ASSERT(std::fabs(double(h[size_t(i)])) <= double(w) * 99.99546 * (1 + 3 * 0x1p-24));
    const double gc = std::min(double(g.data<float>()[i]), 10.0),
                 uc = std::clamp(double(u.data<float>()[i]), -10.0, 10.0);
    const double exact = w * gc / (1 + std::exp(-gc)) * uc;
    RC_ASSERT(std::fabs(h[size_t(i)] - exact) <= 4 * 0x1p-24 * std::fabs(exact) + 1e-30);
  }
}

RC_GTEST_PROP(MoeExpertProperties, OutputIsExactlyLinearInAPowerOfTwoRoutingWeight, ()) {
  const int64_t fmt =
      *rc::gen::element<int64_t>(harness::kExpertBf16, harness::kExpertFp8, harness::kExpertFp4);
  const int64_t rows = *rc::gen::inRange<int64_t>(1, 4), dim = 128, inter = 128;
  const uint64_t seed = *rc::gen::inRange<uint64_t>(1, 1u << 30);
  harness::TensorMap in;
  harness::add_weight(in, "w1", fmt, 1, inter, dim, seed);
  harness::add_weight(in, "w2", fmt, 1, dim, inter, seed);
  harness::add_weight(in, "w3", fmt, 1, inter, dim, seed);
  const reference::ExpertWeights ew{harness::weight_view(in, "w1", fmt, 0, inter, dim),
                                    harness::weight_view(in, "w2", fmt, 0, dim, inter),
                                    harness::weight_view(in, "w3", fmt, 0, inter, dim)};
  const harness::Tensor x = harness::random_bf16({rows, dim}, seed, "x", 4.0);
  const harness::Tensor r = harness::uniform_f32({rows}, seed, "r", 0.1, 1.5);
  const int shift = *rc::gen::inRange(-3, 4);
  std::vector<float> r2(static_cast<size_t>(rows));
  for (int64_t i = 0; i < rows; ++i)
    r2[size_t(i)] = std::ldexp(r.data<float>()[i], shift);
  std::vector<bf16> y(static_cast<size_t>(rows * dim)), y2(y.size());
  reference::moe_expert(y.data(), x.data<bf16>(), r.data<float>(), ew, rows,
                        reference::kSwigluLimit);
  reference::moe_expert(y2.data(), x.data<bf16>(), r2.data(), ew, rows, reference::kSwigluLimit);
  for (size_t i = 0; i < y.size(); ++i)
    RC_ASSERT(double(reference::bf16_decode(y2[i])) ==
              std::ldexp(double(reference::bf16_decode(y[i])), shift));
}

} // namespace
} // namespace v4::properties
