// RapidCheck generators over the bit patterns of the V4 formats (harness-lessons §8): RapidCheck's
// own float generator never yields NaN, ±Inf, -0 or subnormals, so properties draw codes instead.
// Every code of each format can be drawn; the weights favour the codes where implementations go
// wrong: NaN, ±Inf, ±0, subnormals, the max normal and the min normal, and values that sit on
// the rounding grid of e4m3/e2m1 (grid points, exact midpoints = ties, midpoints ± 1 ulp).
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <vector>

#include <rapidcheck.h>

#include "reference/formats.h"

namespace v4::properties::bits {

// RapidCheck's inRange and arbitrary narrow with the test "size" (its first tests draw only the
// minimum, and 0..100 ramps over the run); enumerating codes needs the whole range on every test.
template <class T> rc::Gen<T> uniform(T lo, T hi) { // [lo, hi)
  return rc::gen::resize(rc::kNominalSize, rc::gen::inRange<T>(lo, hi));
}
inline rc::Gen<bool> coin() {
  return rc::gen::element(false, true);
}

// --- single codes ------------------------------------------------------------------------------

template <class T> rc::Gen<T> one_of_codes(std::initializer_list<T> codes) {
  return rc::gen::elementOf(std::vector<T>(codes));
}

inline rc::Gen<uint16_t> bf16_sign(rc::Gen<uint16_t> magnitude) {
  return rc::gen::map(rc::gen::pair(magnitude, coin()), [](std::pair<uint16_t, bool> p) {
    return uint16_t(p.first | (p.second ? 0x8000 : 0));
  });
}
inline rc::Gen<uint16_t> bf16_range(int lo, int hi) { // magnitudes in [lo, hi)
  return rc::gen::cast<uint16_t>(uniform<int>(lo, hi));
}

// A value of the e4m3 (q_max 448) or e2m1 (q_max 6) grid, or a midpoint between two adjacent
// grid values (a tie), or a midpoint ± 1 bf16 ulp, times 2^e: all exact in bf16 for the
// exponents the quantizers meet (e >= -126 for e2m1, e >= -22 for e4m3).
inline rc::Gen<float> grid_edge(double q_max, int e) {
  return rc::gen::exec([q_max, e] {
    std::vector<double> grid;
    if (q_max == 6.0) {
      for (int c = 0; c < 8; ++c)
        grid.push_back(reference::e2m1_decode(uint8_t(c)));
    } else {
      for (int c = 0; c <= 0x7E; ++c)
        grid.push_back(reference::e4m3_decode(e4m3{uint8_t(c)}));
    }
    const size_t g = *uniform<size_t>(0, grid.size() - 1);
    const double mid = (grid[g] + grid[g + 1]) / 2;
    const double ulp = std::ldexp(1.0, std::ilogb(mid) - 7);
    double v = 0;
    switch (*uniform(0, 4)) {
    case 0:
      v = grid[g + 1];
      break;
    case 1:
      v = mid;
      break;
    case 2:
      v = mid - ulp;
      break;
    default:
      v = mid + ulp;
      break;
    }
    return float(std::ldexp(v, e));
  });
}

// Any bf16 code, weighted toward the special ones.
inline rc::Gen<uint16_t> bf16_any() {
  return rc::gen::weightedOneOf<uint16_t>({
      {6, bf16_range(0, 0x10000)},                   // every code
      {1, one_of_codes<uint16_t>({0x0000, 0x8000})}, // ±0
      {1, one_of_codes<uint16_t>({0x7F80, 0xFF80})}, // ±Inf
      {1, bf16_sign(bf16_range(0x7F81, 0x8000))},    // NaN, any payload
      {2, bf16_sign(bf16_range(0x0001, 0x0080))},    // subnormals
      {1, bf16_sign(
              one_of_codes<uint16_t>({0x7F7F, 0x0080, 0x0001}))}, // max, min normal, min subnormal
      {2, bf16_sign(rc::gen::map(grid_edge(448, 0),
                                 [](float v) { return reference::bf16_encode(v).bits; }))},
      {2, bf16_sign(rc::gen::map(grid_edge(6, 0),
                                 [](float v) { return reference::bf16_encode(v).bits; }))},
  });
}

// Finite bf16 codes only (quantizer inputs, spec D6), with |x| < limit (a bf16 magnitude code;
// the default keeps every finite code).
inline rc::Gen<uint16_t> bf16_finite(uint16_t limit = 0x7F80) {
  return rc::gen::suchThat(bf16_any(), [limit](uint16_t c) { return (c & 0x7FFF) < limit; });
}

// NaN (either sign, any payload) or ±Inf: out of the quantizers' contract (D6).
inline rc::Gen<uint16_t> bf16_nonfinite() {
  return rc::gen::weightedOneOf<uint16_t>(
      {{1, one_of_codes<uint16_t>({0x7F80, 0xFF80})}, {2, bf16_sign(bf16_range(0x7F81, 0x8000))}});
}

// Any e4m3 code: NaN 0x7F/0xFF, ±0, subnormals, min normal 0x08, max normal 0x7E favoured.
inline rc::Gen<uint8_t> e4m3_any() {
  return rc::gen::weightedOneOf<uint8_t>({
      {4, rc::gen::cast<uint8_t>(uniform<int>(0, 256))},
      {1, one_of_codes<uint8_t>({0x7F, 0xFF, 0x00, 0x80, 0x7E, 0xFE, 0x08, 0x88})},
      {1, rc::gen::cast<uint8_t>(uniform<int>(0x01, 0x08))},
  });
}

// Any e2m1 code (4 bits): ±0 and ±6 favoured.
inline rc::Gen<uint8_t> e2m1_any() {
  return rc::gen::weightedOneOf<uint8_t>({{3, rc::gen::cast<uint8_t>(uniform<int>(0, 16))},
                                          {1, one_of_codes<uint8_t>({0x0, 0x8, 0x7, 0xF})}});
}

// Any ue8m0 code: 0x00 (2^-127), 0x01, 0x7F (1.0), 0xFE (2^127) and NaN 0xFF favoured.
inline rc::Gen<uint8_t> ue8m0_any() {
  return rc::gen::weightedOneOf<uint8_t>(
      {{4, rc::gen::cast<uint8_t>(uniform<int>(0, 256))},
       {1, one_of_codes<uint8_t>({0x00, 0x01, 0x7F, 0xFE, 0xFF})}});
}

// Finite fp32 bit patterns for fp32 inputs (weights): every pattern, subnormals, and the
// neighbourhood (± a few ulp) of Q·2^k, where the power-of-two scale rule changes exponent.
inline rc::Gen<float> f32_finite(double q_max) {
  return rc::gen::exec([q_max] {
    switch (*uniform(0, 4)) {
    case 0: {
      const float near = float(std::ldexp(q_max, *uniform(-120, 120)));
      return std::bit_cast<float>(std::bit_cast<uint32_t>(near) + uint32_t(*uniform(-3, 4)));
    }
    case 1:
      return std::bit_cast<float>(*uniform<uint32_t>(1, 0x800000)); // subnormal
    case 2:
      return *rc::gen::element(0.0f, -0.0f);
    default: {
      const uint32_t u = *uniform<uint32_t>(0, 0x7F800000);
      return std::bit_cast<float>(u | (*coin() ? 0x80000000u : 0u));
    }
    }
  });
}

// --- quantizer blocks ----------------------------------------------------------------------------

// One block of n finite bf16 codes for a quantizer with grid q_max. Half of the time an "edge"
// block: scale 2^e with e in [lo_exp, hi_exp], an anchor element in (Q/2, Q]·2^e so the scale is
// exactly 2^e, and the others ±0, grid points, ties, ties ± 1 ulp or tiny values, all scaled by
// 2^e. Otherwise a "wild" block of arbitrary finite codes below `limit`.
inline rc::Gen<std::vector<uint16_t>> quant_block(int64_t n, double q_max, int lo_exp, int hi_exp,
                                                  uint16_t limit = 0x7F80) {
  return rc::gen::exec([=] {
    std::vector<uint16_t> block(size_t(n), 0);
    if (*coin()) {
      for (auto& c : block)
        c = *bf16_finite(limit);
      return block;
    }
    const int e = *uniform(lo_exp, hi_exp + 1);
    for (auto& c : block) {
      switch (*uniform(0, 6)) {
      case 0:
        c = *one_of_codes<uint16_t>({0x0000, 0x8000});
        break;
      case 1:
        c = reference::bf16_encode(std::ldexp(float(*uniform(1, 1024)), e - 12)).bits;
        break;
      default:
        c = reference::bf16_encode(*grid_edge(q_max, e)).bits;
        break;
      }
      c = uint16_t(c | (*coin() ? 0x8000 : 0));
    }
    const double anchor = *rc::gen::element(q_max, q_max * 0.75, q_max / 2 + q_max / 16);
    block[size_t(*uniform<int64_t>(0, n))] =
        reference::bf16_encode(float(std::ldexp(anchor, e))).bits;
    return block;
  });
}

} // namespace v4::properties::bits
