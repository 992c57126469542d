// FP4 -> FP8 lossless re-blocking (spec §3, decision D7).
//
// W [n, k] e2m1 with one ue8m0 sub-scale E per 1×32 along K becomes W8 [n, k] e4m3 with one
// ue8m0 scale F per 128×128 block:
//   Emax = max E over the block's 512 sub-scales,  F = max(Emax - 6, 0) (biased; [TK] saturates)
//   d = E - F <= 6,  W8 = e4m3(w4 · 2^d)
// Every code is exact at shift d iff d is in [-8, 6] (e4m3 subnormals allowed), which holds for
// the whole block when Emax - Emin <= 14, or in [-5, 6] with normals only ([TK], <= 11). The
// element-wise rule of the spec asks d >= -8 of every non-zero code; it is sufficient, not
// necessary: a single code can be exact lower (|w| = 4 down to d = -11; docs/fp4_to_fp8.md).
// Every block is checked first; if any violates the bound the function writes nothing and the
// report names each such block. An opt-in lossy mode writes anyway and counts inexact elements.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "reference/formats.h"

namespace v4::reference {

inline constexpr int64_t kFp8WeightBlock = 128;

enum class LosslessCheck {
  kBlockRatio2p14,  // default: max/min sub-scale ratio <= 2^14 (exact with e4m3 subnormals)
  kBlockRatio2p11,  // strict, [TK]-compatible: <= 2^11 (exact with normals only)
  kNonZeroElements, // element-wise: every non-zero code has d >= -8 (zero codes ignored)
};
const char* lossless_check_name(LosslessCheck check);

struct Fp4ToFp8Options {
  LosslessCheck check = LosslessCheck::kBlockRatio2p14;
  bool lossy = false; // write even when out of range; count inexact elements (experiments only)
};

struct Fp4BlockViolation {
  int64_t block_row = 0;        // in units of 128 rows
  int64_t block_col = 0;        // in units of 128 columns
  int exponent_range = 0;       // Emax - Emin over the block: log2 of the max/min sub-scale ratio
  int64_t failing_elements = 0; // non-zero codes whose d is below the exact limit
};

struct Fp4ToFp8Report {
  LosslessCheck check = LosslessCheck::kBlockRatio2p14;
  int64_t blocks = 0;
  int worst_exponent_range = 0;              // max over all blocks of Emax - Emin
  std::vector<Fp4BlockViolation> violations; // blocks outside the bound, row-major order
  bool written = false;                      // false when a violation stopped the conversion
  bool lossy = false;
  int64_t inexact_elements = 0; // counted in lossy mode only
  bool lossless() const { return violations.empty(); }
  std::string summary() const;
};

// w8: [n, k] e4m3 · f: [n/128, k/128] ue8m0 · w4: [n, k/2] packed e2m1 · e: [n, k/32] ue8m0;
// n % 128 == 0 and k % 128 == 0.
Fp4ToFp8Report fp4_to_fp8(e4m3* w8, ue8m0* f, const e2m1x2* w4, const ue8m0* e, int64_t n,
                          int64_t k, Fp4ToFp8Options options = {});

} // namespace v4::reference
