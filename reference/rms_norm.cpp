#include "reference/rms_norm.h"

#include <cmath>

#include "reference/require.h"

namespace v4::reference {

float rms_rsqrt(double sum_of_squares, int64_t count, float eps) {
  const float mean_square = float(sum_of_squares / double(count));
  const float denominator = mean_square + eps;
  return float(1.0 / std::sqrt(double(denominator)));
}

void rms_norm(bf16* y, const bf16* x, const float* w, int64_t rows, int64_t dim, float eps) {
  require(rows >= 0 && dim > 0, "rms_norm", "rows must be >= 0 and dim positive");
  for (int64_t r = 0; r < rows; ++r) {
    const bf16* xr = x + r * dim;
    double sum_sq = 0.0;
    for (int64_t i = 0; i < dim; ++i) {
      const double v = bf16_decode(xr[i]);
      sum_sq += v * v;  // bf16² is exact in double
    }
    const float inv = rms_rsqrt(sum_sq, dim, eps);
    for (int64_t i = 0; i < dim; ++i) {
      const float normed = bf16_decode(xr[i]) * inv;
      y[r * dim + i] = bf16_encode(w[i] * normed);
    }
  }
}

void rms_norm_head(bf16* y, const bf16* x, int64_t rows, int64_t heads, int64_t head_dim, float eps) {
  require(rows >= 0 && heads > 0 && head_dim > 0, "rms_norm_head", "rows must be >= 0, heads and head_dim positive");
  for (int64_t h = 0; h < rows * heads; ++h) {
    const bf16* xh = x + h * head_dim;
    double sum_sq = 0.0;  // of the bf16-rounded squares, as torch's bf16 square() produces
    for (int64_t i = 0; i < head_dim; ++i) {
      const float v = bf16_decode(xh[i]);
      sum_sq += round_bf16(v * v);
    }
    const float mean_square = round_bf16(float(sum_sq / double(head_dim)));
    const float denominator = round_bf16(mean_square + eps);
    const float inv = round_bf16(float(1.0 / std::sqrt(double(denominator))));
    for (int64_t i = 0; i < head_dim; ++i) y[h * head_dim + i] = bf16_encode(bf16_decode(xh[i]) * inv);
  }
}

}  // namespace v4::reference
