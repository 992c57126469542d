#include "reference/rope.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

#include "reference/require.h"

namespace v4::reference {

RopeParams rope_params_for_layer(const ModelConfig& cfg, int64_t compress_ratio) {
  RopeParams p;
  p.rope_dim = cfg.rope_head_dim;
  p.factor = cfg.rope_factor;
  p.beta_fast = cfg.beta_fast;
  p.beta_slow = cfg.beta_slow;
  if (compress_ratio != 0) {
    p.base = cfg.compress_rope_theta;
    p.original_seq_len = cfg.original_seq_len;
  } else {
    p.base = cfg.rope_theta; // window-only layers: YaRN off ([C] passes original_seq_len = 0)
    p.original_seq_len = 0;
  }
  return p;
}

RopeCorrectionRange rope_correction_range(const RopeParams& p) {
  // [C]'s find_correction_dim, in double as Python computes it.
  const auto correction_dim = [&](double rotations) {
    return double(p.rope_dim) *
           std::log(double(p.original_seq_len) / (rotations * 2 * std::numbers::pi)) /
           (2 * std::log(p.base));
  };
  RopeCorrectionRange r;
  r.low = std::max<int64_t>(int64_t(std::floor(correction_dim(p.beta_fast))), 0);
  r.high = std::min<int64_t>(int64_t(std::ceil(correction_dim(p.beta_slow))), p.rope_dim - 1);
  return r;
}

void rope_freqs(float* freqs, const RopeParams& p) {
  require(p.rope_dim > 0 && p.rope_dim % 2 == 0, "rope_freqs",
          "rope_dim must be positive and even");
  require(p.base > 1, "rope_freqs", "base must exceed 1");
  const int64_t pairs = p.rope_dim / 2;
  for (int64_t i = 0; i < pairs; ++i) {
    const float exponent = float(2 * i) / float(p.rope_dim); // exact: i/32
    const float power = float(std::pow(p.base, double(exponent)));
    freqs[i] = 1.0f / power;
  }
  if (p.original_seq_len <= 0)
    return;
  const RopeCorrectionRange range = rope_correction_range(p);
  // [C]'s linear_ramp_factor: a degenerate range is widened by 0.001.
  const float span = range.low == range.high ? float(double(range.high) + 0.001 - double(range.low))
                                             : float(range.high - range.low);
  // [C] divides the fp32 tensor by a Python scalar; torch's CUDA kernel evaluates that as a
  // multiplication by the fp32 reciprocal (it differs from a true division for i = low + 9).
  const float inverse_span = 1.0f / span;
  for (int64_t i = 0; i < pairs; ++i) {
    const float ramp = std::clamp((float(i) - float(range.low)) * inverse_span, 0.0f, 1.0f);
    const float smooth = 1.0f - ramp;
    // Each operation rounds to fp32, as the separate torch ops of [C] do (no fused multiply-add).
    const float interpolated = (freqs[i] / float(p.factor)) * (1.0f - smooth);
    const float kept = freqs[i] * smooth;
    freqs[i] = interpolated + kept;
  }
}

void rope_cos_sin(float* cos_sin, int64_t position, const float* freqs, int64_t pairs) {
  for (int64_t i = 0; i < pairs; ++i) {
    const float angle = float(position) * freqs[i]; // D15: fl32(fl32(p)·freq)
    cos_sin[2 * i] = float(std::cos(double(angle)));
    cos_sin[2 * i + 1] = float(std::sin(double(angle)));
  }
}

void rope_apply(bf16* y, const bf16* x, const int64_t* positions, int64_t rows, int64_t heads,
                int64_t head_dim, const RopeParams& p, bool inverse) {
  require(rows >= 0 && heads > 0, "rope_apply", "heads must be positive");
  require(p.rope_dim > 0 && p.rope_dim % 2 == 0 && p.rope_dim <= head_dim, "rope_apply",
          "rope_dim must be even and at most head_dim");
  const int64_t pairs = p.rope_dim / 2, nope = head_dim - p.rope_dim;
  std::vector<float> freqs(static_cast<size_t>(pairs)), cs(static_cast<size_t>(2 * pairs));
  rope_freqs(freqs.data(), p);
  for (int64_t r = 0; r < rows; ++r) {
    require(positions[r] >= 0, "rope_apply", "positions must be non-negative");
    rope_cos_sin(cs.data(), positions[r], freqs.data(), pairs);
    for (int64_t h = 0; h < heads; ++h) {
      const bf16* xh = x + (r * heads + h) * head_dim;
      bf16* yh = y + (r * heads + h) * head_dim;
      if (yh != xh)
        std::copy(xh, xh + nope, yh);
      for (int64_t i = 0; i < pairs; ++i) {
        const double a = bf16_decode(xh[nope + 2 * i]), b = bf16_decode(xh[nope + 2 * i + 1]);
        const double c = cs[size_t(2 * i)];
        const double s = inverse ? -double(cs[size_t(2 * i + 1)]) : double(cs[size_t(2 * i + 1)]);
        // bf16·fp32 products are exact in double; their sum is rounded to fp32 (exactly once
        // unless the products differ by more than 2^21 in magnitude), then to bf16.
        const float re = float(a * c - b * s), im = float(a * s + b * c);
        yh[nope + 2 * i] = bf16_encode(re);
        yh[nope + 2 * i + 1] = bf16_encode(im);
      }
    }
  }
}

} // namespace v4::reference
