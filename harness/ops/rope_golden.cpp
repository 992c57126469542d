// Golden checkers for rope_yarn (compressed-layer table: base 160000 with YaRN) and rope_window
// (window-only layers: base 10000, no YaRN) against [C]'s precompute_freqs_cis/apply_rotary_emb.
//
// Findings (docs/attention.md): the official table's frequencies equal ours bit for bit once the
// YaRN ramp's division by (high − low) is evaluated as torch's CUDA kernel does, a multiplication
// by the fp32 reciprocal; except that the official powf is not correctly rounded: for base 10000,
// freq_11 and freq_25 are one ulp above fl32(1/fl32(10000^(2i/64))).
//
// Bounds (u = 2^-24):
//  freqs_cis: the official frequency may differ from the correctly rounded one by the platform's
//    powf error (CUDA Math API: ≤ 4 ulp) plus one ulp from each of the reciprocal and the three
//    YaRN roundings on a different input: |Δfreq| ≤ 8·2^-23·freq. Then |Δθ| ≤ p·|Δfreq| + ulp(θ)
//    (both round p·freq, possibly on different freq), and cos/sin: ours correctly rounded
//    (0.5 ulp), CUDA cosf/sinf within 2 ulp: |Δ| ≤ p·8·2^-23·freq + ulp(θ) + 2.5 ulp(value).
//    The bound is absolute because near θ ≈ kπ the value is tiny and Δθ dominates.
//  rotated bf16 outputs: properties::rope_bounds (interval propagation): the official
//    re = fl32(fl32(a·c) − fl32(b·s)) (or an FMA) with c, s within the table bound above lies
//    within |a|·Δc + |b|·Δs + 2u(|a·c| + |b·s|) of the exact pair product; the bound is the
//    farthest bf16 value that interval reaches (0 where it holds a single bf16 value). The nope
//    dims are not part of these cases (x holds the 64 RoPE dims only).
#include <cmath>
#include <vector>

#include "harness/ops/attention_golden_util.h"
#include "harness/ops/op_util.h"
#include "properties/interval_invariants.h"
#include "reference/rope.h"

namespace v4::harness {
namespace {

std::vector<GoldenLine> check_rope(const GoldenCase& gc, int64_t compress_ratio) {
  const reference::ModelConfig cfg = golden_model_config(gc);
  const reference::RopeParams p = reference::rope_params_for_layer(cfg, compress_ratio);
  const int64_t pairs = p.rope_dim / 2;
  std::vector<GoldenLine> lines;

  // The table: [max_seq_len, pairs, 2] (cos, sin).
  const Tensor official_table = gc.tensor("out.freqs_cis");
  const int64_t positions = official_table.dim(0);
  Tensor table(DType::f32, official_table.shape());
  std::vector<float> freqs(static_cast<size_t>(pairs));
  reference::rope_freqs(freqs.data(), p);
  for (int64_t pos = 0; pos < positions; ++pos) {
    reference::rope_cos_sin(table.data<float>() + pos * 2 * pairs, pos, freqs.data(), pairs);
  }
  std::vector<double> table_bound(static_cast<size_t>(table.numel()));
  for (int64_t pos = 0; pos < positions; ++pos) {
    for (int64_t i = 0; i < 2 * pairs; ++i) {
      const double f = freqs[size_t(i / 2)], theta = double(float(pos) * freqs[size_t(i / 2)]);
      const int64_t flat = pos * 2 * pairs + i;
      table_bound[size_t(flat)] = double(pos) * 8 * std::ldexp(f, -23) + f32_ulp(theta) +
                                  2.5 * f32_ulp(table.data<float>()[flat]);
    }
  }
  lines.push_back(
      golden_compare_bounded(gc, "out.freqs_cis", table, official_table, table_bound,
                             "p*8*2^-23*freq + ulp(theta) + 2.5 ulp: powf, CUDA cos/sin"));

  const int64_t start = gc.tensor("in.start_pos").data<int64_t>()[0];
  for (const char* name : {"x4", "x3"}) {
    const Tensor x = gc.tensor(std::string("in.") + name);
    const int64_t rows = x.dim(1), heads = x.numel() / (rows * p.rope_dim);
    std::vector<int64_t> pos(static_cast<size_t>(rows));
    for (int64_t r = 0; r < rows; ++r)
      pos[size_t(r)] = start + r;
    for (const bool inverse : {false, true}) {
      const std::string out = std::string("out.") + name + (inverse ? "_inverse" : "_rot");
      Tensor y(DType::bf16, x.shape());
      reference::rope_apply(y.data<bf16>(), x.data<bf16>(), pos.data(), rows, heads, p.rope_dim, p,
                            inverse);
      const Tensor official = gc.tensor(out);
      const std::vector<double> bound =
          properties::rope_bounds(properties::widen(x.data<bf16>(), x.numel()),
                                  std::vector<double>(static_cast<size_t>(x.numel()), 0.0),
                                  pos.data(), rows, heads, p.rope_dim, p, inverse);
      lines.push_back(golden_compare_bounded(gc, out, y, official, bound,
                                             "interval propagation: pair product, cos/sin, bf16"));
    }
  }
  return lines;
}

} // namespace
V4_REGISTER_GOLDEN("rope_yarn", [](const GoldenCase& gc) { return check_rope(gc, 4); });
V4_REGISTER_GOLDEN("rope_window", [](const GoldenCase& gc) { return check_rope(gc, 0); });
} // namespace v4::harness
