// RapidCheck properties of the V4 quantizers (spec §2.1-§2.5, D1, D6) over bit-pattern inputs
// (bit_patterns.h): act_quant (e4m3 1x128), kv_fp8_sim (e4m3 1x64 in place, RoPE tail),
// fp4_act_quant and its in-place form (e2m1 1x32), fp4_weight_quant (fp32 in, e2m1 1x32).
// Each property draws the quantizer, the shape and the codes; failures name the quantizer.
//
// Inputs of the in-place forms (and of idempotence, which feeds q·s back as bf16) stay below the
// top of the bf16 range where q·s = 2^128 overflows (|x| >= 1.9375·2^127 for e4m3, 1.75·2^127
// for e2m1; docs/kv_fp8_sim.md); kv_fp8_sim_test.cpp pins that behaviour down separately.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>

#include "properties/bit_patterns.h"
#include "properties/quant_invariants.h"
#include "reference/act_quant.h"
#include "reference/fp4_act_quant.h"
#include "reference/fp4_weight_quant.h"
#include "reference/kv_fp8_sim.h"

namespace v4::properties {
namespace {

using harness::Tensor;

constexpr uint16_t kE4m3SafeLimit = 0x7F78; // |x| < 1.9375·2^127: q·s stays below 2^128
constexpr uint16_t kE2m1SafeLimit = 0x7F60; // |x| < 1.75·2^127

struct Quantizer {
  std::string name;
  int64_t block = 0;
  reference::ScaleRule rule{};
  int lo_exp = 0, hi_exp = 0; // scale exponents of "edge" blocks
  uint16_t safe_limit = 0;
  bool simulated = false, fp32_input = false, rope_tail = false;
  std::function<QuantizedBlocks(const Tensor& x)> run; // x [rows, cols]
  std::function<Tensor(const Tensor& x)> simulate;     // in-place forms only
};

Tensor kv_sim(const Tensor& x) {
  Tensor y = harness::make_tensor<bf16>(x.shape());
  reference::kv_fp8_sim(y.data<bf16>(), x.data<bf16>(), x.dim(0), x.dim(1));
  return y;
}
Tensor fp4_sim(const Tensor& x) {
  Tensor y = harness::make_tensor<bf16>(x.shape());
  reference::fp4_act_quant_sim(y.data<bf16>(), x.data<bf16>(), x.dim(0), x.dim(1));
  return y;
}
Tensor as_f32(const Tensor& x) {
  if (x.dtype() == harness::DType::f32)
    return x;
  Tensor w = harness::make_tensor<float>(x.shape());
  for (int64_t i = 0; i < x.numel(); ++i)
    w.data<float>()[i] = reference::bf16_decode(x.data<bf16>()[i]);
  return w;
}

const std::vector<Quantizer>& quantizers() {
  static const std::vector<Quantizer> all = [] {
    std::vector<Quantizer> q(5);
    q[0] = {"act_quant",
            128,
            reference::kE4m3ScaleRule,
            -22,
            119,
            kE4m3SafeLimit,
            false,
            false,
            false,
            [](const Tensor& x) {
              Tensor c = harness::make_tensor<e4m3>(x.shape()),
                     s = harness::make_tensor<ue8m0>({x.dim(0), x.dim(1) / 128});
              reference::act_quant(c.data<e4m3>(), s.data<ue8m0>(), x.data<bf16>(), x.dim(0),
                                   x.dim(1));
              return blocks_from_e4m3(x, c, s, 128);
            },
            nullptr};
    q[1] = {"kv_fp8_sim",
            64,
            reference::kE4m3ScaleRule,
            -22,
            119,
            kE4m3SafeLimit,
            true,
            false,
            true,
            [](const Tensor& x) {
              return blocks_from_simulated(x, kv_sim(x), 64, 448, reference::kE4m3ScaleRule);
            },
            kv_sim};
    q[2] = {"fp4_act_quant",
            32,
            reference::kE2m1ScaleRule,
            -126,
            125,
            kE2m1SafeLimit,
            false,
            false,
            false,
            [](const Tensor& x) {
              Tensor c = harness::make_tensor<e2m1x2>({x.dim(0), x.dim(1) / 2}),
                     s = harness::make_tensor<ue8m0>({x.dim(0), x.dim(1) / 32});
              reference::fp4_act_quant(c.data<e2m1x2>(), s.data<ue8m0>(), x.data<bf16>(), x.dim(0),
                                       x.dim(1));
              return blocks_from_e2m1(x, c, s, 32);
            },
            nullptr};
    q[3] = {"fp4_act_quant_sim",
            32,
            reference::kE2m1ScaleRule,
            -126,
            125,
            kE2m1SafeLimit,
            true,
            false,
            false,
            [](const Tensor& x) {
              return blocks_from_simulated(x, fp4_sim(x), 32, x.dim(1), reference::kE2m1ScaleRule);
            },
            fp4_sim};
    q[4] = {"fp4_weight_quant",
            32,
            reference::kE2m1ScaleRule,
            -126,
            125,
            kE2m1SafeLimit,
            false,
            true,
            false,
            [](const Tensor& x) {
              const Tensor w = as_f32(x);
              Tensor c = harness::make_tensor<e2m1x2>({w.dim(0), w.dim(1) / 2}),
                     s = harness::make_tensor<ue8m0>({w.dim(0), w.dim(1) / 32});
              reference::fp4_weight_quant(c.data<e2m1x2>(), s.data<ue8m0>(), w.data<float>(),
                                          w.dim(0), w.dim(1));
              return blocks_from_e2m1(w, c, s, 32);
            },
            nullptr};
    return q;
  }();
  return all;
}

const Quantizer& draw_quantizer() {
  const Quantizer& q = quantizers()[*bits::uniform<size_t>(0, quantizers().size())];
  RC_TAG(q.name);
  return q;
}

// Rows of blocks for q. `limit` bounds |x| (a bf16 magnitude code) of "wild" codes. fp32-input
// quantizers get fp32 bit patterns in half of the blocks. The KV layout is 448 quantized dims
// plus a 64-dim RoPE tail of arbitrary codes (NaN and Inf included: it is never quantized).
Tensor draw_input(const Quantizer& q, uint16_t limit) {
  const int64_t rows = *bits::uniform<int64_t>(1, 4);
  const int64_t blocks = q.rope_tail ? 7 : *bits::uniform<int64_t>(1, 4);
  const int64_t cols = blocks * q.block + (q.rope_tail ? 64 : 0);
  Tensor x = q.fp32_input ? harness::make_tensor<float>({rows, cols})
                          : harness::make_tensor<bf16>({rows, cols});
  const float f32_limit = reference::bf16_decode(bf16{limit});
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t b = 0; b < blocks; ++b) {
      const bool f32_block = q.fp32_input && *bits::coin();
      const auto codes = *bits::quant_block(q.block, q.rule.q_max, q.lo_exp, q.hi_exp, limit);
      for (int64_t j = 0; j < q.block; ++j) {
        const int64_t i = r * cols + b * q.block + j;
        if (!q.fp32_input) {
          x.data<bf16>()[i] = bf16{codes[size_t(j)]};
        } else if (!f32_block) {
          x.data<float>()[i] = reference::bf16_decode(bf16{codes[size_t(j)]});
        } else {
          x.data<float>()[i] = *rc::gen::suchThat(
              bits::f32_finite(q.rule.q_max), [&](float v) { return std::fabs(v) < f32_limit; });
        }
      }
    }
    for (int64_t j = blocks * q.block; j < cols; ++j)
      x.data<bf16>()[r * cols + j] = bf16{*bits::bf16_any()};
  }
  return x;
}

void require_passed(const harness::PropertyOutcome& o, const Quantizer& q, const char* what) {
  if (!o.passed)
    RC_FAIL(q.name + " " + what + ": " + o.bound + ": " + o.detail);
}

// §2.1: the bit-trick exponent is the exact ceiling, so |x/s| <= Q and the clamp never binds; the
// block's largest code then lies in [Q/2, Q] and every q is on the grid.
RC_GTEST_PROP(QuantProperties, ScaleRuleIsExactAndClampNeverBinds, ()) {
  const Quantizer& q = draw_quantizer();
  const QuantizedBlocks b = q.run(draw_input(q, q.safe_limit));
  require_passed(check_scale_rule(b), q, "scale rule");
  require_passed(check_block_max_code(b), q, "block max code");
  require_passed(check_codes_on_grid(b), q, "codes on grid");
  for (int64_t r = 0; r < b.rows; ++r) {
    for (int64_t j = 0; j < b.cols; ++j) {
      const double scaled =
          std::ldexp(std::fabs(double(b.x[size_t(r * b.cols + j)])), -b.scale_exponent(r, j));
      RC_ASSERT(scaled <= double(q.rule.q_max));
    }
  }
}

// The bit trick alone, on any finite block magnitude the generators reach (all finite codes).
RC_GTEST_PROP(QuantProperties, BitTrickExponentEqualsExactCeiling, ()) {
  const bool fp4 = *bits::coin();
  const reference::ScaleRule rule = fp4 ? reference::kE2m1ScaleRule : reference::kE4m3ScaleRule;
  const bool fp32 = *bits::coin();
  const float a = std::fabs(fp32 ? *bits::f32_finite(rule.q_max)
                                 : reference::bf16_decode(bf16{*bits::bf16_finite()}));
  const int e = reference::pow2_scale_exponent(a, rule);
  RC_ASSERT(e == exact_scale_exponent(a, rule));
  RC_ASSERT(std::ldexp(double(a), -e) <= double(rule.q_max));
}

RC_GTEST_PROP(QuantProperties, ElementErrorWithinBounds, ()) {
  const Quantizer& q = draw_quantizer();
  require_passed(check_element_error(q.run(draw_input(q, q.safe_limit))), q, "element error");
}

// deq(quant(deq(quant(x)))) == deq(quant(x)); for the in-place forms sim(sim(x)) == sim(x).
RC_GTEST_PROP(QuantProperties, IdempotentOnValues, ()) {
  const Quantizer& q = draw_quantizer();
  const Tensor x = draw_input(q, q.safe_limit);
  if (q.simulated) {
    const Tensor y = q.simulate(x);
    require_passed(check_fixed_point(y, q.simulate(y)), q, "fixed point");
  } else {
    require_passed(check_idempotent(q.run(x), q.run), q, "idempotence");
  }
}

// ±0 keep their sign (codes 0x00/0x80 or 0x0/0x8), and so does a value that rounds to zero.
RC_GTEST_PROP(QuantProperties, SignOfZeroPreserved, ()) {
  const Quantizer& q = draw_quantizer();
  require_passed(check_sign_preserved(q.run(draw_input(q, q.safe_limit))), q, "sign");
}

// D6: a NaN or ±Inf anywhere in the quantized columns throws std::invalid_argument.
RC_GTEST_PROP(QuantProperties, NonFiniteInputsThrow, ()) {
  const Quantizer& q = draw_quantizer();
  Tensor x = draw_input(q, q.safe_limit);
  const int64_t quantized_cols = q.rope_tail ? 448 : x.dim(1);
  const int64_t i =
      *bits::uniform<int64_t>(0, x.dim(0)) * x.dim(1) + *bits::uniform<int64_t>(0, quantized_cols);
  const uint16_t bad = *bits::bf16_nonfinite();
  if (q.fp32_input)
    x.data<float>()[i] = reference::bf16_decode(bf16{bad});
  else
    x.data<bf16>()[i] = bf16{bad};
  RC_ASSERT_THROWS_AS(q.run(x), std::invalid_argument);
}

// §2.3: the RoPE dims [448, 512) come out bit-identical whatever they hold, and computing in
// place (y aliasing x) gives the same bytes as out of place.
RC_GTEST_PROP(QuantProperties, KvRopeDimsBitIdenticalAndInPlaceSafe, ()) {
  const Quantizer& q = quantizers()[1];
  const Tensor x = draw_input(q, q.safe_limit);
  const Tensor y = kv_sim(x);
  require_passed(check_columns_untouched(x, y, 448), q, "RoPE dims");
  Tensor in_place = x;
  reference::kv_fp8_sim(in_place.data<bf16>(), in_place.data<bf16>(), x.dim(0), x.dim(1));
  RC_ASSERT(in_place.bitwise_equal(y));
}

} // namespace
} // namespace v4::properties
