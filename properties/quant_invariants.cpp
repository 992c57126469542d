#include "properties/quant_invariants.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace v4::properties {

int exact_scale_exponent(float amax, reference::ScaleRule rule) {
  const double a = std::max(amax, rule.floor), q = rule.q_max;
  int e = int(std::floor(std::log2(a / q)));  // estimate, then make it exact:
  while (std::ldexp(q, e) < a) ++e;           // smallest e with Q·2^e >= a
  while (std::ldexp(q, e - 1) >= a) --e;      // (all comparisons exact in double)
  return e;
}

namespace {
QuantizedBlocks blocks_common(const harness::Tensor& x, const harness::Tensor& s, int64_t block) {
  QuantizedBlocks b;
  b.rows = x.rows();
  b.cols = b.rows ? x.numel() / b.rows : 0;
  b.block = block;
  b.x.resize(size_t(x.numel()));
  for (int64_t i = 0; i < x.numel(); ++i) b.x[size_t(i)] = reference::bf16_decode(x.data<bf16>()[i]);
  b.exponent.resize(size_t(s.numel()));
  for (int64_t i = 0; i < s.numel(); ++i) b.exponent[size_t(i)] = reference::ue8m0_exponent(s.data<ue8m0>()[i]);
  b.q.resize(size_t(x.numel()));
  return b;
}
}  // namespace

QuantizedBlocks blocks_from_e4m3(const harness::Tensor& x, const harness::Tensor& q, const harness::Tensor& s,
                                 int64_t block) {
  QuantizedBlocks b = blocks_common(x, s, block);
  b.rule = reference::kE4m3ScaleRule;
  for (int64_t i = 0; i < x.numel(); ++i) b.q[size_t(i)] = reference::e4m3_decode(q.data<e4m3>()[i]);
  return b;
}

QuantizedBlocks blocks_from_e2m1(const harness::Tensor& x, const harness::Tensor& q, const harness::Tensor& s,
                                 int64_t block) {
  QuantizedBlocks b = blocks_common(x, s, block);
  b.rule = reference::kE2m1ScaleRule;
  for (int64_t i = 0; i < x.numel(); ++i) b.q[size_t(i)] = reference::e2m1_decode(reference::e2m1_get(q.data<e2m1x2>(), i));
  return b;
}

namespace {
float block_amax(const QuantizedBlocks& b, int64_t r, int64_t blk) {
  float amax = 0;
  for (int64_t j = blk * b.block; j < (blk + 1) * b.block; ++j) amax = std::max(amax, std::fabs(b.x[r * b.cols + j]));
  return amax;
}
}  // namespace

harness::PropertyOutcome check_scale_rule(const QuantizedBlocks& b) {
  harness::PropertyOutcome o;
  o.bound = "scale == 2^ceil(log2(max(amax, floor)/Q)) exactly";
  const int64_t blocks = b.cols / b.block;
  int64_t bad = 0;
  for (int64_t r = 0; r < b.rows; ++r) {
    for (int64_t k = 0; k < blocks; ++k) {
      const int want = exact_scale_exponent(block_amax(b, r, k), b.rule);
      const int got = b.exponent[size_t(r * blocks + k)];
      if (want != got && bad++ == 0) o.detail = fmt::format("row {} block {}: exponent {} but exact rule gives {}", r, k, got, want);
    }
  }
  o.measured = double(bad);
  o.passed = bad == 0;
  if (o.passed) o.detail = fmt::format("{} block scales exact", b.rows * blocks);
  return o;
}

harness::PropertyOutcome check_block_max_code(const QuantizedBlocks& b) {
  harness::PropertyOutcome o;
  const double low = b.rule.q_max == 6.0f ? 3.0 : b.rule.q_max / 2;
  o.bound = fmt::format("max |q| per block in [{}, {}] when amax >= floor", low, b.rule.q_max);
  o.bound_value = low;
  const int64_t blocks = b.cols / b.block;
  int64_t bad = 0;
  double worst = b.rule.q_max;
  for (int64_t r = 0; r < b.rows; ++r) {
    for (int64_t k = 0; k < blocks; ++k) {
      if (block_amax(b, r, k) < b.rule.floor) continue;
      double m = 0;
      for (int64_t j = k * b.block; j < (k + 1) * b.block; ++j) m = std::max(m, double(std::fabs(b.q[r * b.cols + j])));
      worst = std::min(worst, m);
      if ((m < low || m > b.rule.q_max) && bad++ == 0) o.detail = fmt::format("row {} block {}: max |q| = {}", r, k, m);
    }
  }
  o.measured = worst;
  o.passed = bad == 0;
  if (o.passed) o.detail = fmt::format("smallest block max |q| = {}", worst);
  return o;
}

harness::PropertyOutcome check_element_error(const QuantizedBlocks& b) {
  harness::PropertyOutcome o;
  const bool fp4 = b.rule.q_max == 6.0f;
  const double rel_bound = fp4 ? 0.25 : 1.0 / 16, normal_min = fp4 ? 1.0 : 1.0 / 64, abs_bound = fp4 ? 0.25 : 1.0 / 1024;
  o.bound = fmt::format("rel err <= {} for |x/s| >= {}, abs err <= {}·s below; sign of zero kept", rel_bound, normal_min, abs_bound);
  o.bound_value = rel_bound;
  int64_t bad = 0;
  double worst_rel = 0;
  for (int64_t r = 0; r < b.rows; ++r) {
    for (int64_t j = 0; j < b.cols; ++j) {
      const int64_t i = r * b.cols + j;
      const double s = std::ldexp(1.0, b.exponent[size_t(r * (b.cols / b.block) + j / b.block)]);
      const double x = b.x[i], y = double(b.q[i]) * s, scaled = std::fabs(x) / s;
      bool ok;
      if (scaled >= normal_min) {
        const double rel = std::fabs(y - x) / std::fabs(x);
        worst_rel = std::max(worst_rel, rel);
        ok = rel <= rel_bound;
      } else {
        ok = std::fabs(y - x) <= abs_bound * s;
      }
      if (x == 0 && std::signbit(x) != std::signbit(b.q[i])) ok = false;
      if (!ok && bad++ == 0) o.detail = fmt::format("element ({}, {}): x = {:.9g}, q·s = {:.9g}, s = 2^{}", r, j, x, y, std::ilogb(s));
    }
  }
  o.measured = worst_rel;
  o.passed = bad == 0;
  if (o.passed) o.detail = fmt::format("worst relative error {:.4g} (normal range)", worst_rel);
  return o;
}

}  // namespace v4::properties
