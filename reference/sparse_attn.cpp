#include "reference/sparse_attn.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "reference/require.h"

namespace v4::reference {
namespace {
// bf16 → double by its bits (the same value as bf16_decode, inlined for the inner loops).
inline double widen(bf16 v) {
  return double(std::bit_cast<float>(uint32_t(v.bits) << 16));
}
} // namespace

void sparse_attn(bf16* o, const bf16* q, const bf16* kv, const float* sink, const int32_t* idx,
                 int64_t rows, int64_t heads, int64_t dim, int64_t n_kv, int64_t k, float scale) {
  require(rows >= 0 && heads > 0 && dim > 0 && n_kv >= 0 && k >= 0, "sparse_attn", "bad sizes");
  for (int64_t i = 0; i < rows * k; ++i) {
    if (idx[i] == -1 || (idx[i] >= 0 && idx[i] < n_kv))
      continue;
    require(false, "sparse_attn",
            "index " + std::to_string(idx[i]) + " at flat position " + std::to_string(i) +
                " is neither -1 nor in [0, n_kv)");
  }
  constexpr float kNegInf = -std::numeric_limits<float>::infinity();
  std::vector<float> s(static_cast<size_t>(kSparseAttnChunk)), acc(static_cast<size_t>(dim));
  std::vector<double> pv(static_cast<size_t>(dim));
  for (int64_t r = 0; r < rows; ++r) {
    const int32_t* list = idx + r * k;
    for (int64_t h = 0; h < heads; ++h) {
      const bf16* qh = q + (r * heads + h) * dim;
      float running_max = kNegInf, denominator = 0;
      std::fill(acc.begin(), acc.end(), 0.0f);
      for (int64_t c0 = 0; c0 < k; c0 += kSparseAttnChunk) {
        const int64_t n = std::min(kSparseAttnChunk, k - c0);
        float chunk_max = running_max;
        for (int64_t j = 0; j < n; ++j) {
          const int32_t t = list[c0 + j];
          s[size_t(j)] = kNegInf;
          if (t < 0)
            continue;
          double dot = 0;
          for (int64_t d = 0; d < dim; ++d)
            dot += widen(qh[d]) * widen(kv[t * dim + d]);
          s[size_t(j)] = float(dot) * scale;
          chunk_max = std::max(chunk_max, s[size_t(j)]);
        }
        if (chunk_max == kNegInf)
          continue; // nothing valid yet
        const float alpha =
            float(std::exp(double(running_max - chunk_max))); // 0 on the first valid chunk
        double chunk_sum = 0;
        std::fill(pv.begin(), pv.end(), 0.0);
        for (int64_t j = 0; j < n; ++j) {
          if (list[c0 + j] < 0)
            continue; // p = exp(−∞) = 0
          const float p = float(std::exp(double(s[size_t(j)] - chunk_max)));
          chunk_sum += p;
          const double p_bf16 = round_bf16(p);
          const bf16* v = kv + int64_t(list[c0 + j]) * dim;
          for (int64_t d = 0; d < dim; ++d)
            pv[size_t(d)] += p_bf16 * widen(v[d]);
        }
        denominator = denominator * alpha + float(chunk_sum);
        for (int64_t d = 0; d < dim; ++d)
          acc[size_t(d)] = float(double(acc[size_t(d)] * alpha) + pv[size_t(d)]);
        running_max = chunk_max;
      }
      bf16* oh = o + (r * heads + h) * dim;
      if (running_max == kNegInf) { // D9: empty valid set
        std::fill(oh, oh + dim, bf16_encode(0.0f));
        continue;
      }
      denominator += float(std::exp(double(sink[h] - running_max)));
      for (int64_t d = 0; d < dim; ++d)
        oh[d] = bf16_encode(acc[size_t(d)] / denominator);
    }
  }
}

} // namespace v4::reference
