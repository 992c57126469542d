#include "reference/dense_linear.h"

#include <bit>
#include <vector>

#include "reference/require.h"

namespace v4::reference {
namespace {
// bf16 → double by its bits (the same value as bf16_decode, inlined for the inner loops).
inline double widen(bf16 v) {
  return double(std::bit_cast<float>(uint32_t(v.bits) << 16));
}

// Σ_k a[k]·w(k) in double with four interleaved partial sums (a fixed order; it only breaks the
// add latency chain). Products of bf16 and fp32 values are exact in double.
template <class W> double dot(const double* a, W w, int64_t n) {
  double s[4] = {0, 0, 0, 0};
  int64_t k = 0;
  for (; k + 4 <= n; k += 4) {
    for (int j = 0; j < 4; ++j)
      s[j] += a[k + j] * w(k + j);
  }
  for (; k < n; ++k)
    s[0] += a[k] * w(k);
  return (s[0] + s[1]) + (s[2] + s[3]);
}
} // namespace

void dense_linear_bf16(bf16* y, const bf16* x, const bf16* w, int64_t rows, int64_t in,
                       int64_t out) {
  require(rows >= 0 && in > 0 && out > 0, "dense_linear_bf16", "in and out must be positive");
  std::vector<double> xr(static_cast<size_t>(in));
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t k = 0; k < in; ++k)
      xr[size_t(k)] = widen(x[r * in + k]);
    for (int64_t o = 0; o < out; ++o) {
      const bf16* wo = w + o * in;
      const double acc = dot(
          xr.data(), [&](int64_t k) { return widen(wo[k]); }, in);
      y[r * out + o] = bf16_encode(float(acc));
    }
  }
}

void dense_linear_f32(float* y, const bf16* x, const float* w, int64_t rows, int64_t in,
                      int64_t out) {
  require(rows >= 0 && in > 0 && out > 0, "dense_linear_f32", "in and out must be positive");
  std::vector<double> xr(static_cast<size_t>(in));
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t k = 0; k < in; ++k)
      xr[size_t(k)] = widen(x[r * in + k]);
    for (int64_t o = 0; o < out; ++o) {
      const float* wo = w + o * in;
      y[r * out + o] = float(dot(
          xr.data(), [&](int64_t k) { return double(wo[k]); }, in));
    }
  }
}

} // namespace v4::reference
