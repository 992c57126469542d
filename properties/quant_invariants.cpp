#include "properties/quant_invariants.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace v4::properties {

int exact_scale_exponent(float amax, reference::ScaleRule rule) {
  const double a = std::max(amax, rule.floor), q = rule.q_max;
  int e = int(std::floor(std::log2(a / q))); // estimate, then make it exact:
  while (std::ldexp(q, e) < a)
    ++e; // smallest e with Q·2^e >= a
  while (std::ldexp(q, e - 1) >= a)
    --e; // (all comparisons exact in double)
  return e;
}

double QuantizedBlocks::dequantized(int64_t r, int64_t j) const {
  return std::ldexp(q[size_t(r * cols + j)], scale_exponent(r, j));
}

namespace {

float decode_input(const harness::Tensor& x, int64_t i) {
  return x.dtype() == harness::DType::f32 ? x.data<float>()[i]
                                          : reference::bf16_decode(x.data<bf16>()[i]);
}

QuantizedBlocks blocks_common(const harness::Tensor& x, const harness::Tensor& s, int64_t block) {
  QuantizedBlocks b;
  b.rows = x.rows();
  b.cols = b.rows ? x.numel() / b.rows : 0;
  b.block = block;
  b.x.resize(size_t(x.numel()));
  for (int64_t i = 0; i < x.numel(); ++i)
    b.x[size_t(i)] = decode_input(x, i);
  b.exponent.resize(size_t(s.numel()));
  for (int64_t i = 0; i < s.numel(); ++i)
    b.exponent[size_t(i)] = reference::ue8m0_exponent(s.data<ue8m0>()[i]);
  b.q.resize(size_t(x.numel()));
  return b;
}

float block_amax(const QuantizedBlocks& b, int64_t r, int64_t blk) {
  float amax = 0;
  for (int64_t j = blk * b.block; j < (blk + 1) * b.block; ++j)
    amax = std::max(amax, std::fabs(b.x[r * b.cols + j]));
  return amax;
}

// Calls visit(r, j, i) for every element; counts failures and describes the first.
template <class Visit>
int64_t for_each_element(const QuantizedBlocks& b, std::string& detail, Visit visit) {
  int64_t bad = 0;
  for (int64_t r = 0; r < b.rows; ++r) {
    for (int64_t j = 0; j < b.cols; ++j) {
      const int64_t i = r * b.cols + j;
      if (visit(r, j, i))
        continue;
      if (bad++ == 0) {
        detail = fmt::format("element ({}, {}): x = {:.9g}, q = {:.9g}, s = 2^{}", r, j,
                             b.x[size_t(i)], b.q[size_t(i)], b.scale_exponent(r, j));
      }
    }
  }
  return bad;
}

} // namespace

QuantizedBlocks blocks_from_e4m3(const harness::Tensor& x, const harness::Tensor& q,
                                 const harness::Tensor& s, int64_t block) {
  QuantizedBlocks b = blocks_common(x, s, block);
  b.rule = reference::kE4m3ScaleRule;
  for (int64_t i = 0; i < x.numel(); ++i)
    b.q[size_t(i)] = reference::e4m3_decode(q.data<e4m3>()[i]);
  return b;
}

QuantizedBlocks blocks_from_e2m1(const harness::Tensor& x, const harness::Tensor& q,
                                 const harness::Tensor& s, int64_t block) {
  QuantizedBlocks b = blocks_common(x, s, block);
  b.rule = reference::kE2m1ScaleRule;
  for (int64_t i = 0; i < x.numel(); ++i)
    b.q[size_t(i)] = reference::e2m1_decode(reference::e2m1_get(q.data<e2m1x2>(), i));
  return b;
}

QuantizedBlocks blocks_from_simulated(const harness::Tensor& x, const harness::Tensor& y,
                                      int64_t block, int64_t quantized_cols,
                                      reference::ScaleRule rule) {
  QuantizedBlocks b;
  b.rows = x.rows();
  const int64_t dim = b.rows ? x.numel() / b.rows : 0;
  b.cols = quantized_cols;
  b.block = block;
  b.rule = rule;
  b.x.resize(size_t(b.rows * b.cols));
  b.q.resize(b.x.size());
  b.exponent.resize(size_t(b.rows * (b.cols / block)));
  for (int64_t r = 0; r < b.rows; ++r) {
    for (int64_t j = 0; j < b.cols; ++j)
      b.x[size_t(r * b.cols + j)] = reference::bf16_decode(x.data<bf16>()[r * dim + j]);
    for (int64_t k = 0; k < b.cols / block; ++k) {
      b.exponent[size_t(r * (b.cols / block) + k)] =
          exact_scale_exponent(block_amax(b, r, k), rule);
    }
    for (int64_t j = 0; j < b.cols; ++j) {
      b.q[size_t(r * b.cols + j)] = std::ldexp(
          double(reference::bf16_decode(y.data<bf16>()[r * dim + j])), -b.scale_exponent(r, j));
    }
  }
  return b;
}

harness::PropertyOutcome check_scale_rule(const QuantizedBlocks& b) {
  harness::PropertyOutcome o;
  o.bound = "scale == 2^ceil(log2(max(amax, floor)/Q)) exactly, so |x/s| <= Q";
  const int64_t blocks = b.cols / b.block;
  int64_t bad = 0;
  for (int64_t r = 0; r < b.rows; ++r) {
    for (int64_t k = 0; k < blocks; ++k) {
      const int want = exact_scale_exponent(block_amax(b, r, k), b.rule);
      const int got = b.exponent[size_t(r * blocks + k)];
      if (want != got && bad++ == 0)
        o.detail =
            fmt::format("row {} block {}: exponent {} but exact rule gives {}", r, k, got, want);
    }
  }
  o.measured = double(bad);
  o.passed = bad == 0;
  if (o.passed)
    o.detail = fmt::format("{} block scales exact", b.rows * blocks);
  return o;
}

harness::PropertyOutcome check_block_max_code(const QuantizedBlocks& b) {
  harness::PropertyOutcome o;
  const double low = b.fp4() ? 3.0 : b.rule.q_max / 2;
  o.bound = fmt::format("max |q| per block in [{}, {}] when amax >= floor", low, b.rule.q_max);
  o.bound_value = low;
  const int64_t blocks = b.cols / b.block;
  int64_t bad = 0;
  double worst = b.rule.q_max;
  for (int64_t r = 0; r < b.rows; ++r) {
    for (int64_t k = 0; k < blocks; ++k) {
      if (block_amax(b, r, k) < b.rule.floor)
        continue;
      double m = 0;
      for (int64_t j = k * b.block; j < (k + 1) * b.block; ++j)
        m = std::max(m, std::fabs(b.q[size_t(r * b.cols + j)]));
      worst = std::min(worst, m);
      if (!(m >= low && m <= b.rule.q_max) && bad++ == 0)
        o.detail = fmt::format("row {} block {}: max |q| = {}", r, k, m);
    }
  }
  o.measured = worst;
  o.passed = bad == 0;
  if (o.passed)
    o.detail = fmt::format("smallest block max |q| = {}", worst);
  return o;
}

harness::PropertyOutcome check_element_error(const QuantizedBlocks& b) {
  harness::PropertyOutcome o;
  const bool fp4 = b.fp4();
  const double rel_bound = fp4 ? 0.25 : 1.0 / 16, normal_min = fp4 ? 1.0 : 1.0 / 64,
               abs_bound = fp4 ? 0.25 : 1.0 / 1024;
  o.bound = fmt::format("rel err <= {} for |x/s| >= {}, abs err <= {}·s below; sign of zero kept",
                        rel_bound, normal_min, abs_bound);
  o.bound_value = rel_bound;
  double worst_rel = 0;
  const int64_t bad = for_each_element(b, o.detail, [&](int64_t r, int64_t j, int64_t i) {
    const double s = std::ldexp(1.0, b.scale_exponent(r, j));
    const double x = b.x[size_t(i)], y = b.dequantized(r, j), scaled = std::fabs(x) / s;
    bool ok;
    if (scaled >= normal_min) {
      const double rel = std::fabs(y - x) / std::fabs(x);
      worst_rel = std::max(worst_rel, rel);
      ok = rel <= rel_bound;
    } else {
      ok = std::fabs(y - x) <= abs_bound * s;
    }
    return ok && !(x == 0 && std::signbit(x) != std::signbit(b.q[size_t(i)]));
  });
  o.measured = worst_rel;
  o.passed = bad == 0;
  if (o.passed)
    o.detail = fmt::format("worst relative error {:.4g} (normal range)", worst_rel);
  return o;
}

harness::PropertyOutcome check_codes_on_grid(const QuantizedBlocks& b) {
  harness::PropertyOutcome o;
  o.bound = b.fp4() ? "every q/s an e2m1 value" : "every q/s a finite e4m3 value";
  const int64_t bad = for_each_element(b, o.detail, [&](int64_t, int64_t, int64_t i) {
    const double q = b.q[size_t(i)];
    if (!(std::fabs(q) <= b.rule.q_max))
      return false; // also rejects NaN and Inf
    const float f = float(q);
    if (double(f) != q)
      return false;
    return b.fp4() ? reference::e2m1_decode(reference::e2m1_encode(f)) == f
                   : reference::e4m3_decode(reference::e4m3_encode(f)) == f;
  });
  o.measured = double(bad);
  o.passed = bad == 0;
  if (o.passed)
    o.detail = fmt::format("{} codes on the grid", b.q.size());
  return o;
}

harness::PropertyOutcome check_sign_preserved(const QuantizedBlocks& b) {
  harness::PropertyOutcome o;
  o.bound = "signbit(q) == signbit(x) for every element (±0 kept)";
  int64_t zeros = 0;
  const int64_t bad = for_each_element(b, o.detail, [&](int64_t, int64_t, int64_t i) {
    zeros += b.q[size_t(i)] == 0;
    return std::signbit(b.q[size_t(i)]) == std::signbit(b.x[size_t(i)]);
  });
  o.measured = double(bad);
  o.passed = bad == 0;
  if (o.passed)
    o.detail = fmt::format("signs kept, {} zero codes", zeros);
  return o;
}

harness::Tensor dequantized_bf16(const QuantizedBlocks& b) {
  harness::Tensor t = harness::make_tensor<bf16>({b.rows, b.cols});
  for (int64_t r = 0; r < b.rows; ++r) {
    for (int64_t j = 0; j < b.cols; ++j)
      t.data<bf16>()[r * b.cols + j] = reference::bf16_encode(float(b.dequantized(r, j)));
  }
  return t;
}

harness::PropertyOutcome
check_idempotent(const QuantizedBlocks& b,
                 const std::function<QuantizedBlocks(const harness::Tensor&)>& requantize) {
  harness::PropertyOutcome o;
  o.bound = "deq(quant(deq(quant(x)))) == deq(quant(x)) bit for bit";
  const harness::Tensor y = dequantized_bf16(b);
  for (int64_t i = 0; i < y.numel(); ++i) {
    if (!std::isfinite(reference::bf16_decode(y.data<bf16>()[i]))) {
      o.passed = false;
      o.detail = fmt::format("element {}: q·s = {:g} is not finite in bf16; cannot re-quantize", i,
                             b.dequantized(i / b.cols, i % b.cols));
      return o;
    }
  }
  const QuantizedBlocks again = requantize(y);
  const int64_t bad = for_each_element(b, o.detail, [&](int64_t r, int64_t j, int64_t) {
    const double v1 = b.dequantized(r, j), v2 = again.dequantized(r, j);
    return v1 == v2 && std::signbit(v1) == std::signbit(v2);
  });
  o.measured = double(bad);
  o.passed = bad == 0;
  if (o.passed)
    o.detail = fmt::format("{} values unchanged by a second quantization", b.q.size());
  return o;
}

harness::PropertyOutcome check_columns_untouched(const harness::Tensor& x, const harness::Tensor& y,
                                                 int64_t first_col) {
  harness::PropertyOutcome o;
  o.bound = fmt::format("columns [{}, end) bit-identical", first_col);
  const int64_t rows = x.rows(), dim = rows ? x.numel() / rows : 0;
  int64_t bad = 0;
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t j = first_col; j < dim; ++j) {
      const uint16_t a = x.data<bf16>()[r * dim + j].bits, c = y.data<bf16>()[r * dim + j].bits;
      if (a != c && bad++ == 0)
        o.detail = fmt::format("element ({}, {}): 0x{:04x} became 0x{:04x}", r, j, a, c);
    }
  }
  o.measured = double(bad);
  o.passed = bad == 0;
  if (o.passed)
    o.detail = fmt::format("{} untouched elements", rows * (dim - first_col));
  return o;
}

harness::PropertyOutcome check_fixed_point(const harness::Tensor& y, const harness::Tensor& again) {
  harness::PropertyOutcome o;
  o.bound = "f(f(x)) == f(x) bit for bit";
  const harness::CompareResult r =
      harness::compare_tensors(again, y, harness::ComparePolicy::bitwise());
  o.measured = double(r.mismatches);
  o.passed = r.passed;
  o.detail = r.passed ? fmt::format("{} elements unchanged by a second application", y.numel())
                      : r.summary();
  return o;
}

} // namespace v4::properties
