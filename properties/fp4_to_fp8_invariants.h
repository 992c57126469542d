// Invariants of FP4 -> FP8 re-blocking (spec §3, D7), shared by the RapidCheck properties and the
// harness's domain-property checks. Everything here is computed from the inputs independently of
// reference/fp4_to_fp8.cpp: exactness is decided by an arithmetic test on w·2^d, not by encoding.
#pragma once

#include <cstdint>
#include <vector>

#include "harness/registry.h"
#include "reference/fp4_to_fp8.h"

namespace v4::properties {

// Output buffers start filled with this byte (e4m3 NaN 0xFF, ue8m0 NaN 0xFF), so "nothing
// written" is visible: a conversion that writes can never produce it (|W8| <= 384, F <= 248).
inline constexpr uint8_t kFp4ToFp8Canary = 0xFF;

// FP4 weights: w4 [n, k/2] packed e2m1, e [n, k/32] ue8m0 sub-scales; n, k multiples of 128.
struct Fp4Weights {
  const e2m1x2* w4 = nullptr;
  const ue8m0* e = nullptr;
  int64_t n = 0, k = 0;
  int64_t block_rows() const { return n / 128; }
  int64_t block_cols() const { return k / 128; }
  uint8_t code(int64_t r, int64_t c) const { return reference::e2m1_get(w4, r * k + c); }
  int sub_scale(int64_t r, int64_t c) const { return e[r * (k / 32) + c / 32].bits; } // biased
  double dequantized(int64_t r, int64_t c) const; // w4·2^(E-127), exact in double
};

// Whether v is exactly an e4m3 value: 0, or |v| <= 448 with at most 4 significant bits and a
// multiple of 2^-9 (the subnormal step). Arithmetic only; independent of the encoder.
bool e4m3_exact(double v);

// What a converter reports, and what it should report, per the spec's rules.
struct Fp4ToFp8Outcome {
  int64_t blocks = 0, violations = 0, worst_range = 0, inexact = 0;
  std::vector<uint8_t> violation_flags; // [n/128, k/128]: 1 = block out of the bound
  bool written = false;
};
// Expected outcome: block ranges Emax - Emin, the bound of `check` (ratio <= 2^14, <= 2^11, or
// every non-zero code with d >= -8), written iff no violation or lossy, inexact elements
// counted when written.
Fp4ToFp8Outcome expected_fp4_to_fp8(const Fp4Weights& w, reference::LosslessCheck check,
                                    bool lossy);
// The reference's report in the same form.
Fp4ToFp8Outcome outcome_of(const reference::Fp4ToFp8Report& report, int64_t n, int64_t k);

harness::PropertyOutcome check_fp4_to_fp8_report(const Fp4ToFp8Outcome& got,
                                                 const Fp4ToFp8Outcome& want);
// For every block with skip[block] == 0 (all blocks when skip is empty): W8·2^(F-127) equals
// w4·2^(E-127) bit for bit (sign of zero included), and F = max(Emax - 6, 0).
harness::PropertyOutcome check_fp4_to_fp8_lossless(const Fp4Weights& w, const e4m3* w8,
                                                   const ue8m0* f,
                                                   const std::vector<uint8_t>& skip);
// Nothing written: every byte of w8 [n, k] and f [n/128, k/128] is still the canary.
harness::PropertyOutcome check_fp4_to_fp8_untouched(const e4m3* w8, const ue8m0* f, int64_t n,
                                                    int64_t k);

} // namespace v4::properties
