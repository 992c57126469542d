// mHC hc_post (spec §14): X'_k = bf16(post_k·f + Σ_j comb[j, k]·X_j) with comb TRANSPOSED.
// Identity and non-symmetric permutation combs, post alone, a hand-computed element, bad
// shapes, and the registered properties (which must fail on a transposed implementation).
#include <gtest/gtest.h>

#include <vector>

#include "harness/registry.h"
#include "properties/mhc_post_invariants.h"
#include "reference/mhc_post.h"

namespace v4::reference {
namespace {

std::vector<bf16> to_bf16(const std::vector<float>& v) {
  std::vector<bf16> out;
  for (float f : v)
    out.push_back(bf16_encode(f));
  return out;
}

// Streams X_j = (j + 1)·[1, -0.5, 0.25], f = [7, 7, 7].
const int64_t kDim = 3;
std::vector<bf16> streams() {
  std::vector<float> v;
  for (int j = 0; j < 4; ++j)
    for (float e : {1.0f, -0.5f, 0.25f})
      v.push_back(float(j + 1) * e);
  return to_bf16(v);
}

std::vector<float> run(const std::vector<float>& post, const std::vector<float>& comb) {
  const auto x = streams(), f = to_bf16({7, 7, 7});
  std::vector<bf16> out(size_t(4 * kDim));
  hc_post(out.data(), f.data(), x.data(), post.data(), comb.data(), 1, kDim);
  std::vector<float> v;
  for (bf16 b : out)
    v.push_back(bf16_decode(b));
  return v;
}

TEST(MhcPost, IdentityCombCopiesTheResidual) {
  std::vector<float> comb(16, 0.0f);
  for (int j = 0; j < 4; ++j)
    comb[size_t(j * 5)] = 1;
  const auto out = run({0, 0, 0, 0}, comb);
  const auto x = streams();
  for (size_t i = 0; i < out.size(); ++i)
    EXPECT_EQ(out[i], bf16_decode(x[i]));
}

// comb[j][(j + 1) % 4] = 1 is not symmetric. Used transposed, stream k receives X_(k-1):
// out_0 = X_3, out_1 = X_0, ... Applied untransposed it would give X_(k+1).
TEST(MhcPost, CombIsUsedTransposed) {
  std::vector<float> comb(16, 0.0f);
  for (int j = 0; j < 4; ++j)
    comb[size_t(j * 4 + (j + 1) % 4)] = 1;
  const auto out = run({0, 0, 0, 0}, comb);
  const auto x = streams();
  for (int k = 0; k < 4; ++k) {
    const int source = (k + 3) % 4;
    for (int64_t i = 0; i < kDim; ++i)
      EXPECT_EQ(out[size_t(k * kDim + i)], bf16_decode(x[size_t(source * kDim + i)])) << k;
  }
}

// comb = 0: out_k = bf16(post_k·f), exact for power-of-two post; post = 0 gives +0.
TEST(MhcPost, PostAloneScalesTheSublayerOutput) {
  const auto out = run({1, 2, 0.5f, 0}, std::vector<float>(16, 0.0f));
  for (int64_t i = 0; i < kDim; ++i) {
    EXPECT_EQ(out[size_t(i)], 7.0f);
    EXPECT_EQ(out[size_t(kDim + i)], 14.0f);
    EXPECT_EQ(out[size_t(2 * kDim + i)], 3.5f);
    EXPECT_EQ(out[size_t(3 * kDim + i)], 0.0f);
  }
}

// Element 0 of stream 2 by hand: post_2·7 + Σ_j comb[j][2]·(j + 1) with post_2 = 0.25 and
// column 2 of comb = [0.5, 0.25, 0.125, 0.125]: 1.75 + 0.5 + 0.5 + 0.375 + 0.5 = 3.625.
TEST(MhcPost, HandComputedElement) {
  std::vector<float> comb(16, 0.0f);
  comb[0 * 4 + 2] = 0.5f;
  comb[1 * 4 + 2] = 0.25f;
  comb[2 * 4 + 2] = 0.125f;
  comb[3 * 4 + 2] = 0.125f;
  comb[2 * 4 + 0] = 9.0f; // row 2, column 0: feeds stream 0, not stream 2
  const auto out = run({0, 0, 0.25f, 0}, comb);
  EXPECT_EQ(out[size_t(2 * kDim)], 3.625f);
  EXPECT_EQ(out[0], 9.0f * 3.0f);
}

TEST(MhcPost, BadShapesThrow) {
  std::vector<bf16> out(16), f(4), x(16);
  std::vector<float> post(4), comb(16);
  EXPECT_THROW(hc_post(out.data(), f.data(), x.data(), post.data(), comb.data(), 1, 0),
               std::invalid_argument);
  EXPECT_THROW(hc_post(out.data(), f.data(), x.data(), post.data(), comb.data(), -2, 4),
               std::invalid_argument);
}

} // namespace
} // namespace v4::reference

namespace v4::harness {
namespace {

// hc_post with comb applied untransposed: the porting bug the properties must catch.
Tensor untransposed_post(const TensorMap& in) {
  const Tensor& x = in.at("residual");
  const int64_t tokens = x.dim(0), dim = x.dim(2);
  Tensor out = make_tensor<bf16>(x.shape());
  for (int64_t t = 0; t < tokens; ++t)
    for (int64_t k = 0; k < 4; ++k)
      for (int64_t i = 0; i < dim; ++i) {
        double s = double(in.at("post").data<float>()[t * 4 + k]) *
                   reference::bf16_decode(in.at("f").data<bf16>()[t * dim + i]);
        for (int64_t j = 0; j < 4; ++j)
          s += double(in.at("comb").data<float>()[t * 16 + k * 4 + j]) *
               reference::bf16_decode(x.data<bf16>()[(t * 4 + j) * dim + i]);
        out.data<bf16>()[(t * 4 + k) * dim + i] = reference::bf16_encode(float(s));
      }
  return out;
}

TEST(MhcPostProperties, ReferencePassesAndTransposedFails) {
  const OpSpec& op = Registry::instance().get("mhc_post");
  const Case c = op.cases(Suite::smoke).at(0);
  const TensorMap in = op.make_inputs(c), out = op.reference().run(c, in);
  for (const DomainProperty& p : op.properties) {
    const PropertyOutcome o = p.check(c, in, out);
    EXPECT_TRUE(o.passed) << p.name << ": " << o.detail;
  }
  const Tensor wrong = untransposed_post(in);
  EXPECT_FALSE(properties::check_post_formula(wrong, in.at("f"), in.at("residual"), in.at("post"),
                                              in.at("comb"))
                   .passed);
  EXPECT_FALSE(
      properties::check_permutation_routing(wrong, in.at("residual"), in.at("post"), in.at("comb"))
          .passed);
  // The planted token is what routing checks: without it the property refuses to pass.
  TensorMap unplanted = in;
  unplanted.at("post").data<float>()[0] = 0.5f;
  EXPECT_FALSE(properties::check_permutation_routing(out.at("out"), unplanted.at("residual"),
                                                     unplanted.at("post"), unplanted.at("comb"))
                   .passed);
}

} // namespace
} // namespace v4::harness
