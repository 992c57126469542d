#include "harness/ops/block_golden_sampling.h"

#include <algorithm>
#include <cmath>

#include "harness/rng.h"
#include "properties/interval_invariants.h"
#include "reference/attention.h"
#include "reference/mhc_post.h"
#include "reference/mhc_pre.h"
#include "reference/mhc_sinkhorn.h"
#include "reference/moe.h"
#include "reference/moe_gate.h"
#include "reference/rms_norm.h"
#include "reference/transformer.h"

namespace v4::harness {
namespace {

constexpr int64_t kMult = reference::kHcMult;

double val(bf16 b) {
  return double(reference::bf16_decode(b));
}
double row_max_abs(const std::vector<bf16>& v, int64_t row, int64_t width) {
  double m = 0;
  for (int64_t i = 0; i < width; ++i)
    m = std::max(m, std::fabs(val(v[size_t(row * width + i)])));
  return m;
}
BoundedBf16 exact(const std::vector<bf16>& v) {
  return {v, std::vector<double>(v.size(), 0.0)};
}
HcPre exact_coefficients(HcPre h) {
  std::fill(h.e_post.begin(), h.e_post.end(), 0.0);
  std::fill(h.e_comb.begin(), h.e_comb.end(), 0.0);
  return h;
}

// The attention layer on one sequence's inputs [S + T, dim]: prefill, then decode steps.
std::vector<bf16> run_attention(const std::vector<bf16>& x, int64_t S, int64_t T,
                                const reference::ModelConfig& cfg,
                                const reference::AttentionWeights& w, int64_t ratio,
                                const int32_t* pidx, int64_t pw, const int32_t* didx, int64_t dw) {
  const int64_t dim = cfg.dim;
  std::vector<bf16> y(x.size());
  reference::AttentionCache cache;
  const reference::IndexOverride pov{pidx, pw};
  reference::attention_prefill(y.data(), cache, x.data(), S, cfg, ratio, w, nullptr,
                               pidx ? &pov : nullptr);
  for (int64_t t = 0; t < T; ++t) {
    const reference::IndexOverride dov{didx ? didx + t * dw : nullptr, dw};
    reference::attention_decode(y.data() + (S + t) * dim, cache, x.data() + (S + t) * dim, S + t,
                                cfg, ratio, w, nullptr, didx ? &dov : nullptr);
  }
  return y;
}

// ±e on every element with a nonzero bound (signs from `rng`, draws from *counter on).
class Perturber {
public:
  Perturber(uint64_t seed, int sample) : rng_(seed, "block_golden_sampling"), sample_(sample) {}
  void apply(std::vector<bf16>& v, const std::vector<double>& e) {
    for (size_t i = 0; i < v.size(); ++i)
      if (e[i] > 0)
        v[i] = reference::bf16_encode(float(val(v[i]) + sign() * e[i]));
  }
  void apply(std::vector<float>& v, const std::vector<double>& e) {
    for (size_t i = 0; i < v.size(); ++i)
      if (e[i] > 0)
        v[i] = float(double(v[i]) + sign() * e[i]);
  }

private:
  double sign() { return rng_.uniform_int((uint64_t(sample_) << 40) + next_++, 0, 1) ? 1.0 : -1.0; }
  CounterRng rng_;
  int sample_;
  uint64_t next_ = 0;
};

} // namespace

BlockSequenceBounds block_sequence_bounds(const BoundedBf16& x, const int64_t* ids, int64_t prefill,
                                          int64_t steps, const reference::ModelConfig& cfg,
                                          const reference::BlockWeights& w,
                                          const int32_t* prefill_idx, int64_t pw,
                                          const int32_t* decode_idx, int64_t dw) {
  const int64_t dim = cfg.dim, N = prefill + steps, row = kMult * dim, k = w.ffn.gate.k;
  const int iters = int(cfg.hc_sinkhorn_iters);
  const float hc_eps = float(cfg.hc_eps), eps = float(cfg.norm_eps);
  const int64_t ratio = reference::block_compress_ratio(cfg, w);
  const auto attention = [&](const std::vector<bf16>& in) {
    return run_attention(in, prefill, steps, cfg, w.attn, ratio, prefill_idx, pw, decode_idx, dw);
  };

  // The reference Block step by step, with each step's local bound on its exact inputs.
  const HcPre ha = hc_pre_bounds(exact(x.v), w.hc_attn_fn, w.hc_attn_base, w.hc_attn_scale, N, dim,
                                 iters, hc_eps, eps);
  const BoundedBf16 an = rms_norm_bounded(exact(ha.y.v), w.attn_norm, N, dim, eps);
  BoundedBf16 fa = exact(attention(an.v));
  for (int64_t t = 0; t < N; ++t) {
    const double own = kAttentionOwnUlps * properties::bf16_ulp_of(row_max_abs(fa.v, t, dim));
    std::fill(fa.e.begin() + t * dim, fa.e.begin() + (t + 1) * dim, own);
  }
  const BoundedBf16 mid = hc_post_bounds(exact(fa.v), exact(x.v), exact_coefficients(ha), N, dim);
  const HcPre hf = hc_pre_bounds(exact(mid.v), w.hc_ffn_fn, w.hc_ffn_base, w.hc_ffn_scale, N, dim,
                                 iters, hc_eps, eps);
  const BoundedBf16 fn = rms_norm_bounded(exact(hf.y.v), w.ffn_norm, N, dim, eps);
  const MoeOut moe = moe_bounds(fn.v, ids, w.ffn, N, dim);
  BlockSequenceBounds b;
  b.y = hc_post_bounds(exact(moe.y.v), exact(mid.v), exact_coefficients(hf), N, dim);
  b.routing_flips = moe.flips;

  // Samples: every step's output moved by ±its local bound, propagated by the reference.
  std::vector<double> response(static_cast<size_t>(N), 0.0);
  std::vector<bool> rerouted(static_cast<size_t>(N), false);
  std::vector<bf16> a(static_cast<size_t>(N * dim)), f(a.size());
  std::vector<float> post(static_cast<size_t>(N * kMult)), comb(static_cast<size_t>(N * 16));
  std::vector<float> gw(static_cast<size_t>(N * k));
  std::vector<int32_t> gi(gw.size());
  const int64_t experts = w.ffn.gate.experts;
  std::vector<float> scores(static_cast<size_t>(N * experts));
  for (int m = 0; m < kSamples; ++m) {
    Perturber p(uint64_t(w.layer) * 1000 + uint64_t(N), m);
    std::vector<bf16> xm = x.v;
    p.apply(xm, x.e);
    reference::hc_pre(a.data(), post.data(), comb.data(), xm.data(), w.hc_attn_fn, w.hc_attn_base,
                      w.hc_attn_scale, N, dim, iters, hc_eps, eps);
    p.apply(a, ha.y.e);
    p.apply(post, ha.e_post);
    p.apply(comb, ha.e_comb);
    std::vector<bf16> an_m(a.size());
    reference::rms_norm(an_m.data(), a.data(), w.attn_norm, N, dim, eps);
    p.apply(an_m, an.e);
    std::vector<bf16> fa_m = attention(an_m);
    p.apply(fa_m, fa.e);
    std::vector<bf16> mid_m(static_cast<size_t>(N * row));
    reference::hc_post(mid_m.data(), fa_m.data(), xm.data(), post.data(), comb.data(), N, dim);
    p.apply(mid_m, mid.e);
    reference::hc_pre(a.data(), post.data(), comb.data(), mid_m.data(), w.hc_ffn_fn, w.hc_ffn_base,
                      w.hc_ffn_scale, N, dim, iters, hc_eps, eps);
    p.apply(a, hf.y.e);
    p.apply(post, hf.e_post);
    p.apply(comb, hf.e_comb);
    std::vector<bf16> fn_m(a.size());
    reference::rms_norm(fn_m.data(), a.data(), w.ffn_norm, N, dim, eps);
    p.apply(fn_m, fn.e);
    // The routing this input would take (counted when it differs), then the MoE with the
    // reference's routing and the weights of this input's scores.
    reference::moe_gate(gw.data(), gi.data(), fn_m.data(), ids, w.ffn.gate, N, dim);
    for (size_t i = 0; i < gi.size(); ++i)
      rerouted[i / size_t(k)] = rerouted[i / size_t(k)] || gi[i] != moe.idx[i];
    reference::moe_gate_scores(scores.data(), fn_m.data(), w.ffn.gate.weight, N, dim, experts);
    reference::moe_gate_weights(gw.data(), scores.data(), moe.idx.data(), N, experts, k,
                                w.ffn.gate.route_scale);
    reference::moe_combine(f.data(), gw.data(), moe.idx.data(), fn_m.data(), w.ffn, N, dim);
    p.apply(f, moe.y.e);
    std::vector<bf16> y_m(mid_m.size());
    reference::hc_post(y_m.data(), f.data(), mid_m.data(), post.data(), comb.data(), N, dim);
    for (int64_t t = 0; t < N; ++t) {
      for (int64_t i = 0; i < row; ++i) {
        const size_t n = size_t(t * row + i);
        response[size_t(t)] = std::max(response[size_t(t)], std::fabs(val(y_m[n]) - val(b.y.v[n])));
      }
    }
    b.samples.push_back(std::move(y_m));
  }
  for (int64_t t = 0; t < N; ++t) {
    b.sampled_reroutes += rerouted[size_t(t)];
    b.max_response_ulps =
        std::max(b.max_response_ulps,
                 response[size_t(t)] / properties::bf16_ulp_of(row_max_abs(b.y.v, t, row)));
    for (int64_t i = 0; i < row; ++i)
      b.y.e[size_t(t * row + i)] += kSampleHeadroom * response[size_t(t)];
  }
  return b;
}

LogitBounds sampled_head_bounds(const BlockSequenceBounds& b, int64_t first, int64_t count,
                                const reference::ModelConfig& cfg,
                                const reference::HeadWeights& w) {
  const int64_t row = kMult * cfg.dim, vocab = cfg.vocab_size;
  LogitBounds out;
  std::vector<float> sampled(static_cast<size_t>(vocab));
  for (int64_t r = first; r < first + count; ++r) {
    const LogitBounds lb = head_bounds(
        exact(std::vector<bf16>(b.y.v.begin() + r * row, b.y.v.begin() + (r + 1) * row)), cfg, w);
    double response = 0;
    for (const std::vector<bf16>& y : b.samples) {
      reference::head_logits(sampled.data(), y.data() + r * row, cfg, w);
      for (int64_t v = 0; v < vocab; ++v)
        response = std::max(response, std::fabs(double(sampled[size_t(v)]) - lb.logits[size_t(v)]));
    }
    out.logits.insert(out.logits.end(), lb.logits.begin(), lb.logits.end());
    for (const double e : lb.e)
      out.e.push_back(e + kSampleHeadroom * response);
  }
  return out;
}

} // namespace v4::harness
