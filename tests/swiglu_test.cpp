// The clamped SwiGLU on bf16 Linear outputs (spec §16, §17, D2): swiglu_clamp_bf16 is the
// expert's own activation (moe_expert_hidden's h), rounds once to bf16, and the swiglu op's
// registered checks (determinism, invariance, the clamp bound) pass on its smoke cases. The CUDA
// kernel's silu table mapping (optimized/swiglu_table.cuh) holds exactly the finite codes with
// |g| < 32, one slot each, and its choice between silu(limit), the table and the direct double
// expression gives the reference's silu(min(g, limit)) for every bf16 code.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <set>
#include <vector>

#include "harness/generators.h"
#include "harness/ops/moe_inputs.h"
#include "optimized/swiglu_table.cuh"
#include "reference/moe_expert.h"
#include "reference/swiglu.h"
#include "tests/attention_test_util.h"

namespace v4::reference {
namespace {

TEST(Swiglu, Bf16FormIsTheExpertsHidden) {
  const int64_t rows = 5, dim = 64, inter = 32;
  harness::TensorMap in;
  harness::add_weight(in, "w1", harness::kExpertBf16, 1, inter, dim, 7);
  harness::add_weight(in, "w2", harness::kExpertBf16, 1, dim, inter, 7);
  harness::add_weight(in, "w3", harness::kExpertBf16, 1, inter, dim, 7);
  const ExpertWeights w{harness::weight_view(in, "w1", harness::kExpertBf16, 0, inter, dim),
                        harness::weight_view(in, "w2", harness::kExpertBf16, 0, dim, inter),
                        harness::weight_view(in, "w3", harness::kExpertBf16, 0, inter, dim)};
  const harness::Tensor x = harness::random_bf16({rows, dim}, 7, "x", 16);
  const harness::Tensor route = harness::uniform_f32({rows}, 7, "route", 0.05, 1.5);
  std::vector<bf16> h(size_t(rows * inter)), g(h.size()), u(h.size()), h2(h.size());
  moe_expert_hidden(h.data(), x.data<bf16>(), route.data<float>(), w, rows, kSwigluLimit);
  linear(g.data(), x.data<bf16>(), w.w1, rows);
  linear(u.data(), x.data<bf16>(), w.w3, rows);
  swiglu_clamp_bf16(h2.data(), g.data(), u.data(), route.data<float>(), rows, inter, kSwigluLimit);
  for (size_t i = 0; i < h.size(); ++i)
    ASSERT_EQ(h[i].bits, h2[i].bits) << i;
}

TEST(Swiglu, Bf16FormClampsAndRoundsOnce) {
  const bf16 g[3] = {bf16_encode(10.0625f), bf16_encode(-200.0f), bf16_encode(1.0f)};
  const bf16 u[3] = {bf16_encode(-10.0625f), bf16_encode(5.0f), bf16_encode(11.0f)};
  const float w[1] = {0.75f};
  bf16 h[3];
  swiglu_clamp_bf16(h, g, u, w, 1, 3, kSwigluLimit);
  auto silu = [](double x) { return float(x / (1 + std::exp(-x))); };
  EXPECT_EQ(h[0].bits, bf16_encode(0.75f * (silu(10.0) * -10.0f)).bits); // both clamps
  EXPECT_EQ(h[1].bits, bf16_encode(0.75f * (silu(-200.0) * 5.0f)).bits); // no lower gate clamp
  EXPECT_EQ(h[2].bits, bf16_encode(0.75f * (silu(1.0) * 10.0f)).bits);
}

// The reference's silu (swiglu_clamp's expression).
float silu_ref(float gate) { return float(double(gate) / (1.0 + std::exp(-double(gate)))); }

bool same_float(float a, float b) {
  return std::isnan(a) ? std::isnan(b) : std::bit_cast<uint32_t>(a) == std::bit_cast<uint32_t>(b);
}

TEST(Swiglu, SiluTableHoldsExactlyTheFiniteCodesBelow32) {
  using namespace v4::optimized;
  ASSERT_EQ(kSiluTableSize, 33792u); // 2 signs x 132 exponents (0..131) x 128 mantissas
  std::set<uint32_t> slots;
  for (uint32_t code = 0; code < 0x10000; ++code) {
    const float g = bf16_decode(bf16{uint16_t(code)});
    ASSERT_TRUE(same_float(silu_table_gate(code), g)) << code; // the reference's decode
    const bool below_32 = std::isfinite(g) && std::fabs(g) < 32.0f;
    ASSERT_EQ(silu_table_holds(code), below_32) << std::hex << code;
    const uint32_t slot = silu_table_slot(code);
    ASSERT_LT(slot, kSiluTableSize) << std::hex << code; // a valid load even when not held
    if (below_32) {
      EXPECT_EQ(silu_table_code(slot), code) << std::hex << code;
      EXPECT_TRUE(slots.insert(slot).second) << "slot " << slot << " taken twice";
    }
  }
  EXPECT_EQ(slots.size(), size_t(kSiluTableSize)); // every slot belongs to exactly one code
}

// The kernel's per-element choice, modelled on the host with the reference's silu standing in for
// the device's (both paths of the kernel evaluate one and the same device expression): for every
// code and clamp setting, silu(limit) / table slot / direct gives silu(min(g, limit)).
TEST(Swiglu, SiluTableSelectionGivesTheClampedSilu) {
  using namespace v4::optimized;
  std::vector<float> table(kSiluTableSize);
  for (uint32_t slot = 0; slot < kSiluTableSize; ++slot)
    table[slot] = silu_ref(silu_table_gate(silu_table_code(slot)));
  const float inf = std::numeric_limits<float>::infinity();
  for (const float limit : {kSwigluLimit, 0.0f, -1.0f, 7.3f, 31.9f, 40.0f, inf}) {
    for (const bool ready : {true, false}) {
      int64_t from_limit = 0, from_table = 0, direct = 0;
      for (uint32_t code = 0; code < 0x10000; ++code) {
        const float g = bf16_decode(bf16{uint16_t(code)});
        const float want = silu_ref(limit > 0 ? std::min(g, limit) : g);
        float got = 0;
        switch (silu_source(code, limit, ready)) {
        case SiluSource::limit:
          got = silu_ref(limit), ++from_limit;
          break;
        case SiluSource::table:
          got = table[silu_table_slot(code)], ++from_table;
          ASSERT_TRUE(silu_table_holds(code));
          break;
        case SiluSource::direct:
          got = silu_ref(g), ++direct;
          ASSERT_FALSE(ready && silu_table_holds(code)) << std::hex << code;
          break;
        }
        ASSERT_TRUE(same_float(got, want)) << "code 0x" << std::hex << code << " limit " << limit;
      }
      // Each source is taken where expected: the clamp takes (limit, Inf] (no NaN), the table the
      // rest of its codes, direct the codes the table lacks (all unclamped ones without it).
      if (limit == kSwigluLimit && ready) {
        EXPECT_EQ(from_limit, 0x7F80 - 0x4120); // codes of (10, +Inf]: 10 is 0x4120
        EXPECT_EQ(from_table, kSiluTableSize - (0x4200 - 0x4121));
        EXPECT_EQ(direct, 0x10000 - from_limit - from_table);
      }
      if (!ready) {
        EXPECT_EQ(from_table, 0);
      }
    }
  }
}

TEST(Swiglu, RegisteredChecks) {
  harness::testing::expect_smoke_checks_pass("swiglu");
}

} // namespace
} // namespace v4::reference
