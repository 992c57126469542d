#include "reference/gemm.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "reference/block_quant.h"
#include "reference/require.h"

namespace v4::reference {

namespace {

void check_scales_finite(const ue8m0* s, int64_t count, const char* function, const char* name) {
  for (int64_t i = 0; i < count; ++i) {
    if (s[i].bits == 0xFF)
      require(false, function,
              std::string(name) + " scale " + std::to_string(i) + " is NaN (0xFF)");
  }
}

// Exact decoded values of every code (e4m3 NaN codes are out of contract and propagate).
struct DecodeTables {
  double e4m3[256];
  double e2m1[16];
  DecodeTables() {
    for (int c = 0; c < 256; ++c)
      e4m3[c] = e4m3_decode(v4::e4m3{uint8_t(c)});
    for (int c = 0; c < 16; ++c)
      e2m1[c] = e2m1_decode(uint8_t(c));
  }
};

} // namespace

void fp8_gemm_acc(float* acc, const e4m3* a, const ue8m0* sa, const e4m3* b, const ue8m0* sb,
                  int64_t m, int64_t n, int64_t k) {
  require(m >= 0 && n >= 0 && k > 0 && k % kGemmBlockK == 0, "fp8_gemm",
          "k must be a positive multiple of 128");
  const int64_t kb_count = k / kGemmBlockK;
  const int64_t nb_count = (n + kGemmBlockN - 1) / kGemmBlockN;
  check_scales_finite(sa, m * kb_count, "fp8_gemm", "A");
  check_scales_finite(sb, nb_count * kb_count, "fp8_gemm", "B");
  const DecodeTables t;
  for (int64_t r = 0; r < m; ++r) {
    for (int64_t c = 0; c < n; ++c) {
      float accum = 0.0f;
      for (int64_t kb = 0; kb < kb_count; ++kb) {
        double p = 0.0; // exact: see the header
        for (int64_t j = kb * kGemmBlockK; j < (kb + 1) * kGemmBlockK; ++j)
          p += t.e4m3[a[r * k + j].bits] * t.e4m3[b[c * k + j].bits];
        const float scale = ue8m0_decode(sa[r * kb_count + kb]) *
                            ue8m0_decode(sb[(c / kGemmBlockN) * kb_count + kb]);
        const float term = float(p) * scale;
        accum = accum + term;
      }
      acc[r * n + c] = accum;
    }
  }
}

void fp8_gemm(bf16* c, const e4m3* a, const ue8m0* sa, const e4m3* b, const ue8m0* sb, int64_t m,
              int64_t n, int64_t k) {
  std::vector<float> acc(size_t(m * n));
  fp8_gemm_acc(acc.data(), a, sa, b, sb, m, n, k);
  for (int64_t i = 0; i < m * n; ++i)
    c[i] = bf16_encode(acc[size_t(i)]);
}

void fp4_gemm_acc(float* acc, const e4m3* a, const ue8m0* sa, const e2m1x2* b, const ue8m0* sb,
                  int64_t m, int64_t n, int64_t k) {
  require(m >= 0 && n >= 0 && k > 0 && k % kGemmBlockK == 0, "fp4_gemm",
          "k must be a positive multiple of 128");
  const int64_t ka_count = k / kGemmBlockK, kb_count = k / kFp4GemmBlockK;
  check_scales_finite(sa, m * ka_count, "fp4_gemm", "A");
  check_scales_finite(sb, n * kb_count, "fp4_gemm", "B");
  // e2m1 -> fp32 -> e4m3 is exact (every e2m1 value is an e4m3 value), so B is used as decoded.
  const DecodeTables t;
  for (int64_t r = 0; r < m; ++r) {
    for (int64_t c = 0; c < n; ++c) {
      float accum = 0.0f;
      for (int64_t kb = 0; kb < kb_count; ++kb) {
        double p = 0.0; // exact: see the header
        for (int64_t j = kb * kFp4GemmBlockK; j < (kb + 1) * kFp4GemmBlockK; ++j)
          p += t.e4m3[a[r * k + j].bits] * t.e2m1[e2m1_get(b, c * k + j)];
        const float with_a = float(p) * ue8m0_decode(sa[r * ka_count + kb / 4]);
        const float term = with_a * ue8m0_decode(sb[c * kb_count + kb]);
        accum = accum + term;
      }
      acc[r * n + c] = accum;
    }
  }
}

void fp4_gemm(bf16* c, const e4m3* a, const ue8m0* sa, const e2m1x2* b, const ue8m0* sb, int64_t m,
              int64_t n, int64_t k) {
  std::vector<float> acc(size_t(m * n));
  fp4_gemm_acc(acc.data(), a, sa, b, sb, m, n, k);
  for (int64_t i = 0; i < m * n; ++i)
    c[i] = bf16_encode(acc[size_t(i)]);
}

void fp8_weight_quant(e4m3* w8, ue8m0* s, const float* w, int64_t n, int64_t k) {
  require(n >= 0 && k > 0 && k % kGemmBlockK == 0, "fp8_weight_quant",
          "k must be a positive multiple of 128");
  for (int64_t i = 0; i < n * k; ++i) {
    if (!std::isfinite(w[i]))
      require(false, "fp8_weight_quant",
              "weight " + std::to_string(i) + " is not finite (spec D6)");
  }
  const int64_t kb_count = k / kGemmBlockK, nb_count = (n + kGemmBlockN - 1) / kGemmBlockN;
  for (int64_t nb = 0; nb < nb_count; ++nb) {
    const int64_t row_end = std::min(n, (nb + 1) * kGemmBlockN);
    for (int64_t kb = 0; kb < kb_count; ++kb) {
      float amax = 0.0f;
      for (int64_t r = nb * kGemmBlockN; r < row_end; ++r)
        for (int64_t j = kb * kGemmBlockK; j < (kb + 1) * kGemmBlockK; ++j)
          amax = std::max(amax, std::fabs(w[r * k + j]));
      const int e = pow2_scale_exponent(amax, kE4m3ScaleRule);
      const float inv_scale = exp2_exact(-e); // exact division by a power of two
      for (int64_t r = nb * kGemmBlockN; r < row_end; ++r)
        for (int64_t j = kb * kGemmBlockK; j < (kb + 1) * kGemmBlockK; ++j)
          w8[r * k + j] = e4m3_encode(std::clamp(w[r * k + j] * inv_scale, -kE4m3Max, kE4m3Max));
      s[nb * kb_count + kb] = ue8m0_from_exponent(e);
    }
  }
}

} // namespace v4::reference
