// RMSNorm variants (spec §5): hand-computed rows, signed zeros, the eps-dominated regime, the bf16
// arithmetic of the per-head norm (including a rounding tie), bad shapes, and the registered
// domain properties (each shown to pass on the reference and to fail on a broken output).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "harness/registry.h"
#include "properties/rms_norm_invariants.h"
#include "reference/rms_norm.h"

namespace v4::reference {
namespace {

constexpr float kEps = 1e-6f;

std::vector<bf16> to_bf16(const std::vector<float>& v) {
  std::vector<bf16> out;
  for (float f : v)
    out.push_back(bf16_encode(f));
  return out;
}

// x = [3, 4]: ms = 12.5, ρ = 1/sqrt(12.5 + 1e-6) = 0.282842701. 3ρ = 0.848528 = 217.22·2^-8 and
// 4ρ = 1.131371 = 144.82·2^-7 round to 217·2^-8 and 145·2^-7; with w = [2, 0.5] the products
// 1.697056 = 217.22·2^-7 and 0.565685 = 144.82·2^-8 round to 217·2^-7 and 145·2^-8.
TEST(RmsNorm, HandComputedRow) {
  const auto x = to_bf16({3, 4});
  std::vector<bf16> y(2);
  const float unit[2] = {1, 1}, w[2] = {2, 0.5f};
  rms_norm(y.data(), x.data(), unit, 1, 2, kEps);
  EXPECT_EQ(bf16_decode(y[0]), 217 * 0x1p-8f);
  EXPECT_EQ(bf16_decode(y[1]), 145 * 0x1p-7f);
  rms_norm(y.data(), x.data(), w, 1, 2, kEps);
  EXPECT_EQ(bf16_decode(y[0]), 217 * 0x1p-7f);
  EXPECT_EQ(bf16_decode(y[1]), 145 * 0x1p-8f);
}

// A constant row normalizes to ±1·w up to eps: ρ·c = 1/sqrt(1 + eps/c²) rounds to 1 in bf16.
TEST(RmsNorm, ConstantRowNormalizesToWeight) {
  for (float c : {0.25f, 1.0f, -3.0f, 1024.0f}) {
    const auto x = to_bf16({c, c, c, c});
    std::vector<bf16> y(4);
    const float w[4] = {1, -2, 0.5f, 3};
    rms_norm(y.data(), x.data(), w, 1, 4, kEps);
    for (int i = 0; i < 4; ++i)
      EXPECT_EQ(bf16_decode(y[size_t(i)]), std::copysign(1.0f, c) * w[i]) << c;
  }
}

// x = 0 gives y = ±0 with the product sign: -0·ρ·1 = -0 and +0·ρ·(-1) = -0.
TEST(RmsNorm, ZeroRowGivesSignedZeros) {
  const std::vector<bf16> x = {bf16{0x8000}, bf16{0x0000}};
  std::vector<bf16> y(2);
  const float w[2] = {1, -1};
  rms_norm(y.data(), x.data(), w, 1, 2, kEps);
  EXPECT_EQ(y[0].bits, 0x8000);
  EXPECT_EQ(y[1].bits, 0x8000);
}

// ms << eps: ρ = 1/sqrt(eps) = 1000 (to fp32 rounding), so y = 1000·x within one bf16 ULP.
TEST(RmsNorm, EpsDominatesTinyRows) {
  const auto x = to_bf16({0x1p-40f, -0x1p-41f});
  std::vector<bf16> y(2);
  const float w[2] = {1, 1};
  rms_norm(y.data(), x.data(), w, 1, 2, kEps);
  EXPECT_NEAR(bf16_decode(y[0]), 1000 * 0x1p-40, 0x1p-40 * 1000 * 0x1p-7);
  EXPECT_NEAR(bf16_decode(y[1]), -1000 * 0x1p-41, 0x1p-41 * 1000 * 0x1p-7);
}

// [C]'s per-head norm in bf16: squares 9, 16; mean 12.5 (exact in bf16); + eps rounds back to
// 12.5; rsqrt 0.2828427 = 144.82·2^-9 rounds to 145·2^-9 = 0.283203125; then 3·0.283203125 =
// 0.849609375 = 217.5·2^-8 is a tie that RNE sends to 218·2^-8, and 4·inv = 145·2^-7 is exact.
// The fp32 weighted norm gives 217·2^-8 for the same element (HandComputedRow).
TEST(RmsNormHead, HandComputedBf16Arithmetic) {
  const auto x = to_bf16({3, 4});
  std::vector<bf16> y(2);
  rms_norm_head(y.data(), x.data(), 1, 1, 2, kEps);
  EXPECT_EQ(bf16_decode(y[0]), 218 * 0x1p-8f);
  EXPECT_EQ(bf16_decode(y[1]), 145 * 0x1p-7f);
}

// Head 1 is head 0 times 16: its squares, mean and rsqrt are exact power-of-two multiples (no
// new rounding), so it normalizes to the same bf16 values, tie included.
TEST(RmsNormHead, HeadsAreIndependentAndMayAlias) {
  auto x = to_bf16({3, 4, 48, 64, 0, -0.0f});
  std::vector<bf16> y(6);
  rms_norm_head(y.data(), x.data(), 1, 3, 2, kEps);
  EXPECT_EQ(bf16_decode(y[0]), bf16_decode(y[2]));
  EXPECT_EQ(bf16_decode(y[1]), bf16_decode(y[3]));
  EXPECT_EQ(y[4].bits, 0x0000);
  EXPECT_EQ(y[5].bits, 0x8000);
  rms_norm_head(x.data(), x.data(), 1, 3, 2, kEps); // in place, as [C]'s q *= ...
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(x[size_t(i)].bits, y[size_t(i)].bits);
}

TEST(RmsNorm, BadShapesThrow) {
  std::vector<bf16> x(4), y(4);
  const float w[4] = {1, 1, 1, 1};
  EXPECT_THROW(rms_norm(y.data(), x.data(), w, 1, 0, kEps), std::invalid_argument);
  EXPECT_THROW(rms_norm(y.data(), x.data(), w, -1, 4, kEps), std::invalid_argument);
  EXPECT_THROW(rms_norm_head(y.data(), x.data(), 1, 0, 4, kEps), std::invalid_argument);
  EXPECT_THROW(rms_norm_head(y.data(), x.data(), 1, 1, 0, kEps), std::invalid_argument);
  EXPECT_THROW(rms_norm_head(y.data(), x.data(), -1, 1, 4, kEps), std::invalid_argument);
  EXPECT_NO_THROW(rms_norm(y.data(), x.data(), w, 0, 4, kEps)); // no rows is fine
}

} // namespace
} // namespace v4::reference

namespace v4::harness {
namespace {

struct SmokeRun {
  const OpSpec& op;
  Case c;
  TensorMap in, out;
};
SmokeRun run_smoke(const char* name) {
  const OpSpec& op = Registry::instance().get(name);
  Case c = op.cases(Suite::smoke).at(0);
  TensorMap in = op.make_inputs(c);
  TensorMap out = op.reference().run(c, in);
  return {op, c, in, out};
}
PropertyOutcome property(const SmokeRun& r, const std::string& name, const TensorMap& out) {
  for (const DomainProperty& p : r.op.properties) {
    if (p.name == name)
      return p.check(r.c, r.in, out);
  }
  ADD_FAILURE() << "no property " << name;
  return {};
}

TEST(RmsNormProperties, ReferencePassesEveryProperty) {
  for (const char* name : {"rms_norm", "rms_norm_head"}) {
    const SmokeRun r = run_smoke(name);
    ASSERT_FALSE(r.op.properties.empty());
    for (const DomainProperty& p : r.op.properties) {
      const PropertyOutcome o = p.check(r.c, r.in, r.out);
      EXPECT_TRUE(o.passed) << name << "/" << p.name << ": " << o.detail;
    }
  }
}

TEST(RmsNormProperties, BrokenOutputsAreCaught) {
  const SmokeRun r = run_smoke("rms_norm");
  const int64_t dim = r.c.i64("dim");
  TensorMap bad = r.out;
  bad.at("y").data<bf16>()[3] = reference::bf16_encode(0.5f); // row 0 is planted all-zero
  EXPECT_FALSE(property(r, "zero_rows", bad).passed);
  bad = r.out; // the last (random) row 5% too large: mean((y/w)²) off by 10%
  for (int64_t i = (r.c.i64("rows") - 1) * dim; i < r.c.i64("rows") * dim; ++i) {
    bad.at("y").data<bf16>()[i] =
        reference::bf16_encode(reference::bf16_decode(r.out.at("y").data<bf16>()[i]) * 1.05f);
  }
  EXPECT_FALSE(property(r, "unit_rms", bad).passed);
  bad = r.out;                                 // row 2 = 2^k row 1 must normalize alike
  bad.at("y").data<bf16>()[2 * dim].bits += 3; // >= 2 ULPs from row 1 whatever the sign
  EXPECT_FALSE(property(r, "scale_invariance", bad).passed);

  const SmokeRun h = run_smoke("rms_norm_head");
  TensorMap bad_head = h.out;
  bad_head.at("y").data<bf16>()[0] = reference::bf16_encode(1.0f);
  EXPECT_FALSE(property(h, "zero_heads", bad_head).passed);
  bad_head = h.out;
  const int64_t hd = h.c.i64("head_dim");
  for (int64_t i = hd; i < 2 * hd; ++i) {
    bad_head.at("y").data<bf16>()[i] =
        reference::bf16_encode(reference::bf16_decode(h.out.at("y").data<bf16>()[i]) * 1.1f);
  }
  EXPECT_FALSE(property(h, "unit_rms", bad_head).passed);
}

TEST(RmsNormProperties, DerivedBoundsAreSmallEnoughToMatter) {
  // A 1% error in the rsqrt (e.g. dividing by dim - 1 at dim = 100) must exceed the bound.
  EXPECT_LT(properties::unit_rms_bound(256), 0.01);
  EXPECT_LT(properties::unit_rms_bound(7168), 0.01);
  EXPECT_LT(properties::unit_rms_head_bound(512), 0.03);
}

} // namespace
} // namespace v4::harness
