#include "properties/fp4_to_fp8_invariants.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace v4::properties {

double Fp4Weights::dequantized(int64_t r, int64_t c) const {
  return std::ldexp(double(reference::e2m1_decode(code(r, c))), sub_scale(r, c) - 127);
}

bool e4m3_exact(double v) {
  const double a = std::fabs(v);
  if (a == 0)
    return true;
  if (!(a <= 448))
    return false;
  if (std::ldexp(a, 9) != std::floor(std::ldexp(a, 9)))
    return false; // multiple of 2^-9
  int ex = 0;
  const double frac = std::frexp(a, &ex);                        // a = frac·2^ex, frac in [0.5, 1)
  return std::ldexp(frac, 4) == std::floor(std::ldexp(frac, 4)); // <= 4 significant bits
}

namespace {

struct BlockFacts {
  int e_min = 255, e_max = 0;
  int f = 0;               // max(Emax - 6, 0)
  int64_t low_nonzero = 0; // non-zero codes with d < -8
  int64_t inexact = 0;     // elements whose w·2^d is not an e4m3 value
};

BlockFacts block_facts(const Fp4Weights& w, int64_t br, int64_t bc) {
  BlockFacts b;
  for (int64_t r = br * 128; r < (br + 1) * 128; ++r) {
    for (int64_t c = bc * 128; c < (bc + 1) * 128; c += 32) {
      b.e_min = std::min(b.e_min, w.sub_scale(r, c));
      b.e_max = std::max(b.e_max, w.sub_scale(r, c));
    }
  }
  b.f = std::max(b.e_max - 6, 0);
  for (int64_t r = br * 128; r < (br + 1) * 128; ++r) {
    for (int64_t c = bc * 128; c < (bc + 1) * 128; ++c) {
      const int d = w.sub_scale(r, c) - b.f;
      const double value = std::ldexp(double(reference::e2m1_decode(w.code(r, c))), d);
      b.low_nonzero += value != 0 && d < -8;
      b.inexact += !e4m3_exact(value);
    }
  }
  return b;
}

} // namespace

Fp4ToFp8Outcome expected_fp4_to_fp8(const Fp4Weights& w, reference::LosslessCheck check,
                                    bool lossy) {
  Fp4ToFp8Outcome o;
  int64_t inexact = 0;
  for (int64_t br = 0; br < w.block_rows(); ++br) {
    for (int64_t bc = 0; bc < w.block_cols(); ++bc) {
      const BlockFacts b = block_facts(w, br, bc);
      const int range = b.e_max - b.e_min;
      bool ok = false;
      switch (check) {
      case reference::LosslessCheck::kBlockRatio2p14:
        ok = range <= 14;
        break;
      case reference::LosslessCheck::kBlockRatio2p11:
        ok = range <= 11;
        break;
      case reference::LosslessCheck::kNonZeroElements:
        ok = b.low_nonzero == 0;
        break;
      }
      ++o.blocks;
      o.violations += !ok;
      o.worst_range = std::max<int64_t>(o.worst_range, range);
      o.violation_flags.push_back(ok ? 0 : 1);
      inexact += b.inexact;
    }
  }
  o.written = o.violations == 0 || lossy;
  o.inexact = o.written ? inexact : 0;
  return o;
}

Fp4ToFp8Outcome outcome_of(const reference::Fp4ToFp8Report& report, int64_t n, int64_t k) {
  Fp4ToFp8Outcome o;
  o.blocks = report.blocks;
  o.violations = int64_t(report.violations.size());
  o.worst_range = report.worst_exponent_range;
  o.inexact = report.inexact_elements;
  o.written = report.written;
  o.violation_flags.assign(size_t((n / 128) * (k / 128)), 0);
  for (const auto& v : report.violations)
    o.violation_flags.at(size_t(v.block_row * (k / 128) + v.block_col)) = 1;
  return o;
}

harness::PropertyOutcome check_fp4_to_fp8_report(const Fp4ToFp8Outcome& got,
                                                 const Fp4ToFp8Outcome& want) {
  harness::PropertyOutcome o;
  o.bound =
      "blocks, violations (with locations), worst ratio, inexact count and written flag as derived";
  o.bound_value = double(want.violations);
  o.measured = double(got.violations);
  auto field = [&](const char* name, int64_t g, int64_t w) {
    if (g != w && o.detail.empty())
      o.detail = fmt::format("{} = {}, expected {}", name, g, w);
  };
  field("blocks", got.blocks, want.blocks);
  field("violations", got.violations, want.violations);
  field("worst exponent range", got.worst_range, want.worst_range);
  field("inexact elements", got.inexact, want.inexact);
  field("written", got.written, want.written);
  if (o.detail.empty() && got.violation_flags != want.violation_flags) {
    for (size_t i = 0; i < std::min(got.violation_flags.size(), want.violation_flags.size()); ++i) {
      if (got.violation_flags[i] != want.violation_flags[i]) {
        o.detail = fmt::format("block {}: violation flag {}, expected {}", i,
                               got.violation_flags[i], want.violation_flags[i]);
        break;
      }
    }
    if (o.detail.empty())
      o.detail = "violation flag count differs";
  }
  o.passed = o.detail.empty();
  if (o.passed) {
    o.detail = fmt::format("{} blocks, {} violations, worst ratio 2^{}, {} inexact, {}",
                           want.blocks, want.violations, want.worst_range, want.inexact,
                           want.written ? "written" : "nothing written");
  }
  return o;
}

harness::PropertyOutcome check_fp4_to_fp8_lossless(const Fp4Weights& w, const e4m3* w8,
                                                   const ue8m0* f,
                                                   const std::vector<uint8_t>& skip) {
  harness::PropertyOutcome o;
  o.bound = "W8*2^(F-127) == w4*2^(E-127) bit for bit in every in-range block; F = max(Emax-6, 0)";
  int64_t bad = 0, checked = 0;
  for (int64_t br = 0; br < w.block_rows(); ++br) {
    for (int64_t bc = 0; bc < w.block_cols(); ++bc) {
      const int64_t blk = br * w.block_cols() + bc;
      if (!skip.empty() && skip[size_t(blk)])
        continue;
      const BlockFacts b = block_facts(w, br, bc);
      if (f[blk].bits != b.f && bad++ == 0) {
        o.detail = fmt::format("block ({}, {}): F = {}, expected max(Emax - 6, 0) = {}", br, bc,
                               f[blk].bits, b.f);
      }
      for (int64_t r = br * 128; r < (br + 1) * 128; ++r) {
        for (int64_t c = bc * 128; c < (bc + 1) * 128; ++c) {
          ++checked;
          const double want = w.dequantized(r, c);
          const double got =
              std::ldexp(double(reference::e4m3_decode(w8[r * w.k + c])), int(f[blk].bits) - 127);
          if ((got != want || std::signbit(got) != std::signbit(want)) && bad++ == 0) {
            o.detail = fmt::format("element ({}, {}) of block ({}, {}): FP8 {:g} vs FP4 {:g}", r, c,
                                   br, bc, got, want);
          }
        }
      }
    }
  }
  o.measured = double(bad);
  o.passed = bad == 0;
  if (o.passed)
    o.detail = fmt::format("{} elements dequantize identically", checked);
  return o;
}

harness::PropertyOutcome check_fp4_to_fp8_untouched(const e4m3* w8, const ue8m0* f, int64_t n,
                                                    int64_t k) {
  harness::PropertyOutcome o;
  o.bound = fmt::format("every output byte still 0x{:02X} (nothing written)", kFp4ToFp8Canary);
  int64_t touched = 0;
  for (int64_t i = 0; i < n * k; ++i)
    touched += w8[i].bits != kFp4ToFp8Canary;
  for (int64_t i = 0; i < (n / 128) * (k / 128); ++i)
    touched += f[i].bits != kFp4ToFp8Canary;
  o.measured = double(touched);
  o.passed = touched == 0;
  o.detail = fmt::format("{} output bytes changed", touched);
  return o;
}

} // namespace v4::properties
