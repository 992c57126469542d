// Error bounds by interval propagation through the model's rounding points, for comparing the
// reference with another implementation of the same computation (the official code in the
// golden checks, a CUDA kernel) whose fp32 summation orders and libm differ.
//
// The idea: at every rounding point both implementations round (almost) the same real value.
// If we know a radius r with |official pre-rounding value − ours| ≤ r, the official rounded
// output lies among the roundings of [v − r, v + r]; rounding is monotone, so the two endpoints
// give the farthest possible output. When both endpoints round to our value, the outputs are
// provably identical and the error bound is exactly 0. So a bound grows only where a value
// really sits within r of a rounding point, instead of "one ulp everywhere" at every stage.
//
// Each stage function takes the stage's inputs with per-element bounds on |official − ours| and
// returns the per-element bound on the stage's rounded output. Radii combine the input bounds
// (first order, exact derivatives bounded by magnitudes) with the other side's arithmetic:
// K-term fp32 sums within K·u·Σ|terms|, CUDA libm (expf, rsqrtf, cosf/sinf) within 2 ulp.
#pragma once

#include <cstdint>
#include <vector>

#include "reference/formats.h"
#include "reference/rope.h"

namespace v4::properties {

inline constexpr double kU32 = 0x1p-24; // fp32 unit roundoff

double f32_ulp_of(double v);  // spacing of fp32 numbers at |v|
double bf16_ulp_of(double v); // spacing of bf16 numbers at |v|

// max |bf16(fl32(v)) − bf16(fl32(center))| over v ∈ [center − radius, center + radius].
double bf16_spread(double center, double radius);

// Values of a bf16 tensor as doubles.
std::vector<double> widen(const bf16* x, int64_t n);

// y = bf16(fl32(W·x)) for bf16 W [out, in]: radius Σ_k |W_ok|·e_k + in·u·Σ_k |W_ok·x_k| + u·|y|.
// x: [rows, in] values · e: [rows, in] bounds. Returns [rows, out] bounds.
std::vector<double> linear_bf16_bounds(const std::vector<double>& x, const std::vector<double>& e,
                                       const bf16* w, int64_t rows, int64_t in, int64_t out);

// Weighted RMSNorm (bf16 in and out, fp32 math): with ms = mean(x²), the relative change of
// rsqrt(ms + eps) is ≤ Σ|x_k|e_k/(n(ms + eps)) + n·u + 3u (sum order, rsqrtf), and
// y_i = w_i·x_i·inv (2 fp32 roundings): radius |w_i|·inv·e_i + |y_i|·(Δinv + 3u).
std::vector<double> rms_norm_bounds(const std::vector<double>& x, const std::vector<double>& e,
                                    const float* w, int64_t rows, int64_t dim, float eps);

// The per-head RMSNorm in bf16 arithmetic (spec §5): bf16 squares, fp32 mean rounded to bf16,
// + eps rounded to bf16, rsqrt rounded to bf16, product rounded to bf16; every bf16 rounding is
// checked with bf16_spread. x: [rows·heads, head_dim].
std::vector<double> rms_norm_head_bounds(const std::vector<double>& x, const std::vector<double>& e,
                                         int64_t groups, int64_t head_dim, float eps);

// RoPE on the last rope_dim dims of each head (the other dims keep their bounds): the official
// cos/sin may differ by the platform's powf (≤ 8·2^-23 relative on freq, see rope_golden.cpp),
// the fp32 angle rounding and CUDA's cosf/sinf (2 ulp); the pair product adds 2 fp32 roundings.
std::vector<double> rope_bounds(const std::vector<double>& x, const std::vector<double>& e,
                                const int64_t* positions, int64_t rows, int64_t heads,
                                int64_t head_dim, const reference::RopeParams& p, bool inverse);

// Block quantization simulation (bf16 → e4m3 or e2m1 on the §2.1 power-of-two scale → bf16) of
// `dims` leading dims of each row of width `row_width`, blocks of `block`: the scale exponent
// can take every value between those of the block's smallest and largest possible amax, and
// for each scale the quantized value of [x − e, x + e] spans the codes of its endpoints.
// Dims beyond `dims` keep their bounds. Returns bounds on the simulated outputs.
std::vector<double> quant_sim_bounds(const std::vector<double>& x, const std::vector<double>& e,
                                     int64_t rows, int64_t row_width, int64_t dims, int64_t block,
                                     bool e2m1);

// Hadamard (±1 weights, scale n^-½): radius scale·(Σ e + n·u·Σ|x|) + 2u|y|, then bf16.
std::vector<double> hadamard_bounds(const std::vector<double>& x, const std::vector<double>& e,
                                    int64_t rows, int64_t n);

// Sparse attention with input bounds e_q [rows, heads, dim] and e_kv [n_kv, dim] (empty: 0).
// Logit radius E_j = scale·(Σ_d |q_d|e_kv,jd + e_q,d(|kv_jd| + e_kv,jd) + D·u·Σ_d|q_d kv_jd|) +
// 4u|ℓ_j|; the fp32 softmax weights then move by ≤ η = 2·max_j E_j + 8·2^-23 relative (exp within 2
// ulp); bf16(p_j) is checked for a possible flip with the chunk-relative p_j and bf16_spread; the
// PV and denominator sums add γ = (64 + 2·chunks + 2)·u. Output radius
//   Σ_j w_j·(|kv_jd|·(flip_j/p_j + η + γ) + e_kv,jd) + |o_d|·(η + γ), then bf16.
std::vector<double> sparse_attn_bounds(const bf16* q, const std::vector<double>& e_q,
                                       const bf16* kv, const std::vector<double>& e_kv,
                                       const float* sink, const int32_t* idx, int64_t rows,
                                       int64_t heads, int64_t dim, int64_t k, float scale);

} // namespace v4::properties
