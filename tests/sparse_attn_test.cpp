// Sparse attention with a sink (spec §11.2): D9, one valid index, a leading all-empty chunk,
// list-order invariance, and the registered checks and golden case.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "reference/sparse_attn.h"
#include "tests/attention_test_util.h"

namespace v4::reference {
namespace {

struct Small {
  int64_t heads = 2, dim = 512, n_kv = 80;
  std::vector<bf16> q, kv;
  std::vector<float> sink = {0.5f, -1.0f};
  Small() : q(size_t(heads * dim)), kv(size_t(n_kv * dim)) {
    for (size_t i = 0; i < q.size(); ++i)
      q[i] = bf16_encode(float(int(i * 37 % 17) - 8) / 16.0f);
    for (size_t i = 0; i < kv.size(); ++i)
      kv[i] = bf16_encode(float(int(i * 53 % 23) - 11) / 8.0f);
  }
  std::vector<bf16> run(const std::vector<int32_t>& idx) const {
    std::vector<bf16> o(size_t(heads * dim));
    sparse_attn(o.data(), q.data(), kv.data(), sink.data(), idx.data(), 1, heads, dim, n_kv,
                int64_t(idx.size()), float(std::pow(512.0, -0.5)));
    return o;
  }
};

TEST(SparseAttn, EmptyListGivesZero) { // D9
  const Small s;
  const std::vector<bf16> o = s.run(std::vector<int32_t>(70, -1));
  for (const bf16 v : o)
    EXPECT_EQ(v.bits, 0);
}

TEST(SparseAttn, LeadingEmptyChunkIsSkipped) {
  // The kernel would turn a first chunk of 64 −1 entries into NaN; the reference skips it, so
  // the result equals the list holding only the valid index.
  const Small s;
  std::vector<int32_t> idx(70, -1);
  idx[66] = 7;
  const std::vector<bf16> a = s.run(idx), b = s.run({7});
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_FALSE(std::isnan(bf16_decode(a[i])));
    EXPECT_EQ(a[i].bits, b[i].bits) << i;
  }
}

TEST(SparseAttn, SingleIndexIsSigmoidWeighted) {
  const Small s;
  const std::vector<bf16> o = s.run({11});
  for (int64_t h = 0; h < s.heads; ++h) {
    double dot = 0;
    for (int64_t d = 0; d < s.dim; ++d)
      dot += double(bf16_decode(s.q[size_t(h * s.dim + d)])) *
             bf16_decode(s.kv[size_t(11 * s.dim + d)]);
    const double l = dot / std::sqrt(512.0),
                 sig = 1 / (1 + std::exp(double(s.sink[size_t(h)]) - l));
    for (int64_t d = 0; d < s.dim; ++d) {
      const double want = sig * bf16_decode(s.kv[size_t(11 * s.dim + d)]);
      EXPECT_NEAR(bf16_decode(o[size_t(h * s.dim + d)]), want, std::fabs(want) * 0x1p-8 + 1e-30)
          << h << "," << d;
    }
  }
}

TEST(SparseAttn, DuplicatesCountTwice) {
  const Small s;
  const std::vector<bf16> once = s.run({3, 4}), twice = s.run({3, 3, 4});
  int differing = 0;
  for (size_t i = 0; i < once.size(); ++i)
    differing += once[i].bits != twice[i].bits;
  EXPECT_GT(differing, 0);
}

TEST(SparseAttn, RejectsOutOfRangeIndex) {
  const Small s;
  EXPECT_THROW(s.run({0, 80}), std::invalid_argument);
}

TEST(SparseAttn, RegisteredChecks) {
  harness::testing::expect_smoke_checks_pass("sparse_attn");
}
TEST(SparseAttn, Golden) {
  harness::testing::expect_golden_pass({"sparse_attn"});
}

} // namespace
} // namespace v4::reference
