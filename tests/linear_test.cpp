// Linear dispatch (spec §4.3): each weight format takes its path, plain linears round once
// from an fp32 accumulator, and an fp32 weight is refused by the bf16-output dispatch.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "harness/generators.h"
#include "reference/act_quant.h"
#include "reference/fp4_weight_quant.h"
#include "reference/gemm.h"
#include "reference/linear.h"

namespace v4::reference {
namespace {

TEST(Linear, Bf16IsTheRoundedExactDotProduct) {
  // Small integers: the dot product is exact in fp32, so y = bf16(exact).
  const int64_t rows = 3, in = 64, out = 5;
  std::vector<bf16> x(static_cast<size_t>(rows * in)), w(static_cast<size_t>(out * in)),
      y(static_cast<size_t>(rows * out));
  for (int64_t i = 0; i < rows * in; ++i)
    x[size_t(i)] = bf16_encode(float(i % 7 - 3));
  for (int64_t i = 0; i < out * in; ++i)
    w[size_t(i)] = bf16_encode(float(i % 5 - 2) * 0.5f);
  linear_bf16(y.data(), x.data(), w.data(), rows, in, out);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t o = 0; o < out; ++o) {
      double exact = 0;
      for (int64_t j = 0; j < in; ++j)
        exact += double(bf16_decode(x[size_t(r * in + j)])) * bf16_decode(w[size_t(o * in + j)]);
      EXPECT_EQ(y[size_t(r * out + o)].bits, bf16_encode(float(exact)).bits);
    }
}

TEST(Linear, DispatchTakesTheQuantizedPaths) {
  const int64_t rows = 4, in = 256, out = 128;
  const harness::Tensor x = harness::random_bf16({rows, in}, 7, "x");
  const harness::Tensor wf = harness::random_f32({out, in}, 7, "w", 0.0625);
  std::vector<e4m3> q(static_cast<size_t>(rows * in)), w8(static_cast<size_t>(out * in));
  std::vector<ue8m0> sq(static_cast<size_t>(rows * 2)), s8(2);
  act_quant(q.data(), sq.data(), x.data<bf16>(), rows, in);
  fp8_weight_quant(w8.data(), s8.data(), wf.data<float>(), out, in);
  std::vector<bf16> via_dispatch(static_cast<size_t>(rows * out)),
      direct(static_cast<size_t>(rows * out));
  linear(via_dispatch.data(), x.data<bf16>(),
         LinearWeight::fp8_weight(w8.data(), s8.data(), out, in), rows);
  fp8_gemm(direct.data(), q.data(), sq.data(), w8.data(), s8.data(), rows, out, in);
  for (size_t i = 0; i < direct.size(); ++i)
    ASSERT_EQ(via_dispatch[i].bits, direct[i].bits);

  std::vector<e2m1x2> w4(static_cast<size_t>(out * in / 2));
  std::vector<ue8m0> s4(static_cast<size_t>(out * in / 32));
  fp4_weight_quant(w4.data(), s4.data(), wf.data<float>(), out, in);
  linear(via_dispatch.data(), x.data<bf16>(),
         LinearWeight::fp4_weight(w4.data(), s4.data(), out, in), rows);
  fp4_gemm(direct.data(), q.data(), sq.data(), w4.data(), s4.data(), rows, out, in);
  for (size_t i = 0; i < direct.size(); ++i)
    ASSERT_EQ(via_dispatch[i].bits, direct[i].bits);
}

TEST(Linear, Fp32WeightsKeepFp32Output) {
  const float x[4] = {1.0f, 0x1p-30f, -2.0f, 3.0f}, w[4] = {1.0f, 1.0f, 0.25f, 1.0f};
  float y = 0;
  linear_f32(&y, x, w, 1, 4, 1);
  EXPECT_EQ(y, float(1.0 + 0x1p-30 - 0.5 + 3.0)); // fp32 output keeps the 2^-30 term's rounding
  const bf16 xb[4] = {};
  bf16 yb[1];
  EXPECT_THROW(linear(yb, xb, LinearWeight::f32_weight(w, 1, 4), 1), std::invalid_argument);
}

TEST(Linear, QuantizedPathsRequireBlockAlignedInputs) {
  std::vector<bf16> x(100), y(1);
  std::vector<e4m3> w(100);
  std::vector<ue8m0> s(1);
  EXPECT_THROW(linear_fp8(y.data(), x.data(), w.data(), s.data(), 1, 100, 1),
               std::invalid_argument);
}

} // namespace
} // namespace v4::reference
