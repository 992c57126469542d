#include "properties/attention_invariants.h"

#include <cmath>

#include "properties/interval_invariants.h"
#include "reference/dense_linear.h"
#include "reference/kv_fp8_sim.h"
#include "reference/rms_norm.h"
#include "reference/rope.h"
#include "reference/sparse_attn.h"

namespace v4::properties {

QkvBounds attention_qkv_bounds(const bf16* x, const int64_t* positions, int64_t rows,
                               const reference::ModelConfig& cfg, int64_t ratio,
                               const reference::AttentionWeights& w) {
  const int64_t H = cfg.n_heads, D = cfg.head_dim, dim = cfg.dim, ql = cfg.q_lora_rank;
  const float eps = float(cfg.norm_eps);
  const reference::RopeParams rope = reference::rope_params_for_layer(cfg, ratio);
  const std::vector<double> xv = widen(x, rows * dim), zero(static_cast<size_t>(rows * dim), 0.0);
  QkvBounds b;
  // q path: the same reference calls as the layer, each followed by its interval rule.
  std::vector<bf16> t(static_cast<size_t>(rows * ql)), qr(static_cast<size_t>(rows * ql));
  reference::dense_linear_bf16(t.data(), x, w.wq_a, rows, dim, ql);
  std::vector<double> e = linear_bf16_bounds(xv, zero, w.wq_a, rows, dim, ql);
  e = rms_norm_bounds(widen(t.data(), rows * ql), e, w.q_norm, rows, ql, eps);
  reference::rms_norm(qr.data(), t.data(), w.q_norm, rows, ql, eps);
  b.q.resize(static_cast<size_t>(rows * H * D));
  reference::dense_linear_bf16(b.q.data(), qr.data(), w.wq_b, rows, ql, H * D);
  e = linear_bf16_bounds(widen(qr.data(), rows * ql), e, w.wq_b, rows, ql, H * D);
  e = rms_norm_head_bounds(widen(b.q.data(), rows * H * D), e, rows * H, D, eps);
  reference::rms_norm_head(b.q.data(), b.q.data(), rows, H, D, eps);
  b.e_q = rope_bounds(widen(b.q.data(), rows * H * D), e, positions, rows, H, D, rope, false);
  reference::rope_apply(b.q.data(), b.q.data(), positions, rows, H, D, rope, false);
  // kv path.
  std::vector<bf16> u(static_cast<size_t>(rows * D));
  b.kv.resize(static_cast<size_t>(rows * D));
  reference::dense_linear_bf16(u.data(), x, w.wkv, rows, dim, D);
  e = linear_bf16_bounds(xv, zero, w.wkv, rows, dim, D);
  e = rms_norm_bounds(widen(u.data(), rows * D), e, w.kv_norm, rows, D, eps);
  reference::rms_norm(b.kv.data(), u.data(), w.kv_norm, rows, D, eps);
  e = rope_bounds(widen(b.kv.data(), rows * D), e, positions, rows, 1, D, rope, false);
  reference::rope_apply(b.kv.data(), b.kv.data(), positions, rows, 1, D, rope, false);
  b.e_kv = quant_sim_bounds(widen(b.kv.data(), rows * D), e, rows, D, reference::kKvSimDims,
                            reference::kKvSimBlock, false);
  reference::kv_fp8_sim(b.kv.data(), b.kv.data(), rows, D);
  return b;
}

OutputBounds attention_output_bounds(const std::vector<bf16>& q, const std::vector<double>& e_q,
                                     const bf16* kv, const std::vector<double>& e_kv, int64_t n_kv,
                                     const int32_t* idx, int64_t width, const int64_t* positions,
                                     int64_t rows, const reference::ModelConfig& cfg, int64_t ratio,
                                     const reference::AttentionWeights& w) {
  const int64_t H = cfg.n_heads, D = cfg.head_dim;
  const float scale = float(std::pow(double(D), -0.5));
  OutputBounds b;
  b.o.resize(static_cast<size_t>(rows * H * D));
  reference::sparse_attn(b.o.data(), q.data(), kv, w.attn_sink, idx, rows, H, D, n_kv, width,
                         scale);
  b.e_o = sparse_attn_bounds(q.data(), e_q, kv, e_kv, w.attn_sink, idx, rows, H, D, width, scale);
  b.e_y = attention_projection_bounds(b.o.data(), b.e_o, positions, rows, cfg, ratio, w);
  return b;
}

std::vector<double> attention_projection_bounds(const bf16* o_in, const std::vector<double>& e_o,
                                                const int64_t* positions, int64_t rows,
                                                const reference::ModelConfig& cfg, int64_t ratio,
                                                const reference::AttentionWeights& w) {
  const int64_t H = cfg.n_heads, D = cfg.head_dim, G = cfg.o_groups, ol = cfg.o_lora_rank,
                gw = H / G * D;
  const reference::RopeParams rope = reference::rope_params_for_layer(cfg, ratio);
  std::vector<bf16> o(o_in, o_in + rows * H * D);
  const std::vector<double> e =
      rope_bounds(widen(o.data(), rows * H * D), e_o, positions, rows, H, D, rope, true);
  reference::rope_apply(o.data(), o.data(), positions, rows, H, D, rope, true);
  // wo_a: one [ol, gw] bf16 linear per group on that group's slice of o.
  std::vector<bf16> u(static_cast<size_t>(rows * G * ol));
  std::vector<double> e_u(static_cast<size_t>(rows * G * ol));
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t g = 0; g < G; ++g) {
      const int64_t first = r * H * D + g * gw;
      const std::vector<double> og = widen(o.data() + first, gw);
      const std::vector<double> eg(e.begin() + first, e.begin() + first + gw);
      const std::vector<double> eu = linear_bf16_bounds(og, eg, w.wo_a + g * ol * gw, 1, gw, ol);
      std::copy(eu.begin(), eu.end(), e_u.begin() + (r * G + g) * ol);
      reference::dense_linear_bf16(u.data() + (r * G + g) * ol, o.data() + first,
                                   w.wo_a + g * ol * gw, 1, gw, ol);
    }
  }
  return linear_bf16_bounds(widen(u.data(), rows * G * ol), e_u, w.wo_b, rows, G * ol, cfg.dim);
}

} // namespace v4::properties
