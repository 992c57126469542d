// Exhaustive tests of the numeric formats (spec §1). Decoders: every code against the spec's
// value formula. Encoders: bf16 over every fp32 bit pattern against a nearest-value oracle;
// e4m3 and e2m1 over every representable value, every rounding midpoint and its neighbours,
// every fp32 exponent, and random bit patterns, against the same kind of oracle.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <limits>
#include <thread>
#include <vector>

#include "harness/rng.h"
#include "reference/formats.h"

namespace v4::reference {
namespace {

float from_bits(uint32_t u) { return std::bit_cast<float>(u); }

// Independent decoders written from the spec's value formulas.
double spec_bf16(uint16_t c) {
  const int s = c >> 15, e = (c >> 7) & 0xFF, f = c & 0x7F;
  const double sign = s ? -1 : 1;
  if (e == 255) return f ? std::numeric_limits<double>::quiet_NaN() : sign * INFINITY;
  if (e == 0) return sign * f / 128.0 * std::ldexp(1.0, -126);
  return sign * (1 + f / 128.0) * std::ldexp(1.0, e - 127);
}
double spec_e4m3(uint8_t c) {
  const int s = c >> 7, e = (c >> 3) & 0xF, m = c & 7;
  const double sign = s ? -1 : 1;
  if (e == 15 && m == 7) return std::numeric_limits<double>::quiet_NaN();
  if (e == 0) return sign * m * std::ldexp(1.0, -9);
  return sign * (1 + m / 8.0) * std::ldexp(1.0, e - 7);
}

TEST(Formats, Bf16DecodeEveryCode) {
  for (uint32_t c = 0; c < 65536; ++c) {
    const double want = spec_bf16(uint16_t(c));
    const float got = bf16_decode(bf16{uint16_t(c)});
    if (std::isnan(want)) ASSERT_TRUE(std::isnan(got)) << c;
    else ASSERT_EQ(double(got), want) << "code " << c;
  }
  EXPECT_EQ(bf16_decode(bf16{0x7F7F}), 0x1.FEp127f);  // max finite (2 - 2^-7)·2^127
  EXPECT_EQ(bf16_decode(bf16{0x0001}), 0x1p-133f);    // min subnormal
}

// Nearest-even rounding of finite x onto a sorted grid of non-negative values whose codes are
// consecutive (code of grid[i] == i); returns the code, saturating at the last value if `sat`.
int nearest_code(double a, const std::vector<double>& grid, bool sat) {
  if (a >= grid.back()) return sat ? int(grid.size()) - 1 : -1;
  const auto hi = std::upper_bound(grid.begin(), grid.end(), a);
  const int i = int(hi - grid.begin()) - 1;
  const double mid = (grid[size_t(i)] + grid[size_t(i) + 1]) / 2;
  if (a < mid) return i;
  if (a > mid) return i + 1;
  return (i % 2 == 0) ? i : i + 1;  // tie: the even code
}

TEST(Formats, Bf16EncodeEveryFloat) {
  // Oracle per input: the two bf16 neighbours (truncation, and one step up in magnitude) are
  // decoded (decoding is verified against the spec formula above) and compared with x in double,
  // where the differences are exact; ties go to the even code; past the max finite value the
  // upper neighbour is 2^128, so exactly the half-way point and beyond round to Inf.
  std::atomic<uint64_t> failures{0}, first_bad{0};
  const unsigned n_threads = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < n_threads; ++t) {
    threads.emplace_back([&, t] {
      const uint64_t begin = (uint64_t(1) << 32) / n_threads * t;
      const uint64_t end = t + 1 == n_threads ? (uint64_t(1) << 32) : (uint64_t(1) << 32) / n_threads * (t + 1);
      uint64_t local_failures = 0, local_bad = 0;
      for (uint64_t u = begin; u < end; ++u) {
        const uint32_t bits = uint32_t(u);
        const uint16_t got = bf16_encode(from_bits(bits)).bits;
        const uint32_t magnitude = bits & 0x7FFFFFFF;
        uint16_t want;
        if (magnitude > 0x7F800000) {  // NaN: any NaN code will do
          if ((got & 0x7F80) == 0x7F80 && (got & 0x7F) != 0) continue;
          want = 0x7FC0;
        } else {
          const uint16_t lo = uint16_t(bits >> 16), hi = uint16_t(lo + 1);
          const double a = from_bits(magnitude);
          const double vlo = from_bits(magnitude & 0xFFFF0000u);
          const double vhi = (hi & 0x7FFF) == 0x7F80 ? 0x1p128 : double(from_bits((magnitude & 0xFFFF0000u) + 0x10000u));
          if ((lo & 0x7FFF) == 0x7F80 || a - vlo < vhi - a) want = lo;  // ±Inf stays
          else if (a - vlo > vhi - a) want = hi;
          else want = (lo & 1) ? hi : lo;
        }
        if (got != want) ++local_failures, local_bad = u;
      }
      failures += local_failures;
      if (local_failures) first_bad = local_bad;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0u) << "a failing fp32 pattern: 0x" << std::hex << first_bad.load();
}

TEST(Formats, E4m3DecodeEveryCode) {
  int positive_finite_nonzero = 0;
  for (int c = 0; c < 256; ++c) {
    const double want = spec_e4m3(uint8_t(c));
    const float got = e4m3_decode(e4m3{uint8_t(c)});
    if (std::isnan(want)) {
      ASSERT_TRUE(std::isnan(got));
      ASSERT_TRUE(c == 0x7F || c == 0xFF) << c;
    } else {
      ASSERT_EQ(double(got), want) << c;
      positive_finite_nonzero += want > 0;
    }
  }
  EXPECT_EQ(positive_finite_nonzero, 126);
  EXPECT_EQ(e4m3_decode(e4m3{0x7E}), 448.0f);
  EXPECT_EQ(e4m3_decode(e4m3{0x01}), 0x1p-9f);
  EXPECT_EQ(e4m3_decode(e4m3{0x08}), 0x1p-6f);
  EXPECT_TRUE(std::signbit(e4m3_decode(e4m3{0x80})));
}

TEST(Formats, E2m1DecodeEveryCode) {
  const float magnitudes[8] = {0, 0.5f, 1, 1.5f, 2, 3, 4, 6};
  for (int c = 0; c < 16; ++c) {
    const float got = e2m1_decode(uint8_t(c));
    EXPECT_EQ(std::fabs(got), magnitudes[c & 7]);
    EXPECT_EQ(std::signbit(got), c >= 8) << c;
  }
}

TEST(Formats, Ue8m0EveryCode) {
  for (int c = 0; c < 255; ++c) {
    const float v = ue8m0_decode(ue8m0{uint8_t(c)});
    ASSERT_EQ(double(v), std::ldexp(1.0, c - 127)) << c;  // 0x00 is 2^-127 (project decision)
    ASSERT_EQ(ue8m0_encode(v).bits, c);
  }
  EXPECT_TRUE(std::isnan(ue8m0_decode(ue8m0{0xFF})));
  for (float bad : {0.0f, -1.0f, 3.0f, 0.75f, INFINITY, NAN, 0x1p-128f}) {
    EXPECT_THROW(ue8m0_encode(bad), std::invalid_argument) << bad;
  }
}

// Inputs around every rounding boundary of a grid, plus every fp32 exponent and random patterns.
std::vector<float> boundary_inputs(const std::vector<double>& grid) {
  std::vector<float> xs;
  auto around = [&](float v) {
    float lo = v, hi = v;
    for (int k = 0; k < 3; ++k) {
      xs.push_back(lo);
      xs.push_back(hi);
      lo = std::nextafter(lo, -INFINITY);
      hi = std::nextafter(hi, INFINITY);
    }
  };
  for (size_t i = 0; i < grid.size(); ++i) {
    around(float(grid[i]));
    if (i + 1 < grid.size()) around(float((grid[i] + grid[i + 1]) / 2));  // midpoints are exact in fp32
  }
  around(float(grid.back() * 1.0625));  // beyond the max: saturation region
  for (uint32_t e = 0; e < 256; ++e) {
    for (uint32_t m : {0u, 1u, 0x400000u, 0x7FFFFFu, 0x3FFFFFu, 0x555555u}) xs.push_back(from_bits(e << 23 | m));
  }
  const harness::CounterRng rng(2024, "format_boundary_inputs");
  for (uint64_t i = 0; i < (1u << 22); ++i) xs.push_back(from_bits(rng.bits32(i)));
  const size_t n = xs.size();
  for (size_t i = 0; i < n; ++i) xs.push_back(-xs[i]);
  return xs;
}

TEST(Formats, E4m3EncodeBoundaries) {
  std::vector<double> grid;
  for (int c = 0; c <= 0x7E; ++c) grid.push_back(spec_e4m3(uint8_t(c)));
  for (float x : boundary_inputs(grid)) {
    const uint8_t got = e4m3_encode(x).bits;
    if (std::isnan(x)) {
      ASSERT_EQ(got & 0x7F, 0x7F);
      continue;
    }
    const int want = nearest_code(std::fabs(double(x)), grid, true) | (std::signbit(x) ? 0x80 : 0);
    ASSERT_EQ(int(got), want) << "x = " << x << " (bits 0x" << std::hex << std::bit_cast<uint32_t>(x) << ")";
  }
  EXPECT_EQ(e4m3_encode(INFINITY).bits, 0x7E);
  EXPECT_EQ(e4m3_encode(-INFINITY).bits, 0xFE);
  EXPECT_EQ(e4m3_encode(NAN).bits & 0x7F, 0x7F);
  EXPECT_EQ(e4m3_encode(-0.0f).bits, 0x80);
  EXPECT_EQ(e4m3_encode(464.0f).bits, 0x7E);  // satfinite, unlike torch's NaN above 464
}

TEST(Formats, E2m1EncodeBoundaries) {
  std::vector<double> grid;
  for (int c = 0; c < 8; ++c) grid.push_back(e2m1_decode(uint8_t(c)));
  for (float x : boundary_inputs(grid)) {
    if (std::isnan(x)) continue;  // outside the contract (spec D6)
    const int want = nearest_code(std::fabs(double(x)), grid, true) | (std::signbit(x) ? 8 : 0);
    ASSERT_EQ(int(e2m1_encode(x)), want) << "x = " << x;
  }
  // The spec's decision table, row by row.
  const std::pair<float, float> table[] = {{0.25f, 0}, {0.26f, 0.5f}, {0.75f, 1}, {1.25f, 1}, {1.3f, 1.5f},
                                           {1.75f, 2}, {2.5f, 2}, {2.6f, 3}, {3.5f, 4}, {5.0f, 4},
                                           {5.01f, 6}, {100.0f, 6}};
  for (auto [x, want] : table) EXPECT_EQ(e2m1_decode(e2m1_encode(x)), want) << x;
}

TEST(Formats, E2m1Packing) {
  e2m1x2 packed[2] = {};
  e2m1_set(packed, 0, 0x3);
  e2m1_set(packed, 1, 0xA);
  e2m1_set(packed, 3, 0x7);
  EXPECT_EQ(packed[0].bits, 0xA3);  // element 2k in the low nibble
  EXPECT_EQ(packed[1].bits, 0x70);
  EXPECT_EQ(e2m1_get(packed, 1), 0xA);
}

}  // namespace
}  // namespace v4::reference
