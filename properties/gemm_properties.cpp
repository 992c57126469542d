// RapidCheck properties of the block-scaled GEMMs (spec §4.4): exact inputs give bf16(exact)
// on both FP4 paths, power-of-two equivariance of activation scales, zero K-blocks leave the
// accumulator unchanged, and random operands stay within the derived error bound.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cmath>

#include "harness/generators.h"
#include "properties/gemm_invariants.h"
#include "reference/act_quant.h"
#include "reference/fp4_to_fp8.h"
#include "reference/gemm.h"

namespace v4::properties {
namespace {

using harness::Tensor;

struct Shape {
  int64_t m, n, k;
};
Shape random_shape(int64_t max_kb) {
  return {*rc::gen::inRange<int64_t>(1, 5), 128 * *rc::gen::inRange<int64_t>(1, 3),
          128 * *rc::gen::inRange<int64_t>(1, max_kb + 1)};
}

Tensor small_ints(std::vector<int64_t> shape, uint64_t seed, const char* name) {
  const Tensor v = harness::uniform_i32(shape, seed, name, -4, 4);
  Tensor t = harness::make_tensor<e4m3>(shape);
  for (int64_t i = 0; i < t.numel(); ++i)
    t.data<e4m3>()[i] = reference::e4m3_encode(float(v.data<int32_t>()[i]));
  return t;
}
Tensor scales(std::vector<int64_t> shape, uint64_t seed, const char* name, int lo, int hi) {
  const Tensor v = harness::uniform_i32(shape, seed, name, lo, hi);
  Tensor t = harness::make_tensor<ue8m0>(shape);
  for (int64_t i = 0; i < t.numel(); ++i)
    t.data<ue8m0>()[i] = reference::ue8m0_from_exponent(v.data<int32_t>()[i]);
  return t;
}

RC_GTEST_PROP(GemmProperties, ExactInputsGiveBf16OfTheExactProductOnBothFp4Paths, ()) {
  const Shape s = random_shape(6);
  const uint64_t seed = *rc::gen::inRange<uint64_t>(1, 1u << 30);
  const Tensor a = small_ints({s.m, s.k}, seed, "a"),
               sa = scales({s.m, s.k / 128}, seed, "sa", -1, 1);
  const Tensor b8 = small_ints({s.n, s.k}, seed, "b"),
               sb8 = scales({(s.n + 127) / 128, s.k / 128}, seed, "sb", -1, 1);
  Tensor c = harness::make_tensor<bf16>({s.m, s.n});
  reference::fp8_gemm(c.data<bf16>(), a.data<e4m3>(), sa.data<ue8m0>(), b8.data<e4m3>(),
                      sb8.data<ue8m0>(), s.m, s.n, s.k);
  RC_ASSERT(check_gemm_exact(a, sa, b8, sb8, c, false).passed);
  const Tensor b4 = harness::random_codes(harness::DType::e2m1x2, {s.n, s.k / 2}, seed, "b4");
  const Tensor sb4 = scales({s.n, s.k / 32}, seed, "sb4", -1, 1);
  reference::fp4_gemm(c.data<bf16>(), a.data<e4m3>(), sa.data<ue8m0>(), b4.data<e2m1x2>(),
                      sb4.data<ue8m0>(), s.m, s.n, s.k);
  RC_ASSERT(check_gemm_exact(a, sa, b4, sb4, c, true).passed);
  Tensor w8 = harness::make_tensor<e4m3>({s.n, s.k}),
         f = harness::make_tensor<ue8m0>({s.n / 128, s.k / 128});
  RC_ASSERT(reference::fp4_to_fp8(w8.data<e4m3>(), f.data<ue8m0>(), b4.data<e2m1x2>(),
                                  sb4.data<ue8m0>(), s.n, s.k)
                .lossless());
  Tensor c8 = harness::make_tensor<bf16>({s.m, s.n});
  reference::fp8_gemm(c8.data<bf16>(), a.data<e4m3>(), sa.data<ue8m0>(), w8.data<e4m3>(),
                      f.data<ue8m0>(), s.m, s.n, s.k);
  RC_ASSERT(c8.bitwise_equal(c));
}

// Realistic operands: act_quant of N(0, σ²) rows (σ random over many binades), quantized weights.
struct Realistic {
  Shape s;
  Tensor a, sa, b, sb;
};
Realistic realistic(int64_t max_kb) {
  Realistic r{random_shape(max_kb), {}, {}, {}, {}};
  const uint64_t seed = *rc::gen::inRange<uint64_t>(1, 1u << 30);
  const Tensor x = harness::random_bf16_wide({r.s.m, r.s.k}, seed, "x", -20, 20);
  r.a = harness::make_tensor<e4m3>({r.s.m, r.s.k});
  r.sa = harness::make_tensor<ue8m0>({r.s.m, r.s.k / 128});
  reference::act_quant(r.a.data<e4m3>(), r.sa.data<ue8m0>(), x.data<bf16>(), r.s.m, r.s.k);
  const Tensor w = harness::random_f32({r.s.n, r.s.k}, seed, "w", 0.05);
  r.b = harness::make_tensor<e4m3>({r.s.n, r.s.k});
  r.sb = harness::make_tensor<ue8m0>({r.s.n / 128, r.s.k / 128});
  reference::fp8_weight_quant(r.b.data<e4m3>(), r.sb.data<ue8m0>(), w.data<float>(), r.s.n, r.s.k);
  return r;
}

Tensor gemm(const Realistic& r, const Tensor& a, const Tensor& sa) {
  Tensor c = harness::make_tensor<bf16>({r.s.m, r.s.n});
  reference::fp8_gemm(c.data<bf16>(), a.data<e4m3>(), sa.data<ue8m0>(), r.b.data<e4m3>(),
                      r.sb.data<ue8m0>(), r.s.m, r.s.n, r.s.k);
  return c;
}

RC_GTEST_PROP(GemmProperties, PowerOfTwoActivationScaleScalesTheRow, ()) {
  const Realistic r = realistic(4);
  const int64_t row = *rc::gen::inRange<int64_t>(0, r.s.m);
  const int shift = *rc::gen::inRange(-6, 7);
  Tensor sa = r.sa;
  for (int64_t kb = 0; kb < r.s.k / 128; ++kb) {
    ue8m0& code = sa.data<ue8m0>()[row * (r.s.k / 128) + kb];
    code = reference::ue8m0_from_exponent(reference::ue8m0_exponent(code) + shift);
  }
  const Tensor base = gemm(r, r.a, r.sa), scaled = gemm(r, r.a, sa);
  for (int64_t j = 0; j < r.s.n; ++j) {
    const double v = reference::bf16_decode(base.data<bf16>()[row * r.s.n + j]);
    // No over- or underflow for these magnitudes (|C| < 2^40, bf16 normals down to 2^-126).
    RC_ASSERT(double(reference::bf16_decode(scaled.data<bf16>()[row * r.s.n + j])) ==
              std::ldexp(v, shift));
  }
}

RC_GTEST_PROP(GemmProperties, ZeroKBlocksLeaveTheAccumulatorUnchanged, ()) {
  // Zeroing block kb of A or of B removes the same contribution: the accumulators agree bitwise.
  const Realistic r = realistic(4);
  const int64_t kb = *rc::gen::inRange<int64_t>(0, r.s.k / 128);
  Tensor a0 = r.a, b0 = r.b;
  for (int64_t i = 0; i < r.s.m; ++i)
    for (int64_t j = kb * 128; j < (kb + 1) * 128; ++j)
      a0.data<e4m3>()[i * r.s.k + j] = e4m3{0};
  for (int64_t i = 0; i < r.s.n; ++i)
    for (int64_t j = kb * 128; j < (kb + 1) * 128; ++j)
      b0.data<e4m3>()[i * r.s.k + j] = e4m3{0x80}; // −0
  std::vector<float> x(static_cast<size_t>(r.s.m * r.s.n)), y(x.size());
  reference::fp8_gemm_acc(x.data(), a0.data<e4m3>(), r.sa.data<ue8m0>(), r.b.data<e4m3>(),
                          r.sb.data<ue8m0>(), r.s.m, r.s.n, r.s.k);
  reference::fp8_gemm_acc(y.data(), r.a.data<e4m3>(), r.sa.data<ue8m0>(), b0.data<e4m3>(),
                          r.sb.data<ue8m0>(), r.s.m, r.s.n, r.s.k);
  for (size_t i = 0; i < x.size(); ++i)
    RC_ASSERT(std::bit_cast<uint32_t>(x[i]) == std::bit_cast<uint32_t>(y[i]));
}

RC_GTEST_PROP(GemmProperties, RandomOperandsStayWithinTheDerivedBound, ()) {
  const Realistic r = realistic(4);
  const Tensor c = gemm(r, r.a, r.sa);
  const harness::PropertyOutcome o = check_gemm_error_bound(r.a, r.sa, r.b, r.sb, c, false);
  RC_ASSERT(o.passed);
}

} // namespace
} // namespace v4::properties
