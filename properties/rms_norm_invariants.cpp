#include "properties/rms_norm_invariants.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

#include "reference/formats.h"

namespace v4::properties {

using harness::PropertyOutcome;
using harness::Tensor;

namespace {

constexpr double kU = 0x1p-24; // fp32 unit roundoff
constexpr double kUb = 0x1p-8; // bf16 unit roundoff (7 stored mantissa bits)

float value(const Tensor& t, int64_t i) {
  return reference::bf16_decode(t.data<bf16>()[i]);
}
bool sign_bit(const Tensor& t, int64_t i) {
  return (t.data<bf16>()[i].bits & 0x8000) != 0;
}

// Relative error of an fp32 implementation's rsqrt factor: a sum of `count` positive squares in
// any order ((count - 1)u), the mean's division and + eps (2u), halved by the square root, then
// rsqrt within 2 ULPs (4u).
double rsqrt_error(int64_t count) {
  return (double(count - 1) * kU + 2 * kU) / 2 + 4 * kU;
}

double mean_square(const Tensor& x, int64_t begin, int64_t count) {
  double s = 0;
  for (int64_t i = 0; i < count; ++i)
    s += double(value(x, begin + i)) * value(x, begin + i);
  return s / double(count);
}

PropertyOutcome finish(PropertyOutcome o, int64_t bad, const std::string& pass_detail) {
  o.passed = bad == 0;
  if (o.passed)
    o.detail = pass_detail;
  return o;
}

} // namespace

// y_i/w_i = x_i·ρ̃·(1 ± u)² (x·ρ and w·v rounded to fp32) · (1 ± 2^-8) (bf16 output), with
// ρ̃ = ρ(1 ± rsqrt_error); so mean((y/w)²)/(ms·ρ²) ∈ [(1 - e)², (1 + e)²] and ms·ρ² = ms/(ms+eps).
double unit_rms_bound(int64_t dim) {
  const double e = (1 + kUb) * (1 + kU) * (1 + kU) * (1 + rsqrt_error(dim)) - 1;
  return (1 + e) * (1 + e) - 1;
}

// [C] rounds the square, the mean, the + eps and the rsqrt to bf16 (2^-8 each), and the mean
// accumulates in fp32 ((head_dim - 1)u plus the division); the rsqrt is within 2 fp32 ULPs; the
// product q·inv is rounded to bf16. The denominator is (ms + eps)(1 ± 2^-8)³(1 ± head_dim·u), so
// inv = ρ(1 ± 2^-8)(1 ± 4u)/sqrt(that) and y = x·inv·(1 ± 2^-8).
double unit_rms_head_bound(int64_t head_dim) {
  const double denominator_low = std::pow(1 - kUb, 3) * (1 - double(head_dim) * kU);
  const double e = (1 + kUb) * (1 + kUb) * (1 + 4 * kU) / std::sqrt(denominator_low) - 1;
  return (1 + e) * (1 + e) - 1;
}

PropertyOutcome check_zero_rows(const Tensor& x, const Tensor& y, const float* w, int64_t dim) {
  PropertyOutcome o;
  o.bound = "all-zero rows give zeros with the IEEE product sign";
  const int64_t rows = x.numel() / dim;
  int64_t bad = 0, found = 0;
  for (int64_t r = 0; r < rows; ++r) {
    bool zero = true;
    for (int64_t i = 0; i < dim && zero; ++i)
      zero = value(x, r * dim + i) == 0;
    if (!zero)
      continue;
    ++found;
    for (int64_t i = 0; i < dim; ++i) {
      const int64_t k = r * dim + i;
      const bool want_sign = sign_bit(x, k) != (w != nullptr && std::signbit(w[i]));
      if ((value(y, k) != 0 || sign_bit(y, k) != want_sign) && bad++ == 0) {
        o.detail = fmt::format("row {} element {}: y = {:g} (sign {}), want {}0", r, i, value(y, k),
                               int(sign_bit(y, k)), want_sign ? "-" : "+");
      }
    }
  }
  o.measured = double(bad);
  if (found == 0) {
    o.passed = false;
    o.detail = "no all-zero row: the input generator must plant one";
    return o;
  }
  return finish(o, bad, fmt::format("{} zero rows give signed zeros", found));
}

PropertyOutcome check_unit_rms(const Tensor& x, const Tensor& y, const float* w, int64_t dim,
                               float eps) {
  PropertyOutcome o;
  o.bound_value = unit_rms_bound(dim);
  o.bound = fmt::format("|mean((y/w)^2) / (ms/(ms+eps)) - 1| <= {:.3g}", o.bound_value);
  const int64_t rows = x.numel() / dim;
  int64_t bad = 0, checked = 0;
  for (int64_t r = 0; r < rows; ++r) {
    const double ms = mean_square(x, r * dim, dim);
    if (ms == 0)
      continue;
    double lhs = 0;
    bool usable = true;
    for (int64_t i = 0; i < dim && usable; ++i) {
      usable = w[i] != 0;
      const double q = double(value(y, r * dim + i)) / w[i];
      lhs += q * q;
    }
    if (!usable)
      continue;
    ++checked;
    const double rel = std::fabs(lhs / double(dim) / (ms / (ms + eps)) - 1);
    o.measured = std::max(o.measured, rel);
    if (rel > o.bound_value && bad++ == 0)
      o.detail = fmt::format("row {}: relative deviation {:.3g}", r, rel);
  }
  return finish(o, bad,
                fmt::format("max relative deviation {:.3g} over {} rows", o.measured, checked));
}

PropertyOutcome check_unit_rms_head(const Tensor& x, const Tensor& y, int64_t head_dim, float eps) {
  PropertyOutcome o;
  o.bound_value = unit_rms_head_bound(head_dim);
  o.bound = fmt::format("|mean(y^2) / (ms/(ms+eps)) - 1| <= {:.3g} per head (bf16 arithmetic)",
                        o.bound_value);
  const int64_t heads = x.numel() / head_dim;
  int64_t bad = 0, checked = 0;
  for (int64_t h = 0; h < heads; ++h) {
    const double ms = mean_square(x, h * head_dim, head_dim);
    if (ms == 0)
      continue;
    ++checked;
    const double rel = std::fabs(mean_square(y, h * head_dim, head_dim) / (ms / (ms + eps)) - 1);
    o.measured = std::max(o.measured, rel);
    if (rel > o.bound_value && bad++ == 0)
      o.detail = fmt::format("head {}: relative deviation {:.3g}", h, rel);
  }
  return finish(o, bad,
                fmt::format("max relative deviation {:.3g} over {} heads", o.measured, checked));
}

PropertyOutcome check_scale_pairs(const Tensor& x, const Tensor& y, int64_t dim, float eps) {
  PropertyOutcome o;
  // y(αx) = w·x/sqrt(ms + eps/α²) against y(x) = w·x/sqrt(ms + eps): their fp32 values differ by
  // at most eps·|1 - α^-2|/(2ms) relative, plus each side's rsqrt error and two fp32 roundings.
  // Below 2^-8 (a bf16 spacing exceeds 2^-8·|v|), the bf16 outputs are at most one ULP apart.
  o.bound_value = 1;
  o.bound = "rows x_r = 2^k x_(r-1): |y_r - y_(r-1)| <= 1 bf16 ulp per element";
  const int64_t rows = x.numel() / dim;
  int64_t bad = 0, pairs = 0, skipped = 0;
  for (int64_t r = 1; r < rows; ++r) {
    const int64_t a = (r - 1) * dim, b = r * dim;
    int64_t first = 0;
    while (first < dim && value(x, a + first) == 0)
      ++first;
    if (first == dim || value(x, b + first) == 0)
      continue;
    const double alpha = double(value(x, b + first)) / value(x, a + first);
    int exponent = 0;
    if (std::fabs(std::frexp(alpha, &exponent)) != 0.5 || alpha == 1 || alpha < 0)
      continue; // not 2^k, k != 0
    bool scaled = true;
    for (int64_t i = 0; i < dim && scaled; ++i)
      scaled = double(value(x, b + i)) == alpha * value(x, a + i);
    if (!scaled)
      continue;
    const double ms = mean_square(x, a, dim);
    const double drift =
        double(eps) * std::fabs(1 - 1 / (alpha * alpha)) / (2 * ms) + 2 * rsqrt_error(dim) + 4 * kU;
    if (drift >= kUb) {
      ++skipped;
      continue;
    }
    ++pairs;
    for (int64_t i = 0; i < dim; ++i) {
      const int32_t ca = y.data<bf16>()[a + i].bits, cb = y.data<bf16>()[b + i].bits;
      const int32_t oa = (ca & 0x8000) ? -(ca & 0x7FFF) : ca,
                    ob = (cb & 0x8000) ? -(cb & 0x7FFF) : cb;
      const double d = std::abs(oa - ob);
      o.measured = std::max(o.measured, d);
      if (d > 1 && bad++ == 0)
        o.detail = fmt::format("rows {},{} element {}: {} ulp apart", r - 1, r, i, d);
    }
  }
  if (pairs == 0) {
    o.passed = false;
    o.detail = fmt::format(
        "no usable 2^k-scaled row pair ({} skipped): the input generator must plant one", skipped);
    return o;
  }
  return finish(o, bad, fmt::format("{} scaled pairs, max {} ulp apart", pairs, o.measured));
}

} // namespace v4::properties
