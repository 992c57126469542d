// Block-scaled GEMMs (spec §4): the exact-input test (bitwise, both FP4 paths), power-of-two
// equivariance, zero K-blocks, the promotion granularity, weight quantization, input validation,
// and the golden linear_fp8 / linear_fp4 cases.
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>
#include <vector>

#include "harness/generators.h"
#include "harness/golden.h"
#include "harness/rng.h"
#include "properties/gemm_invariants.h"
#include "reference/act_quant.h"
#include "reference/block_quant.h"
#include "reference/fp4_to_fp8.h"
#include "reference/fp4_weight_quant.h"
#include "reference/gemm.h"

namespace v4::reference {
namespace {

using harness::Tensor;

struct Operands {
  int64_t m, n, k;
  Tensor a, sa, b, sb;
};

// Small integers in [-4, 4] and scale exponents in [-1, 1]: every partial sum is exact in fp32.
Operands small_int_fp8(int64_t m, int64_t n, int64_t k, uint64_t seed) {
  const harness::CounterRng rng(seed, "small_int_fp8");
  Operands o{m,
             n,
             k,
             harness::make_tensor<e4m3>({m, k}),
             harness::make_tensor<ue8m0>({m, k / 128}),
             harness::make_tensor<e4m3>({n, k}),
             harness::make_tensor<ue8m0>({(n + 127) / 128, k / 128})};
  uint64_t i = 0;
  for (int64_t j = 0; j < m * k; ++j)
    o.a.data<e4m3>()[j] = e4m3_encode(float(rng.uniform_int(i++, -4, 4)));
  for (int64_t j = 0; j < n * k; ++j)
    o.b.data<e4m3>()[j] = e4m3_encode(float(rng.uniform_int(i++, -4, 4)));
  for (int64_t j = 0; j < o.sa.numel(); ++j)
    o.sa.data<ue8m0>()[j] = ue8m0_from_exponent(int(rng.uniform_int(i++, -1, 1)));
  for (int64_t j = 0; j < o.sb.numel(); ++j)
    o.sb.data<ue8m0>()[j] = ue8m0_from_exponent(int(rng.uniform_int(i++, -1, 1)));
  return o;
}

// Realistic operands: act_quant of N(0,1) rows and FP8-quantized N(0, 1/k) weights.
Operands random_fp8(int64_t m, int64_t n, int64_t k, uint64_t seed) {
  Operands o{m,
             n,
             k,
             harness::make_tensor<e4m3>({m, k}),
             harness::make_tensor<ue8m0>({m, k / 128}),
             harness::make_tensor<e4m3>({n, k}),
             harness::make_tensor<ue8m0>({(n + 127) / 128, k / 128})};
  const Tensor x = harness::random_bf16({m, k}, seed, "x");
  act_quant(o.a.data<e4m3>(), o.sa.data<ue8m0>(), x.data<bf16>(), m, k);
  const Tensor w = harness::random_f32({n, k}, seed, "w", 1.0 / std::sqrt(double(k)));
  fp8_weight_quant(o.b.data<e4m3>(), o.sb.data<ue8m0>(), w.data<float>(), n, k);
  return o;
}

std::vector<bf16> run_fp8(const Operands& o) {
  std::vector<bf16> c(static_cast<size_t>(o.m * o.n));
  fp8_gemm(c.data(), o.a.data<e4m3>(), o.sa.data<ue8m0>(), o.b.data<e4m3>(), o.sb.data<ue8m0>(),
           o.m, o.n, o.k);
  return c;
}

TEST(Gemm, Fp8ExactInputsAreBitwiseBf16OfTheExactProduct) {
  const Operands o = small_int_fp8(4, 256, 4096, 11);
  const std::vector<bf16> c = run_fp8(o);
  Tensor ct = harness::make_tensor<bf16>({o.m, o.n});
  std::copy(c.begin(), c.end(), ct.data<bf16>());
  const harness::PropertyOutcome r = properties::check_gemm_exact(o.a, o.sa, o.b, o.sb, ct, false);
  EXPECT_TRUE(r.passed) << r.detail;
}

TEST(Gemm, Fp4PathsAgreeBitwiseOnExactInputs) {
  // fp4_gemm (per-32 promotion) and the H200 path (FP4→FP8 re-blocking, then fp8_gemm with
  // per-128 promotion) are mathematically equal; on exact inputs they must agree bitwise.
  const int64_t m = 3, n = 256, k = 1024;
  const harness::CounterRng rng(5, "fp4_exact");
  Tensor a = harness::make_tensor<e4m3>({m, k}), sa = harness::make_tensor<ue8m0>({m, k / 128});
  Tensor w4 = harness::random_codes(harness::DType::e2m1x2, {n, k / 2}, 5, "w4");
  Tensor e = harness::make_tensor<ue8m0>({n, k / 32});
  uint64_t i = 0;
  for (int64_t j = 0; j < m * k; ++j)
    a.data<e4m3>()[j] = e4m3_encode(float(rng.uniform_int(i++, -4, 4)));
  for (int64_t j = 0; j < sa.numel(); ++j)
    sa.data<ue8m0>()[j] = ue8m0_from_exponent(int(rng.uniform_int(i++, -1, 1)));
  for (int64_t j = 0; j < e.numel(); ++j)
    e.data<ue8m0>()[j] = ue8m0_from_exponent(int(rng.uniform_int(i++, -1, 1)));
  std::vector<bf16> c4(static_cast<size_t>(m * n)), c8(static_cast<size_t>(m * n));
  fp4_gemm(c4.data(), a.data<e4m3>(), sa.data<ue8m0>(), w4.data<e2m1x2>(), e.data<ue8m0>(), m, n,
           k);
  std::vector<e4m3> w8(static_cast<size_t>(n * k));
  std::vector<ue8m0> f(static_cast<size_t>(n / 128 * (k / 128)));
  ASSERT_TRUE(fp4_to_fp8(w8.data(), f.data(), w4.data<e2m1x2>(), e.data<ue8m0>(), n, k).lossless());
  fp8_gemm(c8.data(), a.data<e4m3>(), sa.data<ue8m0>(), w8.data(), f.data(), m, n, k);
  int64_t nonzero = 0;
  for (size_t j = 0; j < c4.size(); ++j) {
    ASSERT_EQ(c4[j].bits, c8[j].bits) << "element " << j;
    nonzero += bf16_decode(c4[j]) != 0;
  }
  EXPECT_GT(nonzero, int64_t(c4.size() / 2));
}

TEST(Gemm, Fp4PromotionGranularityIsObservable) {
  // On general inputs the per-32 and per-128 promotions round differently (spec §4.2: "not
  // bitwise equal"); both stay within the derived bound of the exact product.
  const int64_t m = 8, n = 256, k = 2048;
  const Tensor x = harness::random_bf16({m, k}, 3, "x");
  Tensor a = harness::make_tensor<e4m3>({m, k}), sa = harness::make_tensor<ue8m0>({m, k / 128});
  act_quant(a.data<e4m3>(), sa.data<ue8m0>(), x.data<bf16>(), m, k);
  const Tensor w = harness::random_f32({n, k}, 3, "w", 1.0 / std::sqrt(double(k)));
  Tensor w4 = harness::make_tensor<e2m1x2>({n, k / 2}),
         e = harness::make_tensor<ue8m0>({n, k / 32});
  fp4_weight_quant(w4.data<e2m1x2>(), e.data<ue8m0>(), w.data<float>(), n, k);
  std::vector<float> acc4(static_cast<size_t>(m * n)), acc8(static_cast<size_t>(m * n));
  fp4_gemm_acc(acc4.data(), a.data<e4m3>(), sa.data<ue8m0>(), w4.data<e2m1x2>(), e.data<ue8m0>(), m,
               n, k);
  std::vector<e4m3> w8(static_cast<size_t>(n * k));
  std::vector<ue8m0> f(static_cast<size_t>(n / 128 * (k / 128)));
  ASSERT_TRUE(fp4_to_fp8(w8.data(), f.data(), w4.data<e2m1x2>(), e.data<ue8m0>(), n, k).lossless());
  fp8_gemm_acc(acc8.data(), a.data<e4m3>(), sa.data<ue8m0>(), w8.data(), f.data(), m, n, k);
  int64_t differ = 0;
  for (size_t j = 0; j < acc4.size(); ++j)
    differ += acc4[j] != acc8[j];
  EXPECT_GT(differ, 0) << "the promotion granularity never changed an fp32 accumulator";
  Tensor c = harness::make_tensor<bf16>({m, n});
  fp4_gemm(c.data<bf16>(), a.data<e4m3>(), sa.data<ue8m0>(), w4.data<e2m1x2>(), e.data<ue8m0>(), m,
           n, k);
  const harness::PropertyOutcome r = properties::check_gemm_error_bound(a, sa, w4, e, c, true);
  EXPECT_TRUE(r.passed) << r.detail;
}

TEST(Gemm, PowerOfTwoEquivarianceOfActivationScales) {
  Operands o = random_fp8(5, 256, 1024, 21);
  const std::vector<bf16> base = run_fp8(o);
  for (int shift : {3, -5}) {
    Operands s = o;
    const int64_t row = 2;
    for (int64_t kb = 0; kb < o.k / 128; ++kb) {
      ue8m0& code = s.sa.data<ue8m0>()[row * (o.k / 128) + kb];
      code = ue8m0_from_exponent(ue8m0_exponent(code) + shift);
    }
    const std::vector<bf16> c = run_fp8(s);
    for (int64_t r = 0; r < o.m; ++r)
      for (int64_t j = 0; j < o.n; ++j) {
        const float want =
            bf16_decode(base[size_t(r * o.n + j)]) * (r == row ? exp2_exact(shift) : 1.0f);
        ASSERT_EQ(bf16_decode(c[size_t(r * o.n + j)]), want)
            << "row " << r << " col " << j << " shift " << shift;
      }
  }
}

TEST(Gemm, ZeroKBlocksLeaveTheAccumulatorUnchanged) {
  const Operands o = random_fp8(3, 256, 512, 31);
  // Zeroing the first or the last 128-block of A equals the GEMM over the remaining blocks.
  for (const bool first : {true, false}) {
    Operands z = o;
    const int64_t zero_block = first ? 0 : o.k / 128 - 1;
    for (int64_t r = 0; r < o.m; ++r)
      for (int64_t j = zero_block * 128; j < (zero_block + 1) * 128; ++j)
        z.a.data<e4m3>()[r * o.k + j] = e4m3{0};
    std::vector<float> acc(static_cast<size_t>(o.m * o.n));
    fp8_gemm_acc(acc.data(), z.a.data<e4m3>(), z.sa.data<ue8m0>(), z.b.data<e4m3>(),
                 z.sb.data<ue8m0>(), o.m, o.n, o.k);
    // The truncated problem: K − 128 columns without the zeroed block.
    const int64_t k2 = o.k - 128, kb2 = k2 / 128, skip = first ? 1 : 0;
    std::vector<e4m3> a2(static_cast<size_t>(o.m * k2)), b2(static_cast<size_t>(o.n * k2));
    std::vector<ue8m0> sa2(static_cast<size_t>(o.m * kb2)), sb2(static_cast<size_t>(2 * kb2));
    for (int64_t r = 0; r < o.m; ++r)
      for (int64_t j = 0; j < k2; ++j)
        a2[size_t(r * k2 + j)] = o.a.data<e4m3>()[r * o.k + j + skip * 128];
    for (int64_t r = 0; r < o.n; ++r)
      for (int64_t j = 0; j < k2; ++j)
        b2[size_t(r * k2 + j)] = o.b.data<e4m3>()[r * o.k + j + skip * 128];
    for (int64_t r = 0; r < o.m; ++r)
      for (int64_t j = 0; j < kb2; ++j)
        sa2[size_t(r * kb2 + j)] = o.sa.data<ue8m0>()[r * (o.k / 128) + j + skip];
    for (int64_t r = 0; r < 2; ++r)
      for (int64_t j = 0; j < kb2; ++j)
        sb2[size_t(r * kb2 + j)] = o.sb.data<ue8m0>()[r * (o.k / 128) + j + skip];
    std::vector<float> want(acc.size());
    fp8_gemm_acc(want.data(), a2.data(), sa2.data(), b2.data(), sb2.data(), o.m, o.n, k2);
    for (size_t j = 0; j < acc.size(); ++j)
      ASSERT_EQ(acc[j], want[j]) << (first ? "first" : "last") << " block, element " << j;
  }
}

TEST(Gemm, RandomOperandsStayWithinTheDerivedBound) {
  for (uint64_t seed : {1, 2, 3}) {
    const Operands o = random_fp8(6, 384, 2048, seed);
    const std::vector<bf16> c = run_fp8(o);
    Tensor ct = harness::make_tensor<bf16>({o.m, o.n});
    std::copy(c.begin(), c.end(), ct.data<bf16>());
    const harness::PropertyOutcome r =
        properties::check_gemm_error_bound(o.a, o.sa, o.b, o.sb, ct, false);
    EXPECT_TRUE(r.passed) << r.detail;
    EXPECT_GT(r.measured, 0.0);
  }
}

TEST(Gemm, WeightQuantizationFollowsTheScaleRuleOnPartialBlocks) {
  const int64_t n = 200, k = 256; // a partial 72-row block along N
  const Tensor w = harness::random_f32({n, k}, 9, "w", 0.05);
  std::vector<e4m3> q(static_cast<size_t>(n * k));
  std::vector<ue8m0> s(static_cast<size_t>(2 * 2));
  fp8_weight_quant(q.data(), s.data(), w.data<float>(), n, k);
  for (int64_t nb = 0; nb < 2; ++nb)
    for (int64_t kb = 0; kb < 2; ++kb) {
      float amax = 0, qmax = 0;
      for (int64_t r = nb * 128; r < std::min<int64_t>(n, (nb + 1) * 128); ++r)
        for (int64_t j = kb * 128; j < (kb + 1) * 128; ++j) {
          amax = std::max(amax, std::fabs(w.data<float>()[r * k + j]));
          qmax = std::max(qmax, std::fabs(e4m3_decode(q[size_t(r * k + j)])));
          const double deq =
              double(e4m3_decode(q[size_t(r * k + j)])) * ue8m0_decode(s[size_t(nb * 2 + kb)]);
          // §2.5: relative 2^-4 in the normal range of e4m3, absolute 2^-10·s below it.
          const double s_val = ue8m0_decode(s[size_t(nb * 2 + kb)]);
          ASSERT_LE(std::fabs(deq - w.data<float>()[r * k + j]),
                    std::max(std::ldexp(double(std::fabs(w.data<float>()[r * k + j])), -4),
                             std::ldexp(s_val, -10)));
        }
      EXPECT_EQ(ue8m0_exponent(s[size_t(nb * 2 + kb)]),
                pow2_scale_exponent(amax, kE4m3ScaleRule)); // §2.1 rule
      EXPECT_GE(qmax, 224.0f);
    }
}

TEST(Gemm, RejectsBadShapesAndNaNScales) {
  std::vector<e4m3> a(128), b(128);
  std::vector<ue8m0> sa(1), sb(1);
  std::vector<bf16> c(1);
  EXPECT_THROW(fp8_gemm(c.data(), a.data(), sa.data(), b.data(), sb.data(), 1, 1, 100),
               std::invalid_argument);
  sa[0] = ue8m0{0xFF};
  EXPECT_THROW(fp8_gemm(c.data(), a.data(), sa.data(), b.data(), sb.data(), 1, 1, 128),
               std::invalid_argument);
}

TEST(Gemm, GoldenLinearFp8AndFp4) {
  std::ostringstream log;
  const harness::GoldenSummary s =
      harness::run_golden(harness::default_golden_dir(), {"linear_fp8", "linear_fp4"}, log);
  EXPECT_EQ(s.cases, 2);
  EXPECT_EQ(s.failed, 0) << log.str();
}

} // namespace
} // namespace v4::reference
