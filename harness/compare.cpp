#include "harness/compare.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace v4::harness {

std::string ComparePolicy::describe(DType dtype) const {
  switch (kind) {
    case Kind::bitwise: return "bitwise";
    case Kind::ulp:
      return floor > 0 ? fmt::format("ulp<={} {} at |x|>={:g}", max_ulp, dtype_name(dtype), floor)
                       : fmt::format("ulp<={} {}", max_ulp, dtype_name(dtype));
    case Kind::index_set: return "index sets";
  }
  return "?";
}

std::string ElementReport::to_string() const {
  return fmt::format("[{}] actual {:.9g} expected {:.9g} ({} ulp)", fmt::join(coords, ","), actual, expected, ulp);
}

std::string CompareResult::summary() const {
  if (!error.empty()) return error;
  std::string s = fmt::format("{} elements, {} outside bound, max {} ulp, p99.99 {} ulp, max rel {:.3g}, calc_diff {:.3g}",
                              elements, mismatches, max_ulp, p9999_ulp, max_rel, calc_diff);
  if (first_divergence) s += "; first divergence " + first_divergence->to_string();
  if (worst && mismatches > 0) s += "; worst " + worst->to_string();
  return s;
}

int64_t element_count(const Tensor& t) { return t.dtype() == DType::e2m1x2 ? t.numel() * 2 : t.numel(); }

std::vector<int64_t> unravel(const std::vector<int64_t>& shape, int64_t flat, bool packed_e2m1) {
  std::vector<int64_t> coords(shape.size());
  int64_t rest = flat;
  for (size_t i = shape.size(); i-- > 0;) {
    const int64_t extent = (packed_e2m1 && i + 1 == shape.size()) ? shape[i] * 2 : shape[i];
    coords[i] = extent ? rest % extent : 0;
    rest = extent ? rest / extent : 0;
  }
  return coords;
}

namespace {

uint8_t nibble(const std::byte* base, int64_t index) {
  const uint8_t b = uint8_t(base[index >> 1]);
  return (index & 1) ? uint8_t(b >> 4) : uint8_t(b & 0xF);
}

// Sign-magnitude code -> integer on a line where adjacent representable values differ by one.
int64_t ordered(uint64_t code, int bits) {
  const uint64_t sign = uint64_t(1) << (bits - 1);
  const int64_t magnitude = int64_t(code & (sign - 1));
  return (code & sign) ? -magnitude : magnitude;
}

uint64_t raw_code(DType dtype, const std::byte* p, int64_t index) {
  switch (dtype) {
    case DType::f32: { uint32_t v; std::memcpy(&v, p + index * 4, 4); return v; }
    case DType::f64: { uint64_t v; std::memcpy(&v, p + index * 8, 8); return v; }
    case DType::bf16: { uint16_t v; std::memcpy(&v, p + index * 2, 2); return v; }
    case DType::e2m1x2: return nibble(p, index);
    case DType::i32: { int32_t v; std::memcpy(&v, p + index * 4, 4); return uint64_t(int64_t(v)); }
    case DType::i64: { int64_t v; std::memcpy(&v, p + index * 8, 8); return uint64_t(v); }
    default: return uint8_t(p[index]);
  }
}

bool is_nan(DType dtype, uint64_t code) {
  switch (dtype) {
    case DType::f32: return std::isnan(std::bit_cast<float>(uint32_t(code)));
    case DType::f64: return std::isnan(std::bit_cast<double>(code));
    case DType::bf16: return (code & 0x7F80) == 0x7F80 && (code & 0x7F) != 0;
    case DType::e4m3: return (code & 0x7F) == 0x7F;
    case DType::ue8m0: return code == 0xFF;
    default: return false;
  }
}

int inf_sign(DType dtype, uint64_t code) {
  switch (dtype) {
    case DType::f32: { const float v = std::bit_cast<float>(uint32_t(code)); return std::isinf(v) ? (v > 0 ? 1 : -1) : 0; }
    case DType::f64: { const double v = std::bit_cast<double>(code); return std::isinf(v) ? (v > 0 ? 1 : -1) : 0; }
    case DType::bf16: return (code & 0x7FFF) == 0x7F80 ? ((code & 0x8000) ? -1 : 1) : 0;
    default: return 0;
  }
}

// Spacing of the float dtype's values at magnitude m (> 0): 2^(floor(log2 m) - mantissa bits).
double ulp_at(DType dtype, double m) {
  const int mantissa = dtype == DType::bf16 ? 7 : dtype == DType::f64 ? 52 : 23;
  return std::ldexp(1.0, std::ilogb(m) - mantissa);
}

}  // namespace

double element_value(const Tensor& t, int64_t index) {
  const uint64_t code = raw_code(t.dtype(), t.bytes(), index);
  switch (t.dtype()) {
    case DType::f32: return std::bit_cast<float>(uint32_t(code));
    case DType::f64: return std::bit_cast<double>(code);
    case DType::bf16: return reference::bf16_decode(bf16{uint16_t(code)});
    case DType::e4m3: return reference::e4m3_decode(e4m3{uint8_t(code)});
    case DType::e2m1x2: return reference::e2m1_decode(uint8_t(code));
    case DType::ue8m0: return reference::ue8m0_decode(ue8m0{uint8_t(code)});
    case DType::i32:
    case DType::i64: return double(int64_t(code));
    case DType::u8: return double(code);
  }
  return 0;
}

double ulp_distance(DType dtype, const std::byte* a, const std::byte* b, int64_t index) {
  const uint64_t ca = raw_code(dtype, a, index), cb = raw_code(dtype, b, index);
  switch (dtype) {
    case DType::f32: return double(std::llabs(ordered(ca, 32) - ordered(cb, 32)));
    case DType::f64: {
      const int64_t oa = ordered(ca, 64), ob = ordered(cb, 64);
      return std::fabs(double(oa) - double(ob));
    }
    case DType::bf16: return double(std::llabs(ordered(ca, 16) - ordered(cb, 16)));
    case DType::e4m3: return double(std::llabs(ordered(ca, 8) - ordered(cb, 8)));
    case DType::e2m1x2: return double(std::llabs(ordered(ca, 4) - ordered(cb, 4)));
    case DType::ue8m0:
    case DType::u8: return double(std::llabs(int64_t(ca) - int64_t(cb)));
    case DType::i32:
    case DType::i64: return std::fabs(double(int64_t(ca)) - double(int64_t(cb)));
  }
  return 0;
}

namespace {

CompareResult compare_index_sets(const Tensor& actual, const Tensor& expected) {
  CompareResult r;
  r.elements = actual.numel();
  const int64_t rows = actual.rows(), width = rows ? actual.numel() / rows : 0;
  for (int64_t row = 0; row < rows; ++row) {
    std::multiset<int64_t> a, e;
    for (int64_t j = 0; j < width; ++j) {
      const int64_t va = int64_t(element_value(actual, row * width + j));
      const int64_t ve = int64_t(element_value(expected, row * width + j));
      if (va >= 0) a.insert(va);
      if (ve >= 0) e.insert(ve);
    }
    if (a != e) {
      ++r.mismatches;
      if (!r.first_divergence) {
        ElementReport rep;
        rep.flat_index = row * width;
        rep.coords = {row};
        rep.actual = double(a.size());
        rep.expected = double(e.size());
        r.first_divergence = rep;
      }
    }
  }
  r.passed = r.mismatches == 0;
  if (!r.passed) r.error = fmt::format("{} of {} rows select different index sets (first: row {}, sizes {} vs {})",
                                      r.mismatches, rows, r.first_divergence->coords[0],
                                      r.first_divergence->actual, r.first_divergence->expected);
  return r;
}

}  // namespace

CompareResult compare_tensors(const Tensor& actual, const Tensor& expected, const ComparePolicy& policy) {
  CompareResult r;
  if (actual.dtype() != expected.dtype() || actual.shape() != expected.shape()) {
    r.passed = false;
    r.error = fmt::format("shape/dtype mismatch: actual {} expected {}", actual.shape_string(), expected.shape_string());
    return r;
  }
  if (policy.kind == ComparePolicy::Kind::index_set) return compare_index_sets(actual, expected);

  const DType dt = actual.dtype();
  const int64_t n = element_count(actual);
  const bool packed = dt == DType::e2m1x2;
  r.elements = n;
  r.ulp_histogram.assign(66, 0);
  std::vector<double> ulps;
  ulps.reserve(size_t(n));
  double sum_xy = 0, sum_sq = 0;
  int64_t nan_mismatch = 0, inf_mismatch = 0;
  for (int64_t i = 0; i < n; ++i) {
    const uint64_t ca = raw_code(dt, actual.bytes(), i), ce = raw_code(dt, expected.bytes(), i);
    const bool na = is_nan(dt, ca), ne = is_nan(dt, ce);
    if (na || ne) {
      if (na != ne) {
        ++nan_mismatch;
        ++r.mismatches;
        if (!r.first_divergence) r.first_divergence = ElementReport{i, unravel(actual.shape(), i, packed),
                                                                    element_value(actual, i), element_value(expected, i), INFINITY};
      }
      ulps.push_back(na == ne ? 0.0 : INFINITY);
      continue;
    }
    if (inf_sign(dt, ca) != inf_sign(dt, ce)) ++inf_mismatch;
    const double va = element_value(actual, i), ve = element_value(expected, i);
    double d = ulp_distance(dt, actual.bytes(), expected.bytes(), i);
    if (inf_sign(dt, ca) != inf_sign(dt, ce)) d = INFINITY;
    if (policy.floor > 0 && std::isfinite(d) && std::fabs(ve) < policy.floor) {
      d = std::min(d, std::fabs(va - ve) / ulp_at(dt, policy.floor));
    }
    const bool differs = ca != ce;  // raw bits: catches -0 vs +0 for the bitwise policy
    if (differs && !r.first_divergence) {
      r.first_divergence = ElementReport{i, unravel(actual.shape(), i, packed), va, ve, d};
    }
    const bool outside = policy.kind == ComparePolicy::Kind::bitwise ? differs : d > policy.max_ulp;
    if (outside) ++r.mismatches;
    if (d > r.max_ulp || (!r.worst && differs)) {
      r.max_ulp = std::max(r.max_ulp, d);
      r.worst = ElementReport{i, unravel(actual.shape(), i, packed), va, ve, d};
    }
    ulps.push_back(d);
    if (std::isfinite(va) && std::isfinite(ve)) {
      sum_xy += va * ve;
      sum_sq += va * va + ve * ve;
      if (ve != 0) r.max_rel = std::max(r.max_rel, std::fabs(va - ve) / std::fabs(ve));
    }
    // Floored distances can be fractional: any nonzero distance below 1 counts in bucket 1.
    const int bucket = d == 0 ? 0 : std::isinf(d) ? 65 : std::clamp(1 + int(std::floor(std::log2(d))), 1, 64);
    ++r.ulp_histogram[size_t(bucket)];
  }
  r.calc_diff = sum_sq > 0 ? 1.0 - 2.0 * sum_xy / sum_sq : 0.0;
  r.nan_parity = nan_mismatch == 0;
  r.inf_parity = inf_mismatch == 0;
  if (!ulps.empty()) {
    const size_t k = std::min(ulps.size() - 1, size_t(std::ceil(0.9999 * double(ulps.size()))) - 1);
    std::nth_element(ulps.begin(), ulps.begin() + ptrdiff_t(k), ulps.end());
    r.p9999_ulp = ulps[k];
  }
  r.passed = r.mismatches == 0 && r.nan_parity && r.inf_parity;
  if (!r.nan_parity) r.error = fmt::format("NaN positions differ at {} elements", nan_mismatch);
  else if (!r.inf_parity) r.error = fmt::format("Inf positions differ at {} elements", inf_mismatch);
  return r;
}

}  // namespace v4::harness
