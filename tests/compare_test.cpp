#include <gtest/gtest.h>

#include <cmath>

#include "harness/compare.h"

namespace v4::harness {
namespace {

Tensor bf16_tensor(std::vector<float> values, std::vector<int64_t> shape) {
  Tensor t = make_tensor<bf16>(std::move(shape));
  for (size_t i = 0; i < values.size(); ++i) t.data<bf16>()[i] = reference::bf16_encode(values[i]);
  return t;
}

TEST(Compare, UlpDistanceInTheOutputDtype) {
  const Tensor a = bf16_tensor({1.0f, 1.0078125f, -2.0f, 0.0f}, {2, 2});  // 1 + 2^-7 is 1 bf16 ulp above 1
  const Tensor b = bf16_tensor({1.0f, 1.0f, -2.0f, -0.0f}, {2, 2});
  const CompareResult r = compare_tensors(a, b, ComparePolicy::ulps(1, "test"));
  EXPECT_TRUE(r.passed);
  EXPECT_EQ(r.max_ulp, 1.0);
  EXPECT_EQ(r.ulp_histogram[0], 3);  // ±0 are 0 ulp apart
  EXPECT_EQ(r.ulp_histogram[1], 1);
  ASSERT_TRUE(r.first_divergence.has_value());
  EXPECT_EQ(r.first_divergence->coords, (std::vector<int64_t>{0, 1}));

  const CompareResult bitwise = compare_tensors(a, b, ComparePolicy::bitwise());
  EXPECT_FALSE(bitwise.passed);
  EXPECT_EQ(bitwise.mismatches, 2);  // the 1-ulp element and -0 vs +0
}

TEST(Compare, UlpsAcrossZeroAndBinades) {
  const Tensor a = bf16_tensor({0x1p-133f, 2.0f}, {2}), b = bf16_tensor({-0x1p-133f, 1.9921875f}, {2});
  const CompareResult r = compare_tensors(a, b, ComparePolicy::ulps(2, "test"));
  EXPECT_EQ(r.max_ulp, 2.0);  // min subnormal to its negative: 2 steps; 2 - 2^-7 to 2: 1 step
  EXPECT_TRUE(r.passed);
  EXPECT_FALSE(compare_tensors(a, b, ComparePolicy::ulps(1, "test")).passed);
}

TEST(Compare, NanAndInfParity) {
  const Tensor a = bf16_tensor({NAN, 1.0f, INFINITY}, {3});
  const Tensor same = bf16_tensor({-NAN, 1.0f, INFINITY}, {3});  // NaN payload/sign never compared
  EXPECT_TRUE(compare_tensors(a, same, ComparePolicy::ulps(0, "")).passed);
  const CompareResult nan = compare_tensors(a, bf16_tensor({1.0f, 1.0f, INFINITY}, {3}), ComparePolicy::ulps(1e9, ""));
  EXPECT_FALSE(nan.passed);
  EXPECT_FALSE(nan.nan_parity);
  const CompareResult inf = compare_tensors(a, bf16_tensor({NAN, 1.0f, -INFINITY}, {3}), ComparePolicy::ulps(1e9, ""));
  EXPECT_FALSE(inf.passed);
  EXPECT_FALSE(inf.inf_parity);
}

TEST(Compare, ShapeMismatchIsAFailureNotACrash) {
  const CompareResult r = compare_tensors(make_tensor<float>({2, 3}), make_tensor<float>({3, 2}), ComparePolicy::bitwise());
  EXPECT_FALSE(r.passed);
  EXPECT_NE(r.error.find("mismatch"), std::string::npos);
}

TEST(Compare, CalcDiffAndRelativeError) {
  Tensor a = make_tensor<float>({4}), b = make_tensor<float>({4});
  for (int i = 0; i < 4; ++i) a.data<float>()[i] = b.data<float>()[i] = float(i + 1);
  a.data<float>()[3] = 4.5f;
  const CompareResult r = compare_tensors(a, b, ComparePolicy::ulps(1e9, ""));
  const double sxy = 1 + 4 + 9 + 18, ssq = 2 * (1 + 4 + 9) + 16 + 20.25;
  EXPECT_NEAR(r.calc_diff, 1 - 2 * sxy / ssq, 1e-15);
  EXPECT_DOUBLE_EQ(r.max_rel, 0.125);
}

TEST(Compare, PackedE2m1ComparesCodes) {
  Tensor a = make_tensor<e2m1x2>({1, 2}), b = make_tensor<e2m1x2>({1, 2});
  a.data<e2m1x2>()[1].bits = 0x30;  // element 3 = code 3 (1.5)
  b.data<e2m1x2>()[1].bits = 0x20;  // element 3 = code 2 (1.0)
  const CompareResult r = compare_tensors(a, b, ComparePolicy::bitwise());
  EXPECT_EQ(r.elements, 4);
  EXPECT_EQ(r.max_ulp, 1);
  EXPECT_EQ(r.first_divergence->coords, (std::vector<int64_t>{0, 3}));
}

TEST(Compare, IndexSetsIgnoreOrderAndPadding) {
  Tensor a = make_tensor<int32_t>({2, 4}), b = make_tensor<int32_t>({2, 4});
  const int32_t av[] = {3, 1, -1, -1, 5, 6, 7, -1}, bv[] = {1, 3, -1, -1, 5, 6, 8, -1};
  std::copy(av, av + 8, a.data<int32_t>());
  std::copy(bv, bv + 8, b.data<int32_t>());
  const CompareResult r = compare_tensors(a, b, ComparePolicy::index_set("test"));
  EXPECT_FALSE(r.passed);
  EXPECT_EQ(r.mismatches, 1);
  EXPECT_EQ(r.first_divergence->coords[0], 1);
}

}  // namespace
}  // namespace v4::harness
