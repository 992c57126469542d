// RoPE (spec §6): interleaved pairs on the last `rope_dim` (64) dims of each head, fp32 math,
// bf16 out; YaRN frequency mixing on compressed layers; inverse = rotation by -θ.
//   freq_i  = fl32(1 / fl32(base^(2i/64)))                       i = 0..31
//   YaRN    : ramp_i = clamp(fl32(i − low)·fl32(1/(high − low)), 0, 1), smooth_i = 1 − ramp_i,
//             freq_i ← freq_i/factor·(1 − smooth_i) + freq_i·smooth_i   (each op fp32, as [C];
//             the division by (high − low) is a multiplication by the fp32 reciprocal, as torch's
//             CUDA kernel evaluates a tensor divided by a Python scalar: docs/attention.md)
//   θ_i(p)  = fl32(fl32(p) · freq_i)                             (D15: an fp32 product)
//   (x'[2i], x'[2i+1]) = (x[2i]·c − x[2i+1]·s, x[2i]·s + x[2i+1]·c), c/s = cos/sin θ (fp32)
// The first head_dim − rope_dim dims of every head are copied bit for bit.
#pragma once

#include <cstdint>

#include "reference/formats.h"
#include "reference/model_config.h"

namespace v4::reference {

struct RopeParams {
  int64_t rope_dim = 64; // rotated dims: the last rope_dim of each head (even)
  double base = 10000;
  // YaRN is on when original_seq_len > 0 (as [C]'s precompute_freqs_cis decides).
  int64_t original_seq_len = 0;
  double factor = 16;
  double beta_fast = 32, beta_slow = 1;
};

// The table of a layer with compress ratio m (spec §6, D3): m = 0 → rope_theta without YaRN;
// m = 4 or 128 → compress_rope_theta with YaRN (its compressors and indexer use it too).
RopeParams rope_params_for_layer(const ModelConfig& cfg, int64_t compress_ratio);

// YaRN correction range [low, high] from [C]'s formula, clamped to [0, rope_dim − 1]:
//   low = ⌊dim·ln(L/(β_fast·2π)) / (2 ln base)⌋,  high = ⌈dim·ln(L/(β_slow·2π)) / (2 ln base)⌉.
struct RopeCorrectionRange {
  int64_t low = 0, high = 0;
};
RopeCorrectionRange rope_correction_range(const RopeParams& p);

// freqs: [rope_dim/2] fp32.
void rope_freqs(float* freqs, const RopeParams& p);

// cos_sin: [rope_dim/2, 2] fp32 (cos, sin) of θ_i(position), as [C]'s freqs_cis row.
// cos and sin of the fp32 angle are correctly rounded (computed in double).
void rope_cos_sin(float* cos_sin, int64_t position, const float* freqs, int64_t pairs);

// y: [rows, heads, head_dim] bf16 (may alias x) · x: same · positions: [rows].
// Rotates dims [head_dim − rope_dim, head_dim) of every head by θ(positions[r]) (by −θ when
// `inverse`); each output is the exact pair product rounded once to fp32, then to bf16.
void rope_apply(bf16* y, const bf16* x, const int64_t* positions, int64_t rows, int64_t heads,
                int64_t head_dim, const RopeParams& p, bool inverse);

} // namespace v4::reference
