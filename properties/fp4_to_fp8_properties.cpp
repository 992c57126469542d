// FP4 -> FP8 re-blocking (spec §3, D7): exhaustive over every e2m1 code x every ue8m0 scale
// offset d, then RapidCheck over whole 128x128 blocks inside and outside the lossless range, in
// the three check modes and the lossy mode, plus idempotence and block-order independence.
//
// Why the windows are [-8, +6] and [-5, +6] (derivation): W8 = w·2^d with w in
// {0.5, 1, 1.5, 2, 3, 4, 6} (sign aside). e4m3 holds exactly the multiples of 2^-9 up to 448
// that have at most 4 significant bits; w has at most 2, so w·2^d is exact iff it is <= 448 and
// a multiple of 2^-9. Top: 6·2^6 = 384 <= 448 but 6·2^7 = 768 and 4·2^7 = 512 are not, so d <= 6
// for all codes. Bottom: the binding code is 0.5 (and 1.5 = 3·0.5): 0.5·2^d is a multiple of 2^-9
// iff d >= -8. With normals only (>= 2^-6), 0.5·2^d >= 2^-6 iff d >= -5. Codes alone reach lower
// (4·2^d down to d = -11), which is why the element-wise rule (d >= -8 for non-zero codes) is
// sufficient but not necessary. F = Emax - 6 makes d = E - Emax + 6, so d >= -8 is the block
// ratio Emax - Emin <= 14 and d >= -5 is <= 11.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <vector>

#include "harness/rng.h"
#include "properties/bit_patterns.h"
#include "properties/fp4_to_fp8_invariants.h"

namespace v4::properties {
namespace {

using reference::LosslessCheck;

bool e4m3_normal_or_zero(double v) {
  return v == 0 || std::fabs(v) >= 0x1p-6;
}

// Every (code, d): the encoder's verdict (encode then decode) agrees with the arithmetic test,
// and the d for which ALL codes are exact is exactly [-8, 6] ([-5, 6] with normals only).
TEST(Fp4ToFp8Exhaustive, EveryCodeTimesEveryScaleOffset) {
  int all_lo = 1000, all_hi = -1000, normal_lo = 1000, normal_hi = -1000;
  for (int d = -254; d <= 254; ++d) { // every difference of two ue8m0 exponents
    bool all_exact = true, all_normal = true;
    for (uint8_t code = 0; code < 16; ++code) {
      const double v = std::ldexp(double(reference::e2m1_decode(code)), d);
      const e4m3 q = reference::e4m3_encode(float(v));
      const bool encoder_exact = double(reference::e4m3_decode(q)) == v &&
                                 std::signbit(reference::e4m3_decode(q)) == std::signbit(v);
      ASSERT_EQ(encoder_exact, e4m3_exact(v)) << "code " << int(code) << " d " << d;
      all_exact = all_exact && encoder_exact;
      all_normal = all_normal && encoder_exact && e4m3_normal_or_zero(v);
    }
    if (all_exact)
      all_lo = std::min(all_lo, d), all_hi = std::max(all_hi, d);
    if (all_normal)
      normal_lo = std::min(normal_lo, d), normal_hi = std::max(normal_hi, d);
    // The window is contiguous: exact for every d between the limits.
    if (d > -8 && d < 6) {
      EXPECT_TRUE(all_exact) << d;
    }
  }
  EXPECT_EQ(all_lo, -8);
  EXPECT_EQ(all_hi, 6);
  EXPECT_EQ(normal_lo, -5);
  EXPECT_EQ(normal_hi, 6);
}

// Per code (docs/fp4_to_fp8.md): w·2^d is exact from d = lowest (w·2^d = 2^-9·odd part) up to
// d = highest (the last w·2^d <= 448), and nowhere else.
TEST(Fp4ToFp8Exhaustive, PerCodeWindows) {
  const struct {
    uint8_t code;
    int lowest, highest;
  } windows[] = {{1, -8, 9}, {2, -9, 8},  {3, -8, 8}, {4, -10, 7},
                 {5, -9, 7}, {6, -11, 6}, {7, -10, 6}};
  for (const auto& w : windows) {
    for (uint8_t sign : {uint8_t(0), uint8_t(8)}) {
      for (int d = -254; d <= 254; ++d) {
        const double v = std::ldexp(double(reference::e2m1_decode(uint8_t(w.code | sign))), d);
        EXPECT_EQ(double(reference::e4m3_decode(reference::e4m3_encode(float(v)))) == v,
                  d >= w.lowest && d <= w.highest)
            << "code " << int(w.code | sign) << " d " << d;
      }
    }
  }
}

// The same through the converter: for every d reachable inside one block (F = Emax - 6, so
// d = E - F in [-248, 6]), a block with one sub-block at Emax and one at Emax - 6 + d holding
// all 16 codes is accepted by each mode exactly when the derivation says, and in lossy mode the
// inexact elements are exactly the codes the arithmetic test rejects.
TEST(Fp4ToFp8Exhaustive, ConverterDecisionForEveryOffset) {
  constexpr int64_t n = 128, k = 128;
  std::vector<e2m1x2> w4(n * k / 2);
  std::vector<ue8m0> e(n * k / 32);
  std::vector<e4m3> w8(n * k);
  std::vector<ue8m0> f(1);
  for (int64_t i = 0; i < n * k; ++i)
    reference::e2m1_set(w4.data(), i, uint8_t(i % 16));
  for (int d = -248; d <= 6; ++d) {
    const int e_max = 254, e_low = e_max - 6 + d;
    for (auto& s : e)
      s.bits = uint8_t(e_max);
    for (int64_t r = 0; r < n; ++r)
      e[size_t(r * 4 + 1)].bits = uint8_t(e_low); // sub-block 1 of every row
    const Fp4Weights w{w4.data(), e.data(), n, k};
    for (LosslessCheck check : {LosslessCheck::kBlockRatio2p14, LosslessCheck::kBlockRatio2p11,
                                LosslessCheck::kNonZeroElements}) {
      const auto report =
          reference::fp4_to_fp8(w8.data(), f.data(), w4.data(), e.data(), n, k, {check, false});
      const bool accepted = check == LosslessCheck::kBlockRatio2p11 ? d >= -5 : d >= -8;
      ASSERT_EQ(report.lossless(), accepted) << "d " << d << " " << lossless_check_name(check);
      ASSERT_EQ(report.worst_exponent_range, 6 - d);
    }
    const auto lossy = reference::fp4_to_fp8(w8.data(), f.data(), w4.data(), e.data(), n, k,
                                             {LosslessCheck::kBlockRatio2p14, true});
    ASSERT_EQ(lossy.inexact_elements,
              expected_fp4_to_fp8(w, LosslessCheck::kBlockRatio2p14, true).inexact)
        << d;
    if (d >= -8) {
      ASSERT_EQ(lossy.inexact_elements, 0) << d;
    }
    if (d < -11) {
      ASSERT_EQ(lossy.inexact_elements, n * 32 * 14 / 16) << d; // every non-zero code lost
    }
  }
}

// --- random blocks -----------------------------------------------------------------------------

struct Draw {
  int64_t n = 0, k = 0;
  std::vector<e2m1x2> w4;
  std::vector<ue8m0> e;
  Fp4Weights weights() const { return {w4.data(), e.data(), n, k}; }
};

// 1-2 x 1-2 blocks of 128x128. RapidCheck draws the shape, per block a base exponent and a
// spread in [0, max_range], a palette of 4 codes from the e2m1 bit-pattern generator and a seed;
// the seed then fills the bulk (so shrinking stays fast): each 32-wide sub-block is either one
// palette code repeated (all ±0, all ±6, ...) or every code at random, and each sub-scale is
// base + [0, spread], within [0, 254].
Draw draw_weights(int max_range) {
  Draw d;
  d.n = 128 * *bits::uniform<int64_t>(1, 3);
  d.k = 128 * *bits::uniform<int64_t>(1, 3);
  d.w4.resize(size_t(d.n * d.k / 2));
  d.e.resize(size_t(d.n * d.k / 32));
  const auto palette = *rc::gen::container<std::vector<uint8_t>>(4, bits::e2m1_any());
  const harness::CounterRng rng(*rc::gen::resize(rc::kNominalSize, rc::gen::arbitrary<uint64_t>()),
                                "fp4_to_fp8");
  for (int64_t sub = 0; sub < d.n * d.k / 32; ++sub) {
    const uint64_t pick = rng.bits64(uint64_t(sub)) % 8; // 4 of 8: one palette code repeated
    for (int64_t i = sub * 32; i < sub * 32 + 32; ++i) {
      const uint8_t code =
          pick < 4 ? palette[pick] : uint8_t(rng.bits32(uint64_t(d.n * d.k + i)) & 0xF);
      reference::e2m1_set(d.w4.data(), i, code);
    }
  }
  for (int64_t br = 0; br < d.n / 128; ++br) {
    for (int64_t bc = 0; bc < d.k / 128; ++bc) {
      const int spread = *bits::uniform(0, max_range + 1);
      const int base = *bits::uniform(0, 255 - spread);
      for (int64_t r = br * 128; r < (br + 1) * 128; ++r) {
        for (int64_t j = bc * 4; j < bc * 4 + 4; ++j) {
          const int64_t i = r * (d.k / 32) + j;
          d.e[size_t(i)].bits =
              uint8_t(base + rng.uniform_int(uint64_t(3 * d.n * d.k + i), 0, spread));
        }
      }
    }
  }
  return d;
}

struct Result {
  reference::Fp4ToFp8Report report;
  std::vector<e4m3> w8;
  std::vector<ue8m0> f;
};

Result convert(const Draw& d, reference::Fp4ToFp8Options options) {
  Result r;
  r.w8.assign(size_t(d.n * d.k), e4m3{kFp4ToFp8Canary});
  r.f.assign(size_t((d.n / 128) * (d.k / 128)), ue8m0{kFp4ToFp8Canary});
  r.report =
      reference::fp4_to_fp8(r.w8.data(), r.f.data(), d.w4.data(), d.e.data(), d.n, d.k, options);
  return r;
}

void require_passed(const harness::PropertyOutcome& o) {
  if (!o.passed)
    RC_FAIL(o.bound + ": " + o.detail);
}

// The report (counts, locations, written flag) against the independent derivation, and the
// output: dequantized FP8 == dequantized FP4 in every accepted block, untouched when refused.
void check_conversion(const Draw& d, const Result& r, reference::Fp4ToFp8Options options) {
  const Fp4ToFp8Outcome got = outcome_of(r.report, d.n, d.k);
  require_passed(
      check_fp4_to_fp8_report(got, expected_fp4_to_fp8(d.weights(), options.check, options.lossy)));
  if (!got.written)
    require_passed(check_fp4_to_fp8_untouched(r.w8.data(), r.f.data(), d.n, d.k));
  else
    require_passed(
        check_fp4_to_fp8_lossless(d.weights(), r.w8.data(), r.f.data(), got.violation_flags));
}

reference::Fp4ToFp8Options draw_options() {
  const auto check =
      *rc::gen::element(LosslessCheck::kBlockRatio2p14, LosslessCheck::kBlockRatio2p11,
                        LosslessCheck::kNonZeroElements);
  RC_TAG(lossless_check_name(check));
  return {check, *bits::coin()};
}

RC_GTEST_PROP(Fp4ToFp8, InRangeBlocksDequantizeIdentically, ()) {
  const Draw d = draw_weights(14);
  const reference::Fp4ToFp8Options options{LosslessCheck::kBlockRatio2p14, false};
  const Result r = convert(d, options);
  RC_ASSERT(r.report.lossless() && r.report.written);
  check_conversion(d, r, options);
}

// Strict mode refuses exactly the blocks with ratio 2^12..2^14 that the default accepts.
RC_GTEST_PROP(Fp4ToFp8, StrictModeRefusesRatiosAbove2p11, ()) {
  const Draw d = draw_weights(14);
  const reference::Fp4ToFp8Options strict{LosslessCheck::kBlockRatio2p11, false};
  const Result r = convert(d, strict);
  RC_CLASSIFY(!r.report.lossless(), "refused");
  RC_ASSERT(r.report.lossless() == (r.report.worst_exponent_range <= 11));
  check_conversion(d, r, strict);
}

// Any mode, any spread (up to 2^40): refused blocks are named, nothing is written unless lossy,
// lossy mode counts exactly the inexact elements, and accepted blocks are exact.
RC_GTEST_PROP(Fp4ToFp8, AnyBlocksReportedWithLocationsNeverRoundedSilently, ()) {
  const Draw d = draw_weights(*rc::gen::element(14, 20, 40));
  const reference::Fp4ToFp8Options options = draw_options();
  const Result r = convert(d, options);
  RC_CLASSIFY(!r.report.lossless(), "out of range");
  check_conversion(d, r, options);
}

// Re-application: converting the FP8 result back to e2m1 with the original sub-scales returns
// the original codes bit for bit, so FP4 -> FP8 -> FP4 -> FP8 gives the same W8 and F.
RC_GTEST_PROP(Fp4ToFp8, IdempotentUnderReapplication, ()) {
  Draw d = draw_weights(14);
  const Result first = convert(d, {});
  Draw back = d;
  for (int64_t r = 0; r < d.n; ++r) {
    for (int64_t c = 0; c < d.k; ++c) {
      const int64_t blk = (r / 128) * (d.k / 128) + c / 128;
      const int shift = int(first.f[size_t(blk)].bits) - d.weights().sub_scale(r, c);
      const float v =
          float(std::ldexp(double(reference::e4m3_decode(first.w8[size_t(r * d.k + c)])), shift));
      reference::e2m1_set(back.w4.data(), r * d.k + c, reference::e2m1_encode(v));
    }
  }
  RC_ASSERT(std::memcmp(back.w4.data(), d.w4.data(), d.w4.size()) == 0);
  const Result second = convert(back, {});
  RC_ASSERT(std::memcmp(second.w8.data(), first.w8.data(), first.w8.size()) == 0);
  RC_ASSERT(std::memcmp(second.f.data(), first.f.data(), first.f.size()) == 0);
}

// Permuting the 128x128 blocks of the input permutes the outputs and the reported locations the
// same way: no block's result depends on where or in which order it is processed.
RC_GTEST_PROP(Fp4ToFp8, IndependentOfBlockOrder, ()) {
  const Draw d = draw_weights(*rc::gen::element(14, 20));
  const reference::Fp4ToFp8Options options = draw_options();
  const int64_t brs = d.n / 128, bcs = d.k / 128;
  std::vector<int64_t> prow(static_cast<size_t>(brs)), pcol(static_cast<size_t>(bcs));
  std::iota(prow.begin(), prow.end(), 0);
  std::iota(pcol.begin(), pcol.end(), 0);
  if (brs > 1 && *bits::coin())
    std::swap(prow[0], prow[1]);
  if (bcs > 1 && *bits::coin())
    std::swap(pcol[0], pcol[1]);
  Draw p = d; // block (br, bc) of p is block (prow[br], pcol[bc]) of d
  for (int64_t r = 0; r < d.n; ++r) {
    for (int64_t c = 0; c < d.k; ++c) {
      const int64_t sr = prow[size_t(r / 128)] * 128 + r % 128,
                    sc = pcol[size_t(c / 128)] * 128 + c % 128;
      reference::e2m1_set(p.w4.data(), r * d.k + c,
                          reference::e2m1_get(d.w4.data(), sr * d.k + sc));
      if (c % 32 == 0)
        p.e[size_t(r * (d.k / 32) + c / 32)] = d.e[size_t(sr * (d.k / 32) + sc / 32)];
    }
  }
  const Result a = convert(d, options), b = convert(p, options);
  const Fp4ToFp8Outcome oa = outcome_of(a.report, d.n, d.k), ob = outcome_of(b.report, d.n, d.k);
  RC_ASSERT(oa.violations == ob.violations && oa.inexact == ob.inexact &&
            oa.worst_range == ob.worst_range);
  for (int64_t br = 0; br < brs; ++br) {
    for (int64_t bc = 0; bc < bcs; ++bc) {
      const size_t pb = size_t(br * bcs + bc),
                   sb = size_t(prow[size_t(br)] * bcs + pcol[size_t(bc)]);
      RC_ASSERT(ob.violation_flags[pb] == oa.violation_flags[sb]);
      RC_ASSERT(b.f[pb].bits == a.f[sb].bits);
    }
  }
  for (int64_t r = 0; r < d.n; ++r) {
    for (int64_t c = 0; c < d.k; ++c) {
      const int64_t sr = prow[size_t(r / 128)] * 128 + r % 128,
                    sc = pcol[size_t(c / 128)] * 128 + c % 128;
      RC_ASSERT(b.w8[size_t(r * d.k + c)].bits == a.w8[size_t(sr * d.k + sc)].bits);
    }
  }
}

} // namespace
} // namespace v4::properties
