#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "harness/generators.h"
#include "harness/rng.h"

namespace v4::harness {
namespace {

TEST(CounterRng, ValueDependsOnlyOnSeedStreamAndIndex) {
  const CounterRng a(7, "x"), b(7, "x"), other_seed(8, "x"), other_stream(7, "y");
  EXPECT_EQ(a.bits64(12345), b.bits64(12345));  // any order, any instance
  EXPECT_NE(a.bits64(12345), other_seed.bits64(12345));
  EXPECT_NE(a.bits64(12345), other_stream.bits64(12345));
  std::set<uint64_t> seen;
  for (uint64_t i = 0; i < 10000; ++i) seen.insert(a.bits64(i));
  EXPECT_EQ(seen.size(), 10000u);
}

TEST(CounterRng, DistributionsHaveTheRightMoments) {
  const CounterRng rng(1, "moments");
  const int n = 200000;
  double sum = 0, sum_sq = 0, usum = 0;
  for (int i = 0; i < n; ++i) {
    const double z = rng.normal(i);
    sum += z;
    sum_sq += z * z;
    const double u = rng.uniform(i);
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    usum += u;
  }
  // Standard errors: mean 1/sqrt(n) = 0.0022, variance sqrt(2/n) = 0.0032; 5 sigma bounds.
  EXPECT_NEAR(sum / n, 0.0, 0.012);
  EXPECT_NEAR(sum_sq / n, 1.0, 0.016);
  EXPECT_NEAR(usum / n, 0.5, 5 * std::sqrt(1.0 / 12 / n));
  for (int i = 0; i < 1000; ++i) {
    const int64_t k = rng.uniform_int(i, -3, 3);
    ASSERT_GE(k, -3);
    ASSERT_LE(k, 3);
  }
}

TEST(Generators, RowsArePureFunctionsOfTheirIndex) {
  // A bigger tensor's first rows equal a smaller tensor's rows: pools and replays rely on it.
  const Tensor small = random_bf16({3, 64}, 5, "x"), big = random_bf16({10, 64}, 5, "x");
  EXPECT_TRUE(big.slice_rows(0, 3).bitwise_equal(small));
  EXPECT_FALSE(random_bf16({3, 64}, 6, "x").bitwise_equal(small));
}

}  // namespace
}  // namespace v4::harness
