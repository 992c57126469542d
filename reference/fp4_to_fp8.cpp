#include "reference/fp4_to_fp8.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "reference/require.h"

namespace v4::reference {

const char* lossless_check_name(LosslessCheck check) {
  switch (check) {
  case LosslessCheck::kBlockRatio2p14:
    return "block_ratio<=2^14";
  case LosslessCheck::kBlockRatio2p11:
    return "block_ratio<=2^11";
  case LosslessCheck::kNonZeroElements:
    return "nonzero_elements_d>=-8";
  }
  return "?";
}

std::string Fp4ToFp8Report::summary() const {
  std::ostringstream out;
  out << blocks << " blocks checked (" << lossless_check_name(check)
      << "), worst sub-scale ratio 2^" << worst_exponent_range << ", " << violations.size()
      << " out of range";
  for (size_t i = 0; i < violations.size() && i < 8; ++i) {
    out << (i ? ", " : ": ") << "block (" << violations[i].block_row << ","
        << violations[i].block_col << ") ratio 2^" << violations[i].exponent_range;
  }
  if (violations.size() > 8)
    out << ", ...";
  out << (written ? (lossy ? "; written LOSSY" : "; written") : "; nothing written");
  if (lossy)
    out << ", " << inexact_elements << " inexact elements";
  return out.str();
}

namespace {

constexpr int kMaxShift = 6;           // d <= 6: 6·2^6 = 384 <= 448, the top never overflows
constexpr int kMinShiftSubnormal = -8; // 0.5·2^-8 = 2^-9, the smallest e4m3 subnormal

// One 128×128 block: its biased sub-scale range, its FP8 scale F and, for the element-wise
// rule, the non-zero codes whose shift d = E - F falls below the exact limit.
struct BlockScan {
  int e_min = 255, e_max = 0;
  int f = 0;
  int64_t failing = 0;
};

BlockScan scan_block(const e2m1x2* w4, const ue8m0* e, int64_t k, int64_t br, int64_t bc) {
  BlockScan scan;
  const int64_t sub_per_row = k / 32;
  for (int64_t r = br * 128; r < (br + 1) * 128; ++r) {
    for (int64_t j = bc * 4; j < (bc + 1) * 4; ++j) {
      scan.e_min = std::min(scan.e_min, int(e[r * sub_per_row + j].bits));
      scan.e_max = std::max(scan.e_max, int(e[r * sub_per_row + j].bits));
    }
  }
  scan.f = std::max(scan.e_max - kMaxShift, 0); // [TK] saturates at biased 0
  for (int64_t r = br * 128; r < (br + 1) * 128; ++r) {
    for (int64_t c = bc * 128; c < (bc + 1) * 128; ++c) {
      const int d = int(e[r * sub_per_row + c / 32].bits) - scan.f;
      if ((e2m1_get(w4, r * k + c) & 0x7) != 0 && d < kMinShiftSubnormal)
        ++scan.failing;
    }
  }
  return scan;
}

bool within_bound(const BlockScan& scan, LosslessCheck check) {
  switch (check) {
  case LosslessCheck::kBlockRatio2p14:
    return scan.e_max - scan.e_min <= 14;
  case LosslessCheck::kBlockRatio2p11:
    return scan.e_max - scan.e_min <= 11;
  case LosslessCheck::kNonZeroElements:
    return scan.failing == 0;
  }
  return false;
}

} // namespace

Fp4ToFp8Report fp4_to_fp8(e4m3* w8, ue8m0* f, const e2m1x2* w4, const ue8m0* e, int64_t n,
                          int64_t k, Fp4ToFp8Options options) {
  require(n >= 0 && k > 0 && n % 128 == 0 && k % 128 == 0, "fp4_to_fp8",
          "n and k must be multiples of 128");
  for (int64_t i = 0; i < n * (k / 32); ++i) {
    if (e[i].bits == 0xFF)
      require(false, "fp4_to_fp8", "sub-scale " + std::to_string(i) + " is NaN (0xFF)");
  }
  Fp4ToFp8Report report;
  report.check = options.check;
  report.lossy = options.lossy;
  const int64_t block_rows = n / 128, block_cols = k / 128;
  // Pass 1: check every block before writing anything.
  std::vector<BlockScan> scans;
  for (int64_t br = 0; br < block_rows; ++br) {
    for (int64_t bc = 0; bc < block_cols; ++bc) {
      const BlockScan scan = scan_block(w4, e, k, br, bc);
      const int range = scan.e_max - scan.e_min;
      report.worst_exponent_range = std::max(report.worst_exponent_range, range);
      if (!within_bound(scan, options.check))
        report.violations.push_back({br, bc, range, scan.failing});
      scans.push_back(scan);
    }
  }
  report.blocks = int64_t(scans.size());
  if (!report.lossless() && !options.lossy)
    return report; // D7: nothing written
  // Pass 2: convert. w4·2^d is computed in double, where it is exact for every d >= -254 (d
  // reaches -248 only in lossy mode); the one rounding is then the RNE cast to e4m3. Its float
  // conversion can round only below 2^-126, far under 2^-10, where e4m3 rounds to zero anyway.
  for (int64_t br = 0; br < block_rows; ++br) {
    for (int64_t bc = 0; bc < block_cols; ++bc) {
      const int fb = scans[size_t(br * block_cols + bc)].f;
      f[br * block_cols + bc] = ue8m0{uint8_t(fb)};
      for (int64_t r = br * 128; r < (br + 1) * 128; ++r) {
        for (int64_t c = bc * 128; c < (bc + 1) * 128; ++c) {
          const int d = int(e[r * (k / 32) + c / 32].bits) - fb;
          const double exact = std::ldexp(double(e2m1_decode(e2m1_get(w4, r * k + c))), d);
          const e4m3 q = e4m3_encode(float(exact));
          w8[r * k + c] = q;
          if (double(e4m3_decode(q)) != exact)
            ++report.inexact_elements;
        }
      }
    }
  }
  report.written = true;
  return report;
}

} // namespace v4::reference
